/**
 * What the RedisCluster sample (samples/compose-rediscluster.yaml) expects to exist, made for the local cluster by
 * `statecraft dev`: the six Redis pods redis-rc-node-0..5 (cluster-enabled, a claim each so nodes.conf and the
 * data survive a pod restart) with per-pod Services so the sample's hosts resolve in a real cluster. The pods take
 * the Redis password from a plain Secret of their own; the operator reads the same password, AES-encrypted, from
 * `redis-credentials` (key `redis`).
 * Pure: the password and AES key are passed in.
 */
import { createHash } from 'node:crypto';
import { encryptCredential } from '../../credentials/aesCtr.ts';

export const REDIS_CLUSTER_NODES = Array.from({ length: 6 }, (_, i) => `redis-rc-node-${i}`);
/** The pods' own Secret with the plain password (key `password`), passed to redis-server as --requirepass. */
export const REDIS_CLUSTER_INIT_SECRET = 'redis-rc-init';

type Obj = Record<string, unknown>;

export interface RedisFixtureCredentials {
  aesKey: string;
  /** the Redis password; when absent (credentials made before Redis was added) it is derived from the AES key */
  redisPassword?: string;
}

/** The dev Redis password: the stored one, or one derived from the AES key so it is stable across runs. */
export const devRedisPassword = (c: RedisFixtureCredentials) =>
  c.redisPassword ?? createHash('sha256').update(`statecraft-dev-redis:${c.aesKey}`).digest('base64url').slice(0, 20);

/**
 * `redis-credentials` (key `redis`: the AES-encrypted password) in `default`. The RedisReplication fixtures make
 * the same Secret; whichever is folded in keeps one copy, with the password from devRedisPassword().
 */
export function redisCredentialsSecret(c: RedisFixtureCredentials): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'redis-credentials', namespace: 'default' },
    data: { redis: encryptCredential(devRedisPassword(c), c.aesKey).toString('base64') },
  };
}

export function redisClusterFixtures(c: RedisFixtureCredentials): Obj[] {
  const ns = 'default';
  const objects: Obj[] = [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: REDIS_CLUSTER_INIT_SECRET, namespace: ns },
      stringData: { password: devRedisPassword(c) },
    },
    redisCredentialsSecret(c),
  ];
  for (const name of REDIS_CLUSTER_NODES) {
    objects.push(
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: `data-${name}`, namespace: ns },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: ns, labels: { app: 'redis-rc', 'statecraft.dev/dev-pod': name } },
        spec: {
          containers: [
            {
              name: 'redis',
              image: 'redis:7',
              env: [
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                {
                  name: 'REDIS_PASSWORD',
                  valueFrom: { secretKeyRef: { name: REDIS_CLUSTER_INIT_SECRET, key: 'password' } },
                },
              ],
              // the operator sets masterauth itself; the pod announces its IP on the cluster bus (pods of the local
              // cluster share the machine's network, so the bus's source address would be 127.0.0.1)
              args: [
                '--cluster-enabled',
                'yes',
                '--cluster-node-timeout',
                '5000',
                '--cluster-announce-ip',
                '$(POD_IP)',
                '--requirepass',
                '$(REDIS_PASSWORD)',
                '--appendonly',
                'yes',
              ],
              ports: [
                { name: 'redis', containerPort: 6379 },
                { name: 'cluster-bus', containerPort: 16379 },
              ],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: `data-${name}` } }],
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: ns },
        spec: {
          selector: { 'statecraft.dev/dev-pod': name },
          ports: [
            { name: 'redis', port: 6379, targetPort: 6379 },
            { name: 'cluster-bus', port: 16379, targetPort: 16379 },
          ],
        },
      },
    );
  }
  return objects;
}
