/**
 * `npm run bench:redis`: the Redis benchmarks on real redis-server pods of the local cluster, with the
 * controllers running in this process (address mode pod-ip). Each section is a function that gets the cluster
 * and returns its table lines and its numbers; the last line printed is one JSON object merging every section's.
 *
 *   replication (bench/redis-replication.ts): 10 RedisReplication switchovers under load — patch → the new
 *   source accepts writes, acknowledged and lost writes.
 *
 * Uses the cluster in $STATECRAFT_CLUSTER_DIR if it runs, else starts (and stops) a private one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { installCrds } from '../src/apis/install.ts';
import { clusterDown, clusterUp, isRunning, readState } from '../src/devcluster/cluster.ts';
import { benchRedisReplication } from './redis-replication.ts';

/** What a section gets: the cluster's client config and a way to make a namespace that is deleted at the end. */
export interface RedisBenchEnv {
  kc: k8s.KubeConfig;
  namespace(prefix: string): Promise<string>;
}

/** What a section returns: lines for the table and its fields of the final JSON object. */
export interface RedisBenchSection {
  table: string[];
  result: Record<string, number>;
}

const shared = process.env.STATECRAFT_CLUSTER_DIR;
let ownDir: string | undefined;
let state = shared ? await readState(shared) : undefined;
if (!state || !(await isRunning(state))) {
  ownDir = await mkdtemp(join(tmpdir(), 'statecraft-bench-'));
  state = (await clusterUp({ dir: ownDir })).state;
}
const kc = new k8s.KubeConfig();
kc.loadFromFile(state.kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);
const namespaces: string[] = [];
const env: RedisBenchEnv = {
  kc,
  async namespace(prefix) {
    const name = `${prefix}-${Date.now().toString(36)}`;
    await core.createNamespace({ body: { metadata: { name } } });
    namespaces.push(name);
    return name;
  },
};
try {
  await installCrds(kc);
  const sections: RedisBenchSection[] = [await benchRedisReplication(env)];
  for (const s of sections) for (const line of s.table) console.log(line);
  console.log(JSON.stringify(Object.assign({}, ...sections.map((s) => s.result))));
} finally {
  for (const name of namespaces) await core.deleteNamespace({ name }).catch(() => {});
  if (ownDir) {
    await clusterDown(ownDir);
    await rm(ownDir, { recursive: true, force: true });
  }
}
