import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Everything the control plane needs to authenticate: one CA, serving and client certificates, the SA key. */
export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  /** client certificates by name: admin (system:masters), controller-manager, scheduler */
  clients: Record<ClientName, { cert: string; key: string }>;
}

export type ClientName = 'admin' | 'controller-manager' | 'scheduler';

const CLIENT_SUBJECTS: Record<ClientName, string> = {
  admin: '/O=system:masters/CN=statecraft-admin',
  // with one identity for all its controllers the controller manager needs more than its bootstrap role grants;
  // a local test cluster gives it (and the scheduler) system:masters rather than per-controller service accounts
  'controller-manager': '/O=system:masters/CN=system:kube-controller-manager',
  scheduler: '/O=system:masters/CN=system:kube-scheduler',
};

/** The apiserver answers on loopback and on its in-cluster names; the advertise address is a documentation IP. */
export const APISERVER_SANS = [
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
  'IP:127.0.0.1',
  'IP:10.0.0.1',
  'IP:192.0.2.10',
];

/**
 * Creates the PKI once per cluster directory and reuses it afterwards, so a restarted cluster keeps its identity.
 * Node's crypto cannot issue X.509 certificates, so this uses the openssl command (Debian's `openssl` package);
 * keys are P-256 because they are fast to make.
 */
export async function ensurePki(clusterDir: string, extraSans: string[] = []): Promise<Pki> {
  const dir = join(clusterDir, 'pki');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const p = (f: string) => join(dir, f);
  const pki: Pki = {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    apiserverCert: p('apiserver.crt'),
    apiserverKey: p('apiserver.key'),
    serviceAccountKey: p('sa.key'),
    serviceAccountPub: p('sa.pub'),
    clients: {
      admin: { cert: p('admin.crt'), key: p('admin.key') },
      'controller-manager': { cert: p('controller-manager.crt'), key: p('controller-manager.key') },
      scheduler: { cert: p('scheduler.crt'), key: p('scheduler.key') },
    },
  };
  if (!existsSync(pki.caCert)) {
    await openssl(
      ['req', '-x509', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
      ['-keyout', pki.caKey, '-out', pki.caCert, '-days', '3650', '-subj', '/CN=statecraft-local-ca'],
    );
  }
  // extra names (the pod network's in-cluster addresses of the API) are recorded; another set reissues the cert
  const sans = [...APISERVER_SANS, ...extraSans];
  const sansFile = p('apiserver.sans');
  const recorded = existsSync(sansFile) ? await readFile(sansFile, 'utf8') : APISERVER_SANS.join(',');
  if (!existsSync(pki.apiserverCert) || recorded !== sans.join(',')) {
    await issue(pki, pki.apiserverCert, pki.apiserverKey, '/CN=kube-apiserver', [
      `subjectAltName=${sans.join(',')}`,
      'extendedKeyUsage=serverAuth',
    ]);
    await writeFile(sansFile, sans.join(','));
  }
  for (const [name, subject] of Object.entries(CLIENT_SUBJECTS) as [ClientName, string][]) {
    const c = pki.clients[name];
    if (!existsSync(c.cert)) await issue(pki, c.cert, c.key, subject, ['extendedKeyUsage=clientAuth']);
  }
  if (!existsSync(pki.serviceAccountKey)) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    await writeFile(pki.serviceAccountKey, privateKey, { mode: 0o600 });
    await writeFile(pki.serviceAccountPub, publicKey);
  }
  return pki;
}

async function issue(pki: Pki, cert: string, key: string, subject: string, extensions: string[]): Promise<void> {
  const csr = `${cert}.csr`;
  const ext = `${cert}.ext`;
  await writeFile(
    ext,
    ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature,keyEncipherment', ...extensions].join('\n'),
  );
  await openssl(
    ['req', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
    ['-keyout', key, '-out', csr, '-subj', subject],
  );
  await openssl(
    ['x509', '-req', '-in', csr, '-CA', pki.caCert, '-CAkey', pki.caKey, '-CAcreateserial'],
    ['-out', cert, '-days', '3650', '-extfile', ext],
  );
}

async function openssl(...argGroups: string[][]): Promise<void> {
  try {
    await run('openssl', argGroups.flat());
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('the openssl command was not found; install the openssl package');
    throw new Error(`openssl ${argGroups[0][0]} failed: ${e.stderr ?? e.message}`);
  }
}
