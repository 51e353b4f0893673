/**
 * What the seed samples expect to exist before they are applied, made for the local cluster by `statecraft dev`:
 * the Secrets and namespace they name, labelled and tainted KWOK nodes for the broker samples' scheduling rules,
 * and — because compose-operator manages replication over EXISTING database pods — the three MariaDB pods the
 * MysqlReplication sample points at, with per-pod Services so its hosts resolve in a real cluster.
 * Pure: passwords and the AES key are passed in, so a run's credentials are generated once by the caller.
 */
import { encryptCredential } from '../../credentials/aesCtr.ts';
import { KWOK_NODE_ANNOTATION } from '../../devcluster/cluster.ts';
import { postgresFixtures } from './postgresFixtures.ts';
import { redisClusterFixtures } from './redisClusterFixtures.ts';
import { redisReplicationFixtures } from './redisFixtures.ts';

export interface FixtureCredentials {
  /** 32 characters: compose-operator uses the key string's raw bytes */
  aesKey: string;
  rootPassword: string;
  mysqlPassword: string;
  replicationPassword: string;
  /** the Redis AUTH password; absent in credentials made before Redis (then derived: redisFixtures.ts) */
  redisPassword?: string;
}

export const COMPOSE_NODES = ['mysql-semi-sync-node-0', 'mysql-semi-sync-node-1', 'mysql-semi-sync-node-2'];
/** The Secret with the MysqlReplication pods' init SQL and root password (key `root-password`). */
export const COMPOSE_INIT_SECRET = 'mysql-semi-sync-init';

type Obj = Record<string, unknown>;

export function sampleFixtures(c: FixtureCredentials): Obj[] {
  return [
    ...brokerFixtures(),
    ...composeFixtures(c),
    ...redisReplicationFixtures(c),
    ...redisClusterFixtures(),
    // the AES key Secret is composeFixtures'; the PostgreSQL superuser shares the run's root password
    ...postgresFixtures(
      { aesKey: c.aesKey, adminPassword: c.rootPassword, replicationPassword: c.replicationPassword },
      { withAesKey: false },
    ),
  ];
}

function kwokNode(name: string, labels: Record<string, string>, taint: { key: string; value: string }): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { ...labels, 'kubernetes.io/hostname': name, 'statecraft.dev/node-type': 'kwok', type: 'kwok' },
    },
    spec: { taints: [{ ...taint, effect: 'NoSchedule' }] },
  };
}

function secret(namespace: string, name: string, stringData: Record<string, string>, type = 'Opaque'): Obj {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type, stringData };
}

function brokerFixtures(): Obj[] {
  const nodes: Obj[] = [];
  // the production samples require one pod per node (required anti-affinity) on nodes they select and tolerate
  for (let i = 0; i < 3; i++) {
    nodes.push(
      kwokNode(`messaging-node-${i}`, { workload: 'messaging', disk: 'nvme' }, { key: 'messaging', value: 'true' }),
      kwokNode(`streaming-node-${i}`, { workload: 'streaming' }, { key: 'dedicated', value: 'streambus' }),
    );
  }
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'messaging' } },
    ...nodes,
    secret('messaging', 'aws-credentials', {
      'access-key-id': 'dev-access-key',
      'secret-access-key': 'dev-secret-key',
    }),
    secret('messaging', 'kafka-credentials', { username: 'mirror', password: 'dev-mirror-password' }),
    secret(
      'default',
      'streambus-tls-certs',
      { 'tls.crt': 'dev-certificate', 'tls.key': 'dev-key' },
      'kubernetes.io/tls',
    ),
    secret('default', 'streambus-ca-cert', { 'ca.crt': 'dev-ca' }),
  ];
}

function composeFixtures(c: FixtureCredentials): Obj[] {
  const ns = 'default';
  const enc = (pw: string) => encryptCredential(pw, c.aesKey).toString('base64');
  const sqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  // the image runs /docker-entrypoint-initdb.d/*.sql once on a new data directory; a Secret keeps passwords out of
  // ConfigMaps. `mysql` is compose-operator's admin login, `replication` the login replicas use.
  const initSql = [
    `CREATE USER IF NOT EXISTS 'mysql'@'%' IDENTIFIED BY ${sqlString(c.mysqlPassword)};`,
    `GRANT ALL PRIVILEGES ON *.* TO 'mysql'@'%' WITH GRANT OPTION;`,
    `CREATE USER IF NOT EXISTS 'replication'@'%' IDENTIFIED BY ${sqlString(c.replicationPassword)};`,
    `GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'replication'@'%';`,
  ].join('\n');
  const objects: Obj[] = [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'aes-secret-key', namespace: ns },
      stringData: { AES_SECRET_KEY: c.aesKey },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'mysql-credentials', namespace: ns },
      data: { mysql: enc(c.mysqlPassword), replication: enc(c.replicationPassword) },
    },
    secret(ns, COMPOSE_INIT_SECRET, { 'users.sql': initSql, 'root-password': c.rootPassword }),
    // the ProxysqlSync sample's logins: no ProxySQL runs here (its admin password is the run's root password, for a
    // server that does not exist); `mysql` reads the accounts from the MysqlReplication's source
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'proxysql-credentials', namespace: ns },
      data: { proxysql: enc(c.rootPassword), mysql: enc(c.mysqlPassword) },
    },
  ];
  COMPOSE_NODES.forEach((name, i) => {
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
        metadata: { name, namespace: ns, labels: { app: 'mysql-semi-sync', 'statecraft.dev/dev-pod': name } },
        spec: {
          containers: [
            {
              name: 'mariadb',
              image: 'mariadb:10.11',
              // server ids must differ for replication; binlog and GTID strictness are what replication needs
              args: [
                `--server-id=${i + 1}`,
                '--log-bin=mysql-bin',
                '--binlog-format=ROW',
                '--log-slave-updates=ON',
                '--gtid-strict-mode=ON',
              ],
              env: [
                {
                  name: 'MARIADB_ROOT_PASSWORD',
                  valueFrom: { secretKeyRef: { name: COMPOSE_INIT_SECRET, key: 'root-password' } },
                },
              ],
              ports: [{ name: 'mysql', containerPort: 3306 }],
              volumeMounts: [
                { name: 'data', mountPath: '/var/lib/mysql' },
                { name: 'init', mountPath: '/docker-entrypoint-initdb.d' },
              ],
            },
          ],
          volumes: [
            { name: 'data', persistentVolumeClaim: { claimName: `data-${name}` } },
            {
              name: 'init',
              secret: { secretName: COMPOSE_INIT_SECRET, items: [{ key: 'users.sql', path: 'users.sql' }] },
            },
          ],
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: ns },
        spec: {
          selector: { 'statecraft.dev/dev-pod': name },
          ports: [{ name: 'mysql', port: 3306, targetPort: 3306 }],
        },
      },
    );
  });
  return objects;
}
