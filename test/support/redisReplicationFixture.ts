/**
 * What a RedisReplication needs to exist in a namespace, for e2e tests and the benchmark: redis:7 pods (run as
 * real servers by the node agent) with AUTH, a writable redis.conf (so CONFIG REWRITE persists roles) unless asked
 * for none, the compose-operator Secrets (AES key + encrypted `redis` password) and the CR itself.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import type { RedisReplication } from '../../src/apis/redisreplication.ts';
import { encryptCredential } from '../../src/credentials/index.ts';

export const GROUP = 'upm.syntropycloud.io';
export const AES_KEY = 'r3d1s-0123456789abcdef0123456789';
export const REDIS_PW = "R3d1s'pw-x";

/** Full syncs start at once (the default waits 5 s for more replicas); no RDB snapshots to disk. */
const REDIS_CONF = 'repl-diskless-sync-delay 0\nsave ""\n';

export function redisPod(name: string, opts: { configFile?: boolean } = {}): object {
  const configFile = opts.configFile ?? true;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'redis-rr' } },
    spec: {
      containers: [
        {
          name: 'redis',
          image: 'redis:7',
          command: ['redis-server', ...(configFile ? ['/etc/redis/redis.conf'] : [])],
          args: ['--requirepass', REDIS_PW, ...(configFile ? [] : ['--repl-diskless-sync-delay', '0'])],
          ports: [{ name: 'redis', containerPort: 6379 }],
          volumeMounts: [
            { name: 'data', mountPath: '/data' },
            ...(configFile ? [{ name: 'conf', mountPath: '/etc/redis' }] : []),
          ],
        },
      ],
      volumes: [
        { name: 'data', emptyDir: {} },
        ...(configFile ? [{ name: 'conf', configMap: { name: 'redis-rr-conf' } }] : []),
      ],
    },
  };
}

/** The ConfigMap, Secrets and pods for nodes `names`; the ones in `noConfigFile` start without a config file. */
export function redisReplicationFixture(names: string[], noConfigFile: string[] = []): object[] {
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'redis-rr-conf' }, data: { 'redis.conf': REDIS_CONF } },
    ...redisCredentialSecrets(),
    ...names.map((n) => redisPod(n, { configFile: !noConfigFile.includes(n) })),
  ];
}

/** The AES key Secret and `redis-credentials` (key `redis`: compose-operator's encrypted password). */
export function redisCredentialSecrets(password = REDIS_PW, secretName = 'redis-credentials'): object[] {
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'aes-secret-key' }, stringData: { AES_SECRET_KEY: AES_KEY } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: secretName },
      data: { redis: encryptCredential(password, AES_KEY).toString('base64') },
    },
  ];
}

export const redisNodeSpec = (name: string, ns: string, port = 6379) => ({
  name,
  host: `${name}.${ns}.svc.cluster.local`,
  port,
});

export function redisReplicationCr(
  name: string,
  ns: string,
  source: string,
  replicas: string[],
  extra: Record<string, unknown> = {},
): object {
  return {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: 'RedisReplication',
    metadata: { name, namespace: ns },
    spec: {
      secret: { name: 'redis-credentials', redis: 'redis' },
      source: redisNodeSpec(source, ns),
      replica: replicas.map((r) => redisNodeSpec(r, ns)),
      service: { type: 'ClusterIP' },
      ...extra,
    },
  };
}

/** RedisReplications of one namespace: create, read, and the switchover (a merge patch of source and replica). */
export function redisReplications(custom: k8s.CustomObjectsApi, namespace: string) {
  const where = { group: GROUP, version: 'v1alpha1', namespace, plural: 'redisreplications' };
  return {
    create: (body: object) => custom.createNamespacedCustomObject({ ...where, body }),
    get: async (name: string) => (await custom.getNamespacedCustomObject({ ...where, name })) as RedisReplication,
    patchSource: async (name: string, source: string, replicas: string[]) => {
      await custom.patchNamespacedCustomObject(
        {
          ...where,
          name,
          body: {
            spec: {
              source: redisNodeSpec(source, namespace),
              replica: replicas.map((r) => redisNodeSpec(r, namespace)),
            },
          },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    },
  };
}

/** A plain client of one server (AUTH with the test password), failing fast like the operator's. */
export function redisClient(host: string, port = 6379, password = REDIS_PW): Redis {
  const c = new Redis({
    host,
    port,
    password,
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: 3000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  c.on('error', () => {});
  return c;
}

/** The IPs of the pods a RedisReplication's read-write Service selects right now. */
export async function readwritePods(core: k8s.CoreV1Api, ns: string, cr: string): Promise<string[]> {
  const list = await core.listNamespacedPod({
    namespace: ns,
    labelSelector: `compose-operator/redis-replication.name=${cr},compose-operator/redis-replication.readonly=false`,
  });
  return list.items.flatMap((p) => (p.status?.podIP ? [p.status.podIP] : []));
}

export interface AckedWriter {
  /** ids whose `SET w:<id> <id>` the server acknowledged, in order */
  acked: number[];
  failures: number;
  stop(): Promise<void>;
}

/**
 * A client that writes `w:<id>` keys through whatever pod the read-write Service selects (the pod's labels,
 * re-read every 50 ms), as an application behind the Service would, and records each acknowledged write.
 */
export function startWriter(core: k8s.CoreV1Api, ns: string, cr: string, firstId = 1): AckedWriter {
  const acked: number[] = [];
  let stopped = false;
  let failures = 0;
  let target: string | undefined;
  const watcher = (async () => {
    while (!stopped) {
      try {
        const ips = await readwritePods(core, ns, cr);
        target = ips.length === 1 ? ips[0] : undefined;
      } catch {
        target = undefined;
      }
      await sleep(50);
    }
  })();
  const writer = (async () => {
    let client: Redis | undefined;
    let at: string | undefined;
    let id = firstId;
    while (!stopped) {
      if (!target) {
        await sleep(10);
        continue;
      }
      try {
        if (!client || at !== target) {
          client?.disconnect();
          at = target;
          client = redisClient(at);
          await client.connect();
        }
        const n = id++;
        await client.set(`w:${n}`, String(n));
        acked.push(n);
      } catch {
        failures++;
        client?.disconnect();
        client = undefined;
        await sleep(10);
      }
    }
    client?.disconnect();
  })();
  return {
    acked,
    get failures() {
      return failures;
    },
    async stop() {
      stopped = true;
      await Promise.all([watcher, writer]);
    },
  };
}

/** The acknowledged ids whose key is missing on the server at `host`. */
export async function missingWrites(host: string, acked: readonly number[]): Promise<number[]> {
  const c = redisClient(host);
  await c.connect();
  try {
    const missing: number[] = [];
    for (let i = 0; i < acked.length; i += 500) {
      const batch = acked.slice(i, i + 500);
      const values = await c.mget(...batch.map((n) => `w:${n}`));
      values.forEach((v, j) => {
        if (v !== String(batch[j])) missing.push(batch[j]);
      });
    }
    return missing;
  } finally {
    c.disconnect();
  }
}
