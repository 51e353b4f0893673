import * as k8s from '@kubernetes/client-node';
import { installCrds } from '../src/apis/install.ts';
import { benchRedisClusterSection } from './redis-cluster.ts';
import { benchRedisReplication } from './redis-replication.ts';
import { benchCluster } from './support.ts';

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

const cluster = await benchCluster();
const { kc } = cluster;
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
  const sections: RedisBenchSection[] = [await benchRedisReplication(env), await benchRedisClusterSection(env)];
  for (const s of sections) for (const line of s.table) console.log(line);
  console.log(JSON.stringify(Object.assign({}, ...sections.map((s) => s.result))));
} finally {
  for (const name of namespaces) await core.deleteNamespace({ name }).catch(() => {});
  await cluster.close();
}
