import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { KubeConfigError, type LoadedKubeConfig, loadInClusterConfig, loadKubeConfig } from './kubeconfig.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statecraft-kubeconfig-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function file(name: string, content: string | object): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, typeof content === 'string' ? content : stringify(content));
  return path;
}

function kubeconfig(o: {
  clusters?: Record<string, object>;
  users?: Record<string, object>;
  contexts?: Record<string, object>;
  current?: string;
}): object {
  const list = (m: Record<string, object> | undefined, key: string) =>
    Object.entries(m ?? {}).map(([name, v]) => ({ name, [key]: v }));
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: list(o.clusters, 'cluster'),
    users: list(o.users, 'user'),
    contexts: list(o.contexts, 'context'),
    ...(o.current ? { 'current-context': o.current } : {}),
  };
}

async function options(kc: LoadedKubeConfig): Promise<https.RequestOptions & { headers: Record<string, unknown> }> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return opts as https.RequestOptions & { headers: Record<string, unknown> };
}

/** an environment with nothing configured: no KUBECONFIG, a HOME without .kube/config, not in a cluster */
const emptyEnv = () => ({ HOME: join(dir, 'empty-home') });

test('KUBECONFIG files merge like kubectl: the first definition of a name and the first current-context win', async () => {
  const a = await file(
    'merge/a.yaml',
    kubeconfig({
      clusters: { shared: { server: 'https://a.example:6443', 'certificate-authority': 'ca-a.pem' } },
      users: { alice: { token: 'from-a' } },
      contexts: { ctx: { cluster: 'shared', user: 'alice' } },
    }), // no current-context: b's is used
  );
  await file('merge/ca-a.pem', 'CA A');
  await file('merge/sub/ca-b.pem', 'CA B');
  const b = await file(
    'merge/sub/b.yaml',
    kubeconfig({
      clusters: {
        shared: { server: 'https://b.example:6443' }, // shadowed by a's
        other: { server: 'https://other.example', 'certificate-authority': 'ca-b.pem' },
      },
      users: { alice: { token: 'from-b' }, bob: { token: 'bob-token' } },
      contexts: { ctx: { cluster: 'other', user: 'bob' }, second: { cluster: 'other', user: 'bob' } },
      current: 'ctx',
    }),
  );
  const c = await file('merge/c.yaml', kubeconfig({ current: 'second' })); // later current-context: ignored
  const missing = join(dir, 'merge/missing.yaml');
  const kc = loadKubeConfig({ env: { ...emptyEnv(), KUBECONFIG: [a, missing, b, c].join(delimiter) } });
  assert.equal(kc.server, 'https://a.example:6443');
  const opts = await options(kc);
  assert.equal(opts.headers.Authorization, 'Bearer from-a');
  assert.equal(String(opts.ca), 'CA A', 'relative paths resolve against the file that names them');

  const other = loadKubeConfig({ env: { KUBECONFIG: [a, b].join(delimiter) }, context: 'second' });
  assert.equal(other.server, 'https://other.example');
  assert.equal(String((await options(other)).ca), 'CA B');
  assert.equal((await options(other)).headers.Authorization, 'Bearer bob-token');
});

test('an explicit path wins over KUBECONFIG; ~/.kube/config is the default', async () => {
  const explicit = await file(
    'explicit.yaml',
    kubeconfig({ clusters: { c: { server: 'https://explicit/' } }, contexts: { x: { cluster: 'c' } }, current: 'x' }),
  );
  const kc = loadKubeConfig({ path: explicit, env: { KUBECONFIG: '/nonexistent' } });
  assert.equal(kc.server, 'https://explicit', 'a trailing slash is dropped');
  assert.deepEqual((await options(kc)).headers, {}, 'a context without a user sends no credentials');

  await file(
    'home/.kube/config',
    kubeconfig({ clusters: { c: { server: 'https://home' } }, contexts: { x: { cluster: 'c' } }, current: 'x' }),
  );
  assert.equal(loadKubeConfig({ env: { HOME: join(dir, 'home') } }).server, 'https://home');
  assert.equal(loadKubeConfig({ env: emptyEnv() }).server, 'http://localhost:8080', "kubectl's last resort");
});

test('client certificates: inline -data and files (relative to the kubeconfig), CA, TLS server name, skip-verify', async () => {
  await file('certs/client.crt', 'CERT FILE');
  await file('certs/client.key', 'KEY FILE');
  const path = await file(
    'certs/config.yaml',
    kubeconfig({
      clusters: {
        inline: {
          server: 'https://inline',
          'certificate-authority-data': b64('CA DATA'),
          'tls-server-name': 'api.internal',
        },
        insecure: { server: 'https://insecure', 'insecure-skip-tls-verify': true },
      },
      users: {
        data: { 'client-certificate-data': b64('CERT DATA'), 'client-key-data': b64('KEY DATA') },
        files: { 'client-certificate': 'client.crt', 'client-key': join(dir, 'certs/client.key') },
      },
      contexts: { data: { cluster: 'inline', user: 'data' }, files: { cluster: 'insecure', user: 'files' } },
      current: 'data',
    }),
  );
  const inline = await options(loadKubeConfig({ path }));
  assert.equal(String(inline.ca), 'CA DATA');
  assert.equal(String(inline.cert), 'CERT DATA');
  assert.equal(String(inline.key), 'KEY DATA');
  assert.equal(inline.servername, 'api.internal');
  assert.equal(inline.rejectUnauthorized, undefined, 'verification stays on unless skipped');

  const files = await options(loadKubeConfig({ path, context: 'files' }));
  assert.equal(String(files.cert), 'CERT FILE');
  assert.equal(String(files.key), 'KEY FILE');
  assert.equal(files.rejectUnauthorized, false);
  assert.equal(files.ca, undefined);
});

test('token, tokenFile (re-read once a minute), basic auth and impersonation headers', async () => {
  const tokenPath = await file('tokens/token', 'first\n');
  const path = await file(
    'tokens/config.yaml',
    kubeconfig({
      clusters: { c: { server: 'https://c' } },
      users: {
        token: { token: 'static', as: 'jane', 'as-groups': ['devs', 'ops'], 'as-uid': '42' },
        file: { tokenFile: 'token' },
        basic: { username: 'admin', password: 's3cret' },
      },
      contexts: { token: { cluster: 'c', user: 'token' }, file: { cluster: 'c', user: 'file' } },
      current: 'token',
    }),
  );
  const token = await options(loadKubeConfig({ path }));
  assert.equal(token.headers.Authorization, 'Bearer static');
  assert.equal(token.headers['Impersonate-User'], 'jane');
  assert.deepEqual(token.headers['Impersonate-Group'], ['devs', 'ops']);
  assert.equal(token.headers['Impersonate-Uid'], '42');

  let now = 1_000_000;
  const kc = loadKubeConfig({ path, context: 'file', now: () => now });
  assert.equal((await options(kc)).headers.Authorization, 'Bearer first');
  await writeFile(tokenPath, 'second\n');
  now += 59_000;
  assert.equal((await options(kc)).headers.Authorization, 'Bearer first', 'reused within a minute');
  now += 2_000;
  assert.equal((await options(kc)).headers.Authorization, 'Bearer second', 're-read after a minute');
  await rm(tokenPath);
  now += 61_000;
  assert.equal((await options(kc)).headers.Authorization, 'Bearer second', 'a failed re-read keeps the last token');

  await writeFile(
    path,
    stringify(
      kubeconfig({
        clusters: { c: { server: 'https://c' } },
        users: { basic: { username: 'admin', password: 's3cret' } },
        contexts: { x: { cluster: 'c', user: 'basic' } },
        current: 'x',
      }),
    ),
  );
  assert.equal((await options(loadKubeConfig({ path }))).headers.Authorization, `Basic ${b64('admin:s3cret')}`);
});

test('in-cluster: server from KUBERNETES_SERVICE_HOST/PORT, CA and rotating token from the service account', async () => {
  const sa = join(dir, 'serviceaccount');
  await file('serviceaccount/token', 'token-1');
  await file('serviceaccount/ca.crt', 'CLUSTER CA');
  await file('serviceaccount/namespace', 'team-a\n');
  let now = 5_000_000;
  const env = { ...emptyEnv(), KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
  const kc = loadKubeConfig({ env, serviceAccountDir: sa, now: () => now });
  assert.equal(kc.server, 'https://10.96.0.1:443');
  assert.equal(kc.namespace, 'team-a');
  let opts = await options(kc);
  assert.equal(String(opts.ca), 'CLUSTER CA');
  assert.equal(opts.headers.Authorization, 'Bearer token-1');
  await writeFile(join(sa, 'token'), 'token-2');
  now += 61_000;
  opts = await options(kc);
  assert.equal(opts.headers.Authorization, 'Bearer token-2', 'bound tokens rotate: re-read every minute');

  const v6 = loadInClusterConfig({
    env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' },
    serviceAccountDir: sa,
  });
  assert.equal(v6.server, 'https://[fd00::1]:6443');
  assert.throws(
    () => loadInClusterConfig({ env: {}, serviceAccountDir: sa }),
    /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT/,
  );
  assert.equal(
    loadKubeConfig({ env: { ...env, KUBERNETES_SERVICE_HOST: '' }, serviceAccountDir: sa }).server,
    'http://localhost:8080',
    'not in a cluster without the service environment',
  );
});

test('exec plugin: env, args and KUBERNETES_EXEC_INFO passed; credential cached until expirationTimestamp', async () => {
  const runs = join(dir, 'exec/runs');
  const info = join(dir, 'exec/info.json');
  const plugin = await file(
    'exec/plugin.sh',
    `#!/bin/sh
echo run >> "$RUNS_FILE"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$INFO_FILE"
n=$(wc -l < "$RUNS_FILE" | tr -d ' ')
printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"%s-%s","expirationTimestamp":"2030-01-01T00:00:00Z"}}' "$API_VERSION" "$1" "$n"
`,
  );
  await chmod(plugin, 0o755);
  const certPlugin = await file(
    'exec/cert.sh',
    `#!/bin/sh
printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"clientCertificateData":"EXEC CERT","clientKeyData":"EXEC KEY"}}'
`,
  );
  await chmod(certPlugin, 0o755);
  const exec = (apiVersion: string) => ({
    apiVersion,
    command: './plugin.sh', // relative to the kubeconfig's directory
    args: ['tok'],
    env: [
      { name: 'RUNS_FILE', value: runs },
      { name: 'INFO_FILE', value: info },
      { name: 'API_VERSION', value: apiVersion },
    ],
    provideClusterInfo: true,
    interactiveMode: 'Never',
  });
  const path = await file(
    'exec/config.yaml',
    kubeconfig({
      clusters: { c: { server: 'https://exec.example', 'certificate-authority-data': b64('EXEC CA') } },
      users: {
        v1: { exec: exec('client.authentication.k8s.io/v1') },
        v1beta1: { exec: exec('client.authentication.k8s.io/v1beta1') },
        cert: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: certPlugin } },
      },
      contexts: {
        v1: { cluster: 'c', user: 'v1' },
        v1beta1: { cluster: 'c', user: 'v1beta1' },
        cert: { cluster: 'c', user: 'cert' },
      },
      current: 'v1',
    }),
  );
  let now = Date.parse('2029-12-31T23:00:00Z');
  const kc = loadKubeConfig({ path, now: () => now });
  const [first, concurrent] = await Promise.all([options(kc), options(kc)]);
  assert.equal(first.headers.Authorization, 'Bearer tok-1');
  assert.equal(concurrent.headers.Authorization, 'Bearer tok-1', 'concurrent requests share one run');
  assert.deepEqual(JSON.parse(await readFile(info, 'utf8')), {
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    spec: {
      interactive: false,
      cluster: { server: 'https://exec.example', 'certificate-authority-data': b64('EXEC CA') },
    },
  });
  now = Date.parse('2029-12-31T23:59:59Z');
  assert.equal((await options(kc)).headers.Authorization, 'Bearer tok-1', 'cached until it expires');
  now = Date.parse('2030-01-01T00:00:01Z');
  assert.equal((await options(kc)).headers.Authorization, 'Bearer tok-2', 'refreshed after expiry');
  assert.equal((await readFile(runs, 'utf8')).split('\n').filter(Boolean).length, 2);

  const beta = await options(loadKubeConfig({ path, context: 'v1beta1' }));
  assert.equal(beta.headers.Authorization, 'Bearer tok-3');
  const cert = await options(loadKubeConfig({ path, context: 'cert' }));
  assert.equal(cert.cert, 'EXEC CERT');
  assert.equal(cert.key, 'EXEC KEY');
  assert.equal(cert.headers.Authorization, undefined);
});

test('exec plugin failures name the field and the command', async () => {
  const failing = await file('exec-fail/fail.sh', '#!/bin/sh\necho "no credentials for you" >&2\nexit 3\n');
  await chmod(failing, 0o755);
  const wrongKind = await file('exec-fail/kind.sh', `#!/bin/sh\necho '{"apiVersion":"v1","kind":"Pod"}'\n`);
  await chmod(wrongKind, 0o755);
  const path = await file(
    'exec-fail/config.yaml',
    kubeconfig({
      clusters: { c: { server: 'https://c' } },
      users: {
        fail: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: failing } },
        kind: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: wrongKind } },
        absent: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: 'statecraft-no-such-plugin',
            installHint: 'install it with: brew install x',
          },
        },
      },
      contexts: {
        fail: { cluster: 'c', user: 'fail' },
        kind: { cluster: 'c', user: 'kind' },
        absent: { cluster: 'c', user: 'absent' },
      },
      current: 'fail',
    }),
  );
  await assert.rejects(options(loadKubeConfig({ path })), /users\[fail\]\.user\.exec: .*exited with 3: no credentials/);
  await assert.rejects(options(loadKubeConfig({ path, context: 'kind' })), /expected .*v1 ExecCredential/);
  await assert.rejects(options(loadKubeConfig({ path, context: 'absent' })), /cannot run .*\ninstall it with/);
});

test('a kubeconfig that cannot be used fails at load with the file and the field named', async () => {
  const load = (name: string, content: object, context?: string) =>
    file(`bad/${name}.yaml`, content).then((path) => () => loadKubeConfig({ path, context }));
  const cluster = { c: { server: 'https://c' } };
  const cases: [string, object, RegExp][] = [
    ['no-current', kubeconfig({ clusters: cluster, contexts: { x: { cluster: 'c' } } }), /current-context is not set/],
    [
      'unknown-context',
      kubeconfig({ clusters: cluster, contexts: { x: { cluster: 'c' } }, current: 'y' }),
      /current-context "y" is not in contexts/,
    ],
    [
      'missing-cluster',
      kubeconfig({ contexts: { x: { cluster: 'gone' } }, current: 'x' }),
      /contexts\[x\]\.context\.cluster "gone" is not in clusters/,
    ],
    [
      'missing-user',
      kubeconfig({ clusters: cluster, contexts: { x: { cluster: 'c', user: 'u' } }, current: 'x' }),
      /contexts\[x\]\.context\.user "u" is not in users/,
    ],
    [
      'no-server',
      kubeconfig({ clusters: { c: {} }, contexts: { x: { cluster: 'c' } }, current: 'x' }),
      /clusters\[c\]\.cluster\.server is not set/,
    ],
    [
      'unreadable-cert',
      kubeconfig({
        clusters: cluster,
        users: { u: { 'client-certificate': 'nope.crt', 'client-key-data': b64('k') } },
        contexts: { x: { cluster: 'c', user: 'u' } },
        current: 'x',
      }),
      /users\[u\]\.user\.client-certificate: cannot read .*nope\.crt/,
    ],
    [
      'unreadable-ca',
      kubeconfig({
        clusters: { c: { server: 'https://c', 'certificate-authority': '/nonexistent/ca.crt' } },
        contexts: { x: { cluster: 'c' } },
        current: 'x',
      }),
      /clusters\[c\]\.cluster\.certificate-authority: cannot read \/nonexistent\/ca\.crt/,
    ],
    [
      'auth-provider',
      kubeconfig({
        clusters: cluster,
        users: { u: { 'auth-provider': { name: 'oidc', config: {} } } },
        contexts: { x: { cluster: 'c', user: 'u' } },
        current: 'x',
      }),
      /users\[u\]\.user\.auth-provider \(oidc\) is not supported/,
    ],
    [
      'exec-version',
      kubeconfig({
        clusters: cluster,
        users: { u: { exec: { apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'x' } } },
        contexts: { x: { cluster: 'c', user: 'u' } },
        current: 'x',
      }),
      /users\[u\]\.user\.exec\.apiVersion "client\.authentication\.k8s\.io\/v1alpha1"/,
    ],
  ];
  for (const [name, content, message] of cases) {
    const fn = await load(name, content);
    assert.throws(fn, (err: Error) => {
      assert.ok(err instanceof KubeConfigError, name);
      assert.match(err.message, message, name);
      assert.ok(err.message.includes(`bad/${name}.yaml`), `${name}: names the file: ${err.message}`);
      return true;
    });
  }
  assert.throws(() => loadKubeConfig({ path: join(dir, 'bad/absent.yaml') }), /absent\.yaml: cannot read it/);
  await file('bad/not-yaml.yaml', 'clusters: [');
  assert.throws(() => loadKubeConfig({ path: join(dir, 'bad/not-yaml.yaml') }), /not valid YAML/);
});
