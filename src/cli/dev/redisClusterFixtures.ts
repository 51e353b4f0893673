/**
 * What the RedisCluster sample (samples/compose-rediscluster.yaml) expects to exist, made for the local cluster by
 * `statecraft dev`: the six Redis pods redis-rc-node-0..5 (cluster-enabled, a claim each so nodes.conf and the
 * data survive a pod restart) with per-pod Services so the sample's hosts resolve in a real cluster. Password,
 * claims, Services and `redis-credentials` are the RedisReplication fixtures' (redisFixtures.ts).
 * Pure: the credentials are passed in.
 */
import { redisDevPod, redisDevPodCompanions } from './redisFixtures.ts';

export const REDIS_CLUSTER_NODES = Array.from({ length: 6 }, (_, i) => `redis-rc-node-${i}`);

type Obj = Record<string, unknown>;
type PodObj = { spec: { containers: Array<{ env?: object[] }> } };

/** The cluster pods; redis-credentials comes with redisReplicationFixtures(). */
export function redisClusterFixtures(): Obj[] {
  const ns = 'default';
  const pod = (name: string) => {
    // the operator sets masterauth itself; the pod announces its IP on the cluster bus (pods of the local cluster
    // share the machine's network, so the bus's source address would be 127.0.0.1)
    const p = redisDevPod(name, 'redis-rc', 'redis-rc-conf', ['--cluster-announce-ip', '$(POD_IP)']);
    const c = (p as unknown as PodObj).spec.containers[0];
    c.env = [...(c.env ?? []), { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }];
    return p;
  };
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'redis-rc-conf', namespace: ns },
      data: { 'redis.conf': 'cluster-enabled yes\ncluster-node-timeout 5000\nappendonly yes\n' },
    },
    ...REDIS_CLUSTER_NODES.flatMap((name) => [...redisDevPodCompanions(name), pod(name)]),
  ];
}
