import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LOCAL_NODE_NAME } from './agent/node.ts';
import { steeringObjects } from './agent/steering.ts';
import { type Binaries, ensureBinaries, ensureNetworkBinaries, type Progress } from './build.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import {
  apiserverSans,
  kubernetesServiceEndpoints,
  networkFile,
  podNetworkRequested,
  prepareClusterNetwork,
  startApiRelay,
  startCoreDns,
  startKubeProxy,
} from './network/cluster-network.ts';
import { teardownNetwork } from './network/host.ts';
import type { ClusterNetwork } from './network/plan.ts';
import { type ClientName, ensurePki, type Pki } from './pki.ts';
import { freePort, isOurs, type StartedProcess, startDetached, stopProcess, waitFor } from './processes.ts';
import { ensureSystemPackages } from './system-packages.ts';

const run = promisify(execFile);

/** The fake Node simulated by KWOK; only Nodes with this annotation are KWOK's, so other node types can exist. */
export const KWOK_NODE_NAME = 'kwok-node-0';
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const DEFAULT_STORAGE_CLASS = 'standard';
const HERE = dirname(fileURLToPath(import.meta.url));
const AGENT_MAIN = resolve(HERE, 'agent', 'main.ts');
const KWOK_STAGES = resolve(HERE, 'kwok', 'stages.yaml');
/** Metadata-level audit of API requests (see the file); the log is DIR/logs/audit.log */
export const AUDIT_POLICY = resolve(HERE, 'audit-policy.yaml');
export const auditLogPath = (dir: string) => join(resolve(dir), 'logs', 'audit.log');

/** What `cluster up` recorded in DIR/state.json: enough for `down`, `status` and tests to find the cluster. */
export interface ClusterState {
  dir: string;
  kubeconfig: string;
  server: string;
  ports: Record<string, number>;
  processes: StartedProcess[];
  binaries: Binaries;
  startedAt: string;
  /** the pod network (`--pod-network`): bridge, CIDRs and names; `down` removes all of it */
  network?: ClusterNetwork;
}

export interface UpOptions {
  dir: string;
  progress?: Progress;
  /** extra environment for the node agent process (tests use it to tune the agent) */
  agentEnv?: NodeJS.ProcessEnv;
  /**
   * Missing Debian packages (deploy/system-packages.txt) are installed when this is true and apt-get may run
   * (`statecraft dev` and `cluster up`); otherwise up stops with a message naming the command (tests).
   */
  installPackages?: boolean;
  /** how the user turned installing off, for that message (e.g. `--no-install-packages`) */
  installRefusedBy?: string;
  /**
   * Pods in network namespaces of their own on a bridge, with cluster DNS (network/); default: STATECRAFT_POD_NETWORK,
   * else on when run as root (podNetworkRequested)
   */
  podNetwork?: boolean;
}

export interface UpResult {
  state: ClusterState;
  alreadyRunning: boolean;
  seconds: number;
}

const statePath = (dir: string) => join(dir, 'state.json');

export async function readState(dir: string): Promise<ClusterState | undefined> {
  try {
    return JSON.parse(await readFile(statePath(dir), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

/** A recorded cluster is running when every process it started is alive and the apiserver says it is ready. */
export async function isRunning(state: ClusterState): Promise<boolean> {
  if (!state.processes.every(isOurs)) return false;
  return apiserverReady(state.server, join(state.dir, 'pki')).catch(() => false);
}

/**
 * Brings up etcd, kube-apiserver, kube-controller-manager, kube-scheduler, KWOK with one fake Node and the local node
 * agent (storage provisioner), building missing binaries first. Returns when /readyz is ok and the Node is Ready.
 * On a directory whose cluster already runs, only reports it. Data (etcd, volumes, PKI) is kept across restarts.
 */
export async function clusterUp(options: UpOptions): Promise<UpResult> {
  const started = Date.now();
  const dir = resolve(options.dir);
  const progress = options.progress ?? (() => {});
  // before anything slow: a missing package is found (or installed) in seconds, not after a 15-minute build
  const packages = await ensureSystemPackages({
    install: options.installPackages ?? false,
    refusedBy: options.installRefusedBy,
    progress,
  });
  if (!packages.installed.length) progress(`system packages: all ${packages.checked} installed`);
  const previous = await readState(dir);
  if (previous && (await isRunning(previous))) {
    return { state: previous, alreadyRunning: true, seconds: (Date.now() - started) / 1000 };
  }
  if (previous) await stopAll(previous.processes); // a half-dead cluster: clear what is left before starting again

  const binaries = await ensureBinaries(progress);
  const withNetwork = podNetworkRequested(options.podNetwork);
  if (!withNetwork && options.podNetwork === undefined)
    progress('pod network: off (network namespaces need root); pods listen on loopback addresses (127.x)');
  const networkBins = withNetwork ? await ensureNetworkBinaries(progress) : undefined;
  if (previous?.network && !withNetwork) await teardownNetwork(previous.network);
  await mkdir(join(dir, 'logs'), { recursive: true });
  const pki = await ensurePki(dir);
  const ports = {
    etcdClient: await freePort(),
    etcdPeer: await freePort(),
    apiserver: await freePort(),
    controllerManager: await freePort(),
    scheduler: await freePort(),
    kwok: await freePort(),
  };
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const processes: StartedProcess[] = [];
  const state: ClusterState = {
    dir,
    kubeconfig: join(dir, 'kubeconfig'),
    server,
    ports,
    processes,
    binaries,
    startedAt: new Date().toISOString(),
  };
  const log = (name: string) => join(dir, 'logs', `${name}.log`);
  const save = () => writeFile(statePath(dir), JSON.stringify(state, null, 2));

  try {
    if (withNetwork) {
      state.network = await prepareClusterNetwork(dir, previous?.network);
      await save();
      progress(`pod network: bridge ${state.network.bridge}, pods ${state.network.podCidr}`);
      await ensurePki(dir, apiserverSans(state.network)); // pods reach the API at the kubernetes ClusterIP
    }
    for (const name of ['admin', 'controller-manager', 'scheduler'] as ClientName[]) {
      await writeFile(kubeconfigPath(dir, name), await componentKubeconfig(pki, server, name), { mode: 0o600 });
    }
    await writeFile(state.kubeconfig, await componentKubeconfig(pki, server, 'admin'), { mode: 0o600 });

    progress('starting etcd');
    const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
    const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
    processes.push(
      startDetached(
        'etcd',
        binaries.etcd,
        [
          `--data-dir=${join(dir, 'etcd')}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=default=${peerUrl}`,
          '--unsafe-no-fsync',
          '--log-level=warn',
        ],
        log('etcd'),
      ),
    );
    await save();
    await waitFor('etcd', async () => (await fetch(`${etcdUrl}/health`)).ok, 30_000, `see ${log('etcd')}`);

    progress('starting kube-apiserver');
    processes.push(
      startDetached(
        'kube-apiserver',
        binaries.kubeApiserver,
        [
          `--etcd-servers=${etcdUrl}`,
          `--cert-dir=${join(pki.dir, 'generated')}`,
          `--tls-cert-file=${pki.apiserverCert}`,
          `--tls-private-key-file=${pki.apiserverKey}`,
          `--client-ca-file=${pki.caCert}`,
          `--secure-port=${ports.apiserver}`,
          '--bind-address=127.0.0.1',
          // without a default route the apiserver cannot pick an advertise address; a documentation IP keeps it happy
          '--advertise-address=192.0.2.10',
          '--authorization-mode=RBAC',
          // benchmarks create hundreds of ClusterIP Services (a /24 holds 254)
          `--service-cluster-ip-range=${state.network?.serviceCidr ?? '10.0.0.0/16'}`,
          '--allow-privileged=true',
          '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
          `--service-account-key-file=${pki.serviceAccountPub}`,
          `--service-account-signing-key-file=${pki.serviceAccountKey}`,
          '--endpoint-reconciler-type=none',
          // MutatingAdmissionPolicy (beta in 1.34) lets the local cluster steer pods without a webhook server.
          // TranslateStreamCloseWebsocketRequests off: exec/attach WebSockets (kubectl's v5.channel.k8s.io) are
          // proxied to the node agent as they come instead of being translated to SPDY, which the agent lacks
          '--feature-gates=MutatingAdmissionPolicy=true,TranslateStreamCloseWebsocketRequests=false',
          '--runtime-config=admissionregistration.k8s.io/v1beta1=true',
          // who wrote what, when (test/chaos reads it); the default blocking log backend: a line is on disk when
          // the response is sent, so a test can read it right away. ~1 KB a request: at most 100 MB + one backup
          `--audit-policy-file=${AUDIT_POLICY}`,
          `--audit-log-path=${auditLogPath(dir)}`,
          '--audit-log-maxsize=100',
          '--audit-log-maxbackup=1',
          '--v=1',
        ],
        log('kube-apiserver'),
      ),
    );
    await save();
    await waitFor('kube-apiserver', () => apiserverReady(server, pki.dir), 90_000, `see ${log('kube-apiserver')}`);

    progress('starting kube-controller-manager, kube-scheduler and kwok');
    processes.push(
      startDetached(
        'kube-controller-manager',
        binaries.kubeControllerManager,
        [
          ...componentAuthFlags(dir, 'controller-manager'),
          `--service-account-private-key-file=${pki.serviceAccountKey}`,
          `--root-ca-file=${pki.caCert}`,
          `--cluster-signing-cert-file=${pki.caCert}`,
          `--cluster-signing-key-file=${pki.caKey}`,
          '--use-service-account-credentials=false',
          `--secure-port=${ports.controllerManager}`,
          '--bind-address=127.0.0.1',
          `--cert-dir=${join(pki.dir, 'generated-kcm')}`,
          // the HPA controller asks metrics every 15 s by default; keep it, but sync StatefulSets promptly
          '--concurrent-statefulset-syncs=10',
          '--concurrent-gc-syncs=20',
          '--v=1',
        ],
        log('kube-controller-manager'),
      ),
      startDetached(
        'kube-scheduler',
        binaries.kubeScheduler,
        [
          ...componentAuthFlags(dir, 'scheduler'),
          `--secure-port=${ports.scheduler}`,
          '--bind-address=127.0.0.1',
          `--cert-dir=${join(pki.dir, 'generated-scheduler')}`,
          '--v=1',
        ],
        log('kube-scheduler'),
      ),
      startDetached(
        'kwok',
        binaries.kwok,
        [
          `--kubeconfig=${kubeconfigPath(dir, 'admin')}`,
          '--manage-all-nodes=false',
          `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
          '--cidr=10.244.0.0/16',
          '--node-ip=192.0.2.20',
          `--server-address=127.0.0.1:${ports.kwok}`,
          `--config=${KWOK_STAGES}`,
          // kwok renews the Node's Lease: the node lifecycle controller then never marks it NotReady
          '--node-lease-duration-seconds=40',
        ],
        log('kwok'),
      ),
      startDetached(
        'node-agent',
        process.execPath,
        [
          AGENT_MAIN,
          `--kubeconfig=${state.kubeconfig}`,
          `--dir=${dir}`,
          ...(state.network ? [`--pod-network=${networkFile(dir)}`] : []),
        ],
        log('node-agent'),
        {
          ...process.env,
          ...options.agentEnv,
        },
      ),
    );
    await save();

    await kubectlApply(binaries.kubectl, state.kubeconfig, [...clusterBaseObjects(), ...steeringObjects()]);
    if (state.network && networkBins) {
      progress('starting coredns, the API relay and kube-proxy');
      processes.push(await startCoreDns(dir, state.network, networkBins, state.kubeconfig));
      await save();
      const relay = await startApiRelay(dir, state.network, ports.apiserver, state.kubeconfig);
      processes.push(relay.process);
      await save();
      processes.push(await startKubeProxy(dir, state.network, networkBins, relay.kubeconfig, LOCAL_NODE_NAME));
      await save();
      await kubectlApply(
        binaries.kubectl,
        state.kubeconfig,
        kubernetesServiceEndpoints(state.network, ports.apiserver),
      );
    }
    for (const [node, component] of [
      [KWOK_NODE_NAME, 'kwok'],
      [LOCAL_NODE_NAME, 'node-agent'],
    ]) {
      await waitFor(
        `Node ${node}`,
        async () => {
          const { stdout } = await run(binaries.kubectl, [
            `--kubeconfig=${state.kubeconfig}`,
            'get',
            'node',
            node,
            '-o',
            'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
          ]);
          return stdout.trim() === 'True';
        },
        60_000,
        `see ${log(component)}`,
      );
    }
    progress('waiting for the default service account');
    await waitFor(
      'ServiceAccount default/default',
      async () => {
        await run(binaries.kubectl, [
          `--kubeconfig=${state.kubeconfig}`,
          'get',
          'serviceaccount',
          'default',
          '-n',
          'default',
        ]);
        return true;
      },
      60_000,
      `see ${log('kube-controller-manager')}`,
    );
  } catch (err) {
    await stopAll(processes);
    if (state.network) await teardownNetwork(state.network).catch(() => {});
    await save();
    throw err;
  }
  return { state, alreadyRunning: false, seconds: (Date.now() - started) / 1000 };
}

/** Stops exactly the processes `up` recorded for DIR (newest first) and leaves none of them running. */
export async function clusterDown(dirArg: string): Promise<{ stopped: string[] }> {
  const dir = resolve(dirArg);
  const state = await readState(dir);
  if (!state) return { stopped: [] };
  const stopped = state.processes.filter(isOurs).map((p) => p.name);
  await stopAll(state.processes);
  // after the agent stopped the pods: every namespace, veth, the bridge and its route, found by the cluster's names
  if (state.network) await teardownNetwork(state.network);
  await rm(statePath(dir), { force: true });
  return { stopped };
}

async function stopAll(processes: StartedProcess[]): Promise<void> {
  // clients first, etcd last, so nothing logs a storm of connection errors while going down
  for (const p of [...processes].reverse()) await stopProcess(p);
}

function kubeconfigPath(dir: string, name: ClientName): string {
  return join(dir, 'pki', `${name}.kubeconfig`);
}

function componentKubeconfig(pki: Pki, server: string, name: ClientName): Promise<string> {
  return renderKubeconfig({
    server,
    caCertPath: pki.caCert,
    clientCertPath: pki.clients[name].cert,
    clientKeyPath: pki.clients[name].key,
    user: name,
  });
}

/** GET /readyz with the admin client certificate. */
export async function apiserverReady(server: string, pkiDir: string): Promise<boolean> {
  const [ca, cert, key] = await Promise.all(['ca.crt', 'admin.crt', 'admin.key'].map((f) => readFile(join(pkiDir, f))));
  return new Promise((resolvePromise, reject) => {
    const req = request(`${server}/readyz`, { ca, cert, key, timeout: 2000 }, (res) => {
      res.resume();
      resolvePromise(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** The Node KWOK simulates and the default StorageClass every claim falls back to. */
export function clusterBaseObjects(): object[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: KWOK_NODE_NAME,
        annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          'kubernetes.io/hostname': KWOK_NODE_NAME,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'node-role.kubernetes.io/agent': '',
          type: 'kwok',
          'statecraft.dev/node-type': 'kwok',
        },
      },
      status: {
        allocatable: { cpu: '64', memory: '256Gi', pods: '1000' },
        capacity: { cpu: '64', memory: '256Gi', pods: '1000' },
      },
    },
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: {
        name: DEFAULT_STORAGE_CLASS,
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      },
      provisioner: 'statecraft.dev/local-dir',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
      allowVolumeExpansion: true,
    },
  ];
}

export async function kubectlApply(kubectl: string, kubeconfig: string, objects: object[]): Promise<void> {
  const input = objects.map((o) => JSON.stringify(o)).join('\n');
  await new Promise<void>((resolvePromise, reject) => {
    const child = execFile(
      kubectl,
      [`--kubeconfig=${kubeconfig}`, 'apply', '--server-side', '--field-manager=statecraft-devcluster', '-f', '-'],
      (err, _stdout, stderr) =>
        err ? reject(new Error(`kubectl apply failed: ${stderr || err.message}`)) : resolvePromise(),
    );
    child.stdin?.end(input);
  });
}

/** One kubeconfig for a control-plane component's API access, authentication and authorization; no election. */
function componentAuthFlags(dir: string, component: 'controller-manager' | 'scheduler'): string[] {
  const kc = kubeconfigPath(dir, component);
  return [
    `--kubeconfig=${kc}`,
    `--authentication-kubeconfig=${kc}`,
    `--authorization-kubeconfig=${kc}`,
    '--leader-elect=false',
  ];
}
