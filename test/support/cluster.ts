/**
 * The local control plane for integration tests. `npm test` (scripts/test.ts) starts ONE cluster for the whole run
 * and passes its directory in STATECRAFT_TEST_CLUSTER_DIR; a test file run on its own (`node --test file`) starts
 * a private cluster instead and stops it when the file ends. Either way a test that cannot get a cluster fails —
 * it never skips.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { type ClusterState, clusterDown, clusterUp, isRunning, readState } from '../../src/devcluster/cluster.ts';

export interface TestCluster {
  state: ClusterState;
  kubeconfigPath: string;
  kc: k8s.KubeConfig;
  /** runs the built kubectl against the cluster; resolves to stdout, rejects with stderr in the message */
  kubectl(args: string[], input?: string): Promise<string>;
}

let shared: Promise<TestCluster> | undefined;

export function testCluster(): Promise<TestCluster> {
  shared ??= connect();
  return shared;
}

async function connect(): Promise<TestCluster> {
  const dir = process.env.STATECRAFT_TEST_CLUSTER_DIR;
  let state: ClusterState | undefined;
  if (dir) {
    state = await readState(dir);
    if (!state || !(await isRunning(state))) {
      throw new Error(`the test cluster in ${dir} (STATECRAFT_TEST_CLUSTER_DIR) is not running`);
    }
  } else {
    const own = await mkdtemp(join(tmpdir(), 'statecraft-test-'));
    state = (await clusterUp({ dir: own, progress: (l) => console.error(`[cluster] ${l}`) })).state;
    // not node:test's after(): called from inside a hook it would stop the cluster when that hook ends.
    // beforeExit fires once the file's tests are done and the event loop is empty.
    process.once('beforeExit', async () => {
      await clusterDown(own);
      await rm(own, { recursive: true, force: true });
    });
  }
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  return { state, kubeconfigPath: state.kubeconfig, kc, kubectl: kubectlFor(state) };
}

/** Runs the cluster's built kubectl against it; resolves to stdout, rejects with stderr in the message. */
export function kubectlFor(state: ClusterState): (args: string[], input?: string) => Promise<string> {
  return (args, input) =>
    new Promise((resolve, reject) => {
      const child = execFile(
        state.binaries.kubectl,
        [`--kubeconfig=${state.kubeconfig}`, ...args],
        (err, stdout, stderr) =>
          err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
      );
      child.stdin?.end(input ?? '');
    });
}

/**
 * A fresh namespace for one test, deleted (without waiting) when the test ends. Names are unique per run so that
 * parallel files never collide.
 */
export async function testNamespace(
  t: { after(fn: () => Promise<void> | void): void },
  prefix = 'test',
): Promise<string> {
  const cluster = await testCluster();
  const core = cluster.kc.makeApiClient(k8s.CoreV1Api);
  const name = `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`.slice(0, 63);
  await core.createNamespace({ body: { metadata: { name, labels: { 'statecraft.dev/test': 'true' } } } });
  t.after(async () => {
    await core.deleteNamespace({ name }).catch(() => {});
  });
  return name;
}
