/**
 * The Redis pods the RedisReplication sample points at (redis-rr-node-0..2 in `default`, each with a Service of
 * its own name so the sample's hosts resolve in a real cluster), and the Secrets every Redis sample reads:
 * `redis-credentials` (key `redis`: the AUTH password AES-encrypted with the dev key, compose-operator's format)
 * and `redis-auth` (the same password in plain text, for the servers' `--requirepass`). Other Redis fixtures (the
 * RedisCluster pods) reuse them: redisReplicationFixtures() already applies the Secrets (redisSecrets() makes them;
 * do not add them twice), and redisDevPod() / redisDevPodCompanions() make pods that read REDIS_AUTH_SECRET.
 * Pure: credentials are passed in (a run's are generated once by the caller).
 */
import { createHash } from 'node:crypto';
import { encryptCredential } from '../../credentials/aesCtr.ts';
import type { FixtureCredentials } from './sampleFixtures.ts';

type Obj = Record<string, unknown>;

const NS = 'default';
export const REDIS_RR_NODES = ['redis-rr-node-0', 'redis-rr-node-1', 'redis-rr-node-2'];
/** Secret with the plain Redis password, key `password`: what the servers are started with. */
export const REDIS_AUTH_SECRET = 'redis-auth';
/** The compose-operator credentials Secret the Redis samples name. */
export const REDIS_CREDENTIALS_SECRET = 'redis-credentials';

/**
 * The dev Redis password: the stored one, or — for a cluster directory whose credentials were made before Redis
 * joined the samples — one derived from the AES key, so it stays the same across runs without rewriting the file.
 */
export function redisPassword(c: FixtureCredentials): string {
  return c.redisPassword ?? createHash('sha256').update(`redis:${c.aesKey}`).digest('base64url').slice(0, 20);
}

/** `redis-credentials` (encrypted, key `redis`) and `redis-auth` (plain, key `password`) in `default`. */
export function redisSecrets(c: FixtureCredentials): Obj[] {
  const pw = redisPassword(c);
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: REDIS_CREDENTIALS_SECRET, namespace: NS },
      data: { redis: encryptCredential(pw, c.aesKey).toString('base64') },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: REDIS_AUTH_SECRET, namespace: NS },
      stringData: { password: pw },
    },
  ];
}

/**
 * A redis:7 pod started with the password from `redis-auth` (by env reference: the password is not in the pod
 * spec) and a writable redis.conf from `configMap`, so CONFIG REWRITE can persist what the operator sets.
 */
export function redisDevPod(name: string, app: string, configMap: string, extraArgs: string[] = []): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app, 'statecraft.dev/dev-pod': name } },
    spec: {
      containers: [
        {
          name: 'redis',
          image: 'redis:7',
          command: ['redis-server', '/etc/redis/redis.conf'],
          args: ['--requirepass', '$(REDIS_PASSWORD)', ...extraArgs],
          env: [{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: REDIS_AUTH_SECRET, key: 'password' } } }],
          ports: [{ name: 'redis', containerPort: 6379 }],
          volumeMounts: [
            { name: 'data', mountPath: '/data' },
            { name: 'conf', mountPath: '/etc/redis' },
          ],
        },
      ],
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: `data-${name}` } },
        { name: 'conf', configMap: { name: configMap } },
      ],
    },
  };
}

/** The claim and the per-pod Service (named like the pod, port `redis`) that go with redisDevPod(name). */
export function redisDevPodCompanions(name: string): Obj[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: `data-${name}`, namespace: NS },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: NS },
      // headless, like a StatefulSet's governing Service: Redis Cluster nodes dial each other's cluster bus
      // (port + 10000) at the address a name resolves to, which must be the pod's, not a ClusterIP that forwards
      // only 6379
      spec: {
        clusterIP: 'None',
        selector: { 'statecraft.dev/dev-pod': name },
        ports: [{ name: 'redis', port: 6379, targetPort: 6379 }],
      },
    },
  ];
}

/** Everything samples/compose-redisreplication.yaml needs (the AES key Secret comes with the compose fixtures). */
export function redisReplicationFixtures(c: FixtureCredentials): Obj[] {
  return [
    ...redisSecrets(c),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'redis-rr-conf', namespace: NS },
      // full syncs start at once instead of waiting 5 s for more replicas to join
      data: { 'redis.conf': 'repl-diskless-sync-delay 0\nappendonly yes\n' },
    },
    ...REDIS_RR_NODES.flatMap((name) => [
      ...redisDevPodCompanions(name),
      redisDevPod(name, 'redis-rr', 'redis-rr-conf'),
    ]),
  ];
}
