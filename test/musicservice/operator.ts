/**
 * The operator for MusicService e2e tests, run in this process against the test cluster: the CRDs installed, a
 * Manager with the MusicService controller (pod-IP address mode unless told otherwise: the local cluster's pods
 * answer only on their IPs) watching one namespace, stopped when the test ends.
 */
import { readFile } from 'node:fs/promises';
import { installCrds } from '../../src/apis/install.ts';
import { type AddressMode, controllers } from '../../src/controllers/index.ts';
import { createLogger, Manager } from '../../src/runtime/index.ts';
import { type TestCluster, testCluster } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';

export interface RunningOperator {
  mgr: Manager;
  cluster: TestCluster;
}

export async function startOperator(
  t: { after(fn: () => Promise<void> | void): void },
  namespace: string,
  options: { addressMode?: AddressMode } = {},
): Promise<RunningOperator> {
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const mgr = new Manager(cluster.kc, {
    metricsBindAddress: '0',
    healthProbeBindAddress: '0',
    namespaces: [namespace],
    logger: createLogger({ level: process.env.LOG_LEVEL ?? 'fatal' }),
    gracefulShutdownMs: 5000,
  });
  mgr.add(
    ...controllers({
      addressMode: options.addressMode ?? 'pod-ip',
      musicService: { pollWhileProgressingMs: 1000, pollWhenReadyMs: 5000 },
      only: ['musicservice'],
    }),
  );
  const running = mgr.start();
  running.catch(() => {});
  t.after(async () => {
    await mgr.stop();
    await running.catch(() => {});
  });
  return { mgr, cluster };
}

/** The seed's sample, verbatim, as YAML text. */
export function sampleYaml(): Promise<string> {
  return readFile(new URL('../../samples/musicservice-miku-stream.yaml', import.meta.url), 'utf8');
}

/** `kubectl get -o json` parsed, or undefined when absent. */
export async function getJson<T = Record<string, any>>(
  cluster: TestCluster,
  namespace: string,
  resource: string,
): Promise<T | undefined> {
  try {
    return JSON.parse(await cluster.kubectl(['-n', namespace, 'get', resource, '-o', 'json'])) as T;
  } catch (err) {
    if (/NotFound|not found/.test((err as Error).message)) return undefined;
    throw err;
  }
}

/** Merge-patches the MusicService `miku-stream` with kubectl, as a user would. */
export function patchMusicService(cluster: TestCluster, namespace: string, body: unknown): Promise<string> {
  return cluster.kubectl([
    '-n',
    namespace,
    'patch',
    'musicservice',
    'miku-stream',
    '--type=merge',
    '-p',
    JSON.stringify(body),
  ]);
}

/** Waits for `musicservice/miku-stream` to reach `phase`; resolves to the object. */
export function waitForPhase(
  cluster: TestCluster,
  namespace: string,
  phase: string,
  // generous: polling costs nothing when healthy, and a loaded machine's scheduler can stall pods for a while
  timeoutMs = 180_000,
): Promise<Record<string, any>> {
  return eventually(
    `phase ${phase}`,
    async () => {
      const o = await getJson(cluster, namespace, 'musicservice/miku-stream');
      return o?.status?.phase === phase && o;
    },
    timeoutMs,
  );
}
