/**
 * What a MysqlReplication needs to exist in a namespace, for e2e tests and the switchover benchmark: three
 * mariadb:10.11 pods (run as real servers by the node agent) with binlog, GTID strictness and log_slave_updates,
 * the compose-operator Secrets (AES key + encrypted `mysql`/`replication` passwords), an `app` account without
 * READ ONLY ADMIN and an `app.w` table, and the CR itself.
 */
import * as k8s from '@kubernetes/client-node';
import type { MysqlReplication } from '../../src/apis/mysqlreplication.ts';
import { encryptCredential } from '../../src/credentials/index.ts';

export const GROUP = 'upm.syntropycloud.io';
export const AES_KEY = 'k3y-0123456789abcdef0123456789ab';
export const ADMIN_PW = "Adm'n-pw";
export const REPL_PW = 'R3pl-pw';
export const APP = { user: 'app', password: 'app-pw' };

export function mariadbPod(name: string, serverId: number): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'db' } },
    spec: {
      containers: [
        {
          name: 'mariadb',
          image: 'mariadb:10.11',
          args: [
            `--server-id=${serverId}`,
            '--log-bin=mysql-bin',
            '--binlog-format=ROW',
            '--log-slave-updates=ON',
            '--gtid-strict-mode=ON',
          ],
          env: [{ name: 'MARIADB_ROOT_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-init', key: 'root' } } }],
          ports: [{ name: 'mysql', containerPort: 3306 }],
          volumeMounts: [
            { name: 'data', mountPath: '/var/lib/mysql' },
            { name: 'init', mountPath: '/docker-entrypoint-initdb.d' },
          ],
        },
      ],
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'init', secret: { secretName: 'db-init', items: [{ key: 'users.sql', path: 'users.sql' }] } },
      ],
    },
  };
}

/** Secrets and pods for nodes `names` (server ids 1..n). */
export function replicationFixture(names: string[]): object[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db-init' },
      stringData: {
        root: 'root-pw',
        'users.sql': [
          `CREATE USER 'mysql'@'%' IDENTIFIED BY 'Adm\\'n-pw';`,
          `GRANT ALL PRIVILEGES ON *.* TO 'mysql'@'%' WITH GRANT OPTION;`,
          `CREATE USER 'replication'@'%' IDENTIFIED BY '${REPL_PW}';`,
          `GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'replication'@'%';`,
          `CREATE DATABASE app; CREATE TABLE app.w (id INT PRIMARY KEY);`,
          `CREATE USER 'app'@'%' IDENTIFIED BY '${APP.password}'; GRANT SELECT, INSERT ON app.* TO 'app'@'%';`,
        ].join('\n'),
      },
    },
    ...credentialSecrets(),
    ...names.map((n, i) => mariadbPod(n, i + 1)),
  ];
}

/** The AES key Secret and the `mysql-credentials` Secret (compose-operator's encrypted passwords). */
export function credentialSecrets(): object[] {
  const enc = (pw: string) => encryptCredential(pw, AES_KEY).toString('base64');
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'aes-secret-key' }, stringData: { AES_SECRET_KEY: AES_KEY } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'mysql-credentials' },
      data: { mysql: enc(ADMIN_PW), replication: enc(REPL_PW) },
    },
  ];
}

/** MysqlReplications of one namespace through the custom objects API: create one, read one. */
export function mysqlReplications(custom: k8s.CustomObjectsApi, namespace: string) {
  const where = { group: GROUP, version: 'v1alpha1', namespace, plural: 'mysqlreplications' };
  return {
    create: (body: object) => custom.createNamespacedCustomObject({ ...where, body }),
    get: async (name: string) => (await custom.getNamespacedCustomObject({ ...where, name })) as MysqlReplication,
  };
}

export const nodeSpec = (name: string, ns: string) => ({ name, host: `${name}.${ns}.svc.cluster.local`, port: 3306 });

export function mysqlReplicationCr(name: string, ns: string, source: string, replicas: string[]): object {
  return {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: 'MysqlReplication',
    metadata: { name, namespace: ns },
    spec: {
      mode: 'rpl_async',
      secret: { name: 'mysql-credentials', mysql: 'mysql', replication: 'replication' },
      source: nodeSpec(source, ns),
      replica: replicas.map((r) => nodeSpec(r, ns)),
      service: { type: 'ClusterIP' },
    },
  };
}

/** The seed's switchover: a merge patch of spec.source and spec.replica of MysqlReplication `name`. */
export async function patchSwitchover(
  custom: k8s.CustomObjectsApi,
  ns: string,
  name: string,
  source: string,
  replicas: string[],
): Promise<void> {
  await custom.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: 'v1alpha1',
      namespace: ns,
      plural: 'mysqlreplications',
      name,
      body: { spec: { source: nodeSpec(source, ns), replica: replicas.map((r) => nodeSpec(r, ns)) } },
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}
