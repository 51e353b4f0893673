/**
 * What a RedisCluster needs in a namespace, for e2e tests and the reshard benchmark: redis:7 pods with cluster
 * support (run as real redis-server processes by the node agent; a short cluster-node-timeout so a failover
 * takes seconds), compose-operator's Secrets (AES key + the encrypted `redis` password), the CR, and a writer
 * that sets keys across all slots through a cluster client and remembers every acknowledged one.
 */
import * as k8s from '@kubernetes/client-node';
import { Cluster } from 'ioredis';
import type { RedisCluster } from '../../src/apis/rediscluster.ts';
import { encryptCredential } from '../../src/credentials/index.ts';

export const GROUP = 'upm.syntropycloud.io';
export const AES_KEY = 'k3y-redis-0123456789abcdef012345';
export const REDIS_PW = 'Rc-s3cret-pw';
/** milliseconds without an answer before the cluster fails a master over */
export const NODE_TIMEOUT_MS = 2000;

export function redisClusterPod(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'redis-rc' } },
    spec: {
      containers: [
        {
          name: 'redis',
          image: 'redis:7',
          // no masterauth: the operator sets it (and again after a restart). The announced address is the pod IP:
          // pods here share the machine's network, so the bus's source address would be 127.0.0.1
          env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
          args: [
            '--cluster-announce-ip',
            '$(POD_IP)',
            '--cluster-enabled',
            'yes',
            '--cluster-node-timeout',
            String(NODE_TIMEOUT_MS),
            '--requirepass',
            REDIS_PW,
            '--appendonly',
            'no',
            '--save',
            '',
          ],
          ports: [
            { name: 'redis', containerPort: 6379 },
            { name: 'bus', containerPort: 16379 },
          ],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'data', emptyDir: {} }],
    },
  };
}

/** The AES key Secret and `redis-credentials` (key `redis`: the AES-256-CTR encrypted password). */
export function redisCredentialSecrets(password = REDIS_PW, aesKey = AES_KEY): object[] {
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'aes-secret-key' }, stringData: { AES_SECRET_KEY: aesKey } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'redis-credentials' },
      data: { redis: encryptCredential(password, aesKey).toString('base64') },
    },
  ];
}

export const memberSpec = (name: string, ns: string) => ({ name, host: `${name}.${ns}.svc.cluster.local`, port: 6379 });

export function redisClusterCr(name: string, ns: string, members: Record<string, string[]>): object {
  return {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: 'RedisCluster',
    metadata: { name, namespace: ns },
    spec: {
      secret: { name: 'redis-credentials', redis: 'redis' },
      members: Object.fromEntries(
        Object.entries(members).map(([s, nodes]) => [s, nodes.map((n) => memberSpec(n, ns))]),
      ),
    },
  };
}

/** RedisClusters of one namespace: read one, merge-patch its spec.members (null removes a shard). */
export function redisClusters(custom: k8s.CustomObjectsApi, namespace: string) {
  const where = { group: GROUP, version: 'v1alpha1', namespace, plural: 'redisclusters' };
  return {
    create: (body: object) => custom.createNamespacedCustomObject({ ...where, body }),
    get: async (name: string) => (await custom.getNamespacedCustomObject({ ...where, name })) as RedisCluster,
    patchMembers: (name: string, members: Record<string, string[] | null>) =>
      custom.patchNamespacedCustomObject(
        {
          ...where,
          name,
          body: {
            spec: {
              members: Object.fromEntries(
                Object.entries(members).map(([s, nodes]) => [
                  s,
                  nodes ? nodes.map((n) => memberSpec(n, namespace)) : null,
                ]),
              ),
            },
          },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
    patchAnnotations: (name: string, annotations: Record<string, string | null>) =>
      custom.patchNamespacedCustomObject(
        { ...where, name, body: { metadata: { annotations } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
  };
}

export interface ClusterWriter {
  /** key → value of every acknowledged SET */
  acked: Map<string, string>;
  /** latency of each acknowledged SET, ms */
  latencies: number[];
  failures: number;
  stop(): Promise<void>;
  client: Cluster;
}

/**
 * Sets keys `w:<n>` (spread over all slots by their hash) with `concurrency` SETs in flight, through an ioredis
 * Cluster client that follows MOVED / ASK redirections. A SET that fails is not acknowledged (and not retried).
 */
export function startClusterWriter(seed: { host: string; port: number }, concurrency = 4): ClusterWriter {
  const client = new Cluster([seed], {
    redisOptions: { password: REDIS_PW, connectTimeout: 2000, commandTimeout: 3000 },
    clusterRetryStrategy: () => 200,
    retryDelayOnMoved: 0,
    retryDelayOnTryAgain: 50,
    retryDelayOnClusterDown: 100,
    maxRedirections: 32,
    slotsRefreshTimeout: 2000,
  });
  client.on('error', () => {});
  const acked = new Map<string, string>();
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  let stopping = false;
  const lane = async () => {
    while (!stopping) {
      const n = next++;
      const key = `w:${n}`;
      const value = `v${n}`;
      const t0 = performance.now();
      try {
        await client.set(key, value);
        latencies.push(performance.now() - t0);
        acked.set(key, value);
      } catch {
        failures++;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const lanes = Array.from({ length: concurrency }, lane);
  return {
    acked,
    latencies,
    get failures() {
      return failures;
    },
    client,
    async stop() {
      stopping = true;
      await Promise.all(lanes);
    },
  };
}

/** The keys among `acked` that do not read back with their value (through the cluster client). */
export async function missingKeys(client: Cluster, acked: Map<string, string>): Promise<string[]> {
  const missing: string[] = [];
  const entries = [...acked];
  for (let i = 0; i < entries.length; i += 200) {
    const batch = entries.slice(i, i + 200);
    const values = await Promise.all(batch.map(([k]) => client.get(k)));
    batch.forEach(([k, v], j) => {
      if (values[j] !== v) missing.push(k);
    });
  }
  return missing;
}

export const percentile = (xs: number[], p: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
