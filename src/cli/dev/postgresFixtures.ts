/**
 * What the PostgresReplication sample expects to exist: plain pods of the official postgres image named
 * pg-node-0..2 (each initialises its own data directory; the operator turns two of them into standbys by a base
 * backup from the primary), the compose-operator Secrets (AES key + encrypted `postgresql` / `replication`
 * passwords) and per-pod Services so the sample's hosts resolve in a real cluster. Pure: credentials are passed in.
 * Tests build their pods with the same functions.
 */
import { encryptCredential } from '../../credentials/aesCtr.ts';

export const POSTGRES_NODES = ['pg-node-0', 'pg-node-1', 'pg-node-2'];
/** The superuser login the sample names (`spec.secret.postgres`: the data key is also the user name). */
export const POSTGRES_ADMIN_USER = 'postgresql';
export const POSTGRES_INIT_SECRET = 'pg-node-init';

export interface PostgresFixtureCredentials {
  aesKey: string;
  adminPassword: string;
  replicationPassword: string;
}

type Obj = Record<string, unknown>;

/**
 * One postgres:15 pod: PGDATA a sub-directory of its volume (so a rebuild can swap it), PGUSER set so that
 * `kubectl exec POD -- psql` logs in over the local socket as the image's superuser.
 */
export function postgresPod(name: string, namespace: string | undefined, initSecret = POSTGRES_INIT_SECRET): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(namespace ? { namespace } : {}), labels: { app: 'pg-node', 'statecraft.dev/dev-pod': name } },
    spec: {
      containers: [
        {
          name: 'postgres',
          image: 'postgres:15',
          args: ['-c', 'max_connections=40', '-c', 'shared_buffers=16MB', '-c', 'wal_keep_size=64MB'],
          env: [
            { name: 'POSTGRES_USER', value: POSTGRES_ADMIN_USER },
            { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: initSecret, key: 'password' } } },
            { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
            { name: 'PGUSER', value: POSTGRES_ADMIN_USER },
            { name: 'PGDATABASE', value: 'postgres' },
          ],
          ports: [{ name: 'postgresql', containerPort: 5432 }],
          readinessProbe: { exec: { command: ['pg_isready', '-U', POSTGRES_ADMIN_USER] } },
          volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
        },
      ],
      volumes: [{ name: 'data', emptyDir: {} }],
    },
  };
}

/** The AES key Secret, `postgres-credentials` (compose-operator's encrypted passwords) and the pods' init Secret. */
export function postgresSecrets(c: PostgresFixtureCredentials, namespace?: string): Obj[] {
  const enc = (pw: string) => encryptCredential(pw, c.aesKey).toString('base64');
  const md = (name: string) => ({ name, ...(namespace ? { namespace } : {}) });
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: md('aes-secret-key'), stringData: { AES_SECRET_KEY: c.aesKey } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: md('postgres-credentials'),
      data: { [POSTGRES_ADMIN_USER]: enc(c.adminPassword), replication: enc(c.replicationPassword) },
    },
    { apiVersion: 'v1', kind: 'Secret', metadata: md(POSTGRES_INIT_SECRET), stringData: { password: c.adminPassword } },
  ];
}

/** Everything the sample needs in `default` (dev): Secrets (the AES key one only when `withAesKey`), pods, Services. */
export function postgresFixtures(c: PostgresFixtureCredentials, o: { withAesKey: boolean }): Obj[] {
  const ns = 'default';
  const secrets = postgresSecrets(c, ns).filter(
    (s) => o.withAesKey || (s.metadata as { name: string }).name !== 'aes-secret-key',
  );
  return [
    ...secrets,
    ...POSTGRES_NODES.flatMap((name) => [
      postgresPod(name, ns),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: ns },
        spec: {
          selector: { 'statecraft.dev/dev-pod': name },
          ports: [{ name: 'postgresql', port: 5432, targetPort: 5432 }],
        },
      },
    ]),
  ];
}
