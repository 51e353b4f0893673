/**
 * The database's objects — its settings, the role config files, the primary and replica StatefulSets, their
 * Services and the replica HPA — and where the operator reaches its pods. Pure. (The Secrets are in secrets.ts,
 * replication through the MySQL engine in replication.ts.)
 */
import { createHash } from 'node:crypto';
import type {
  V1ConfigMap,
  V1EnvVar,
  V1Pod,
  V1Service,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { MusicService } from '../../apis/musicservice.ts';
import type { NodeAddress } from '../../engines/mysql/index.ts';
import type { AddressMode } from '../address-mode.ts';
import {
  type AutoscalingSpec,
  childAutoscaler,
  childLabels,
  childMeta,
  childNames,
  childService,
  claimTemplate,
  DB_NAME,
  DB_PORT,
  DB_VOLUME,
  REQUESTED_REPLICAS_ANNOTATION,
  replicaCount,
  selectorLabels,
} from './children.ts';

/**
 * The database settings with upstream's in-code defaults applied (the CRD may default them too; applying them
 * here keeps the builders correct for objects stored before a default existed).
 */
export interface DatabaseSettings {
  enabled: boolean;
  replicas: number;
  image: string;
  storageSize: string;
  updatePolicy: 'Resize' | 'Recreate';
  replication: boolean;
  gtid: boolean;
  autoscaling?: AutoscalingSpec;
}

export function databaseSettings(ms: MusicService): DatabaseSettings {
  const db = ms.spec.database;
  return {
    enabled: db?.enabled === true,
    replicas: db?.replicas ?? 0,
    image: db?.image || 'mariadb:10.11',
    storageSize: db?.storage?.size || '10Gi',
    updatePolicy: db?.storage?.updatePolicy ?? 'Resize',
    replication: db?.replication?.enabled ?? true,
    gtid: db?.replication?.gtid ?? true,
    autoscaling: db?.autoscaling,
  };
}

export const PRIMARY_CNF = 'primary.cnf';
export const REPLICA_CNF = 'replica.cnf';
/** Where the servers read the mounted role file (the mariadb image includes /etc/mysql/conf.d/*.cnf). */
export const CNF_DIR = '/etc/mysql/conf.d';
export const CNF_FILE = 'statecraft.cnf';

/**
 * Server ids: the primary is 1; replica N is `20N` — 200+N for the ten replicas the schema allows, as upstream,
 * and still unique beyond (an HPA may go further). Written as a digit prefix because the pod's ordinal reaches the
 * server only through env expansion in its args, which can concatenate but not add.
 */
export const PRIMARY_SERVER_ID = 1;
export const REPLICA_SERVER_ID_PREFIX = '20';
export const replicaServerId = (ordinal: number): number => Number(`${REPLICA_SERVER_ID_PREFIX}${ordinal}`);

/** The server settings of one role. Both roles keep a binlog with replica updates so any replica can take over. */
export function serverConfig(role: 'primary' | 'replica', db: DatabaseSettings): string {
  const lines = [
    '[mysqld]',
    'log_bin=mysql-bin',
    'binlog_format=ROW',
    'log_slave_updates=ON',
    'relay_log=relay-bin',
    `gtid_strict_mode=${db.gtid ? 'ON' : 'OFF'}`,
  ];
  // replicas refuse client writes: a write made locally would fork their GTID history from the primary's
  if (role === 'replica') lines.push('read_only=ON');
  return `${lines.join('\n')}\n`;
}

/** ConfigMap `{name}-db-config`: one file per role, mounted by the role's StatefulSet. */
export function buildDbConfigMap(ms: MusicService, db: DatabaseSettings): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMeta(ms, childNames(ms.metadata.name!).dbConfig, 'database'),
    data: { [PRIMARY_CNF]: serverConfig('primary', db), [REPLICA_CNF]: serverConfig('replica', db) },
  };
}

export const CONFIG_HASH_ANNOTATION = 'music.mixcorp.org/config-hash';

/**
 * A short digest of a role's config file, put on the pod template so a config change rolls the servers. Not
 * workloads' configHash: that one digests canonical JSON, so its values differ, and switching would roll every
 * existing database server once for nothing.
 */
export function cnfHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

type Role = 'primary' | 'replica';

/**
 * One database role's StatefulSet. No init or sidecar containers: the server starts from the image with the
 * role's config file and its server id, and the operator sets up replication through the MySQL engine.
 */
function dbStatefulSet(
  ms: MusicService,
  db: DatabaseSettings,
  role: Role,
  replicas: number,
  observed: V1StatefulSet | undefined,
): V1StatefulSet {
  const name = ms.metadata.name!;
  const names = childNames(name);
  const component = role === 'primary' ? 'db-master' : 'db-replica';
  const stsName = role === 'primary' ? names.dbMaster : names.dbReplica;
  const labels = childLabels(name, component);
  const cnfKey = role === 'primary' ? PRIMARY_CNF : REPLICA_CNF;
  const cnf = serverConfig(role, db);
  const env: V1EnvVar[] = [
    { name: 'MARIADB_ROOT_PASSWORD', valueFrom: { secretKeyRef: { name: names.rootSecret, key: 'password' } } },
  ];
  let serverId = String(PRIMARY_SERVER_ID);
  // only the primary creates the database: a replica starts empty and gets it, with its data, from the primary's
  // copy (seeding refuses a non-empty replica, whose own objects would conflict with the replicated ones)
  if (role === 'primary') env.push({ name: 'MARIADB_DATABASE', value: DB_NAME });
  else {
    env.push({
      name: 'POD_INDEX',
      valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } },
    });
    serverId = `${REPLICA_SERVER_ID_PREFIX}$(POD_INDEX)`;
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      ...childMeta(ms, stsName, component),
      ...(role === 'replica' ? { annotations: { [REQUESTED_REPLICAS_ANNOTATION]: String(db.replicas) } } : {}),
    },
    spec: {
      replicas,
      serviceName: stsName,
      // replicas are seeded and attached by the operator one by one anyway; ordered start would only delay them
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selectorLabels(name, component) },
      template: {
        metadata: { labels, annotations: { [CONFIG_HASH_ANNOTATION]: cnfHash(cnf) } },
        spec: {
          containers: [
            {
              name: 'mariadb',
              image: db.image,
              args: [`--server-id=${serverId}`],
              env,
              ports: [{ name: 'mysql', containerPort: DB_PORT, protocol: 'TCP' }],
              readinessProbe: { tcpSocket: { port: DB_PORT }, periodSeconds: 5 },
              volumeMounts: [
                { name: DB_VOLUME, mountPath: '/var/lib/mysql' },
                { name: 'config', mountPath: CNF_DIR, readOnly: true },
              ],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: names.dbConfig, items: [{ key: cnfKey, path: CNF_FILE }] } }],
        },
      },
      volumeClaimTemplates: [claimTemplate(DB_VOLUME, labels, db.storageSize, observed)],
    },
  };
}

/** StatefulSet `{name}-db-master`: the one primary. */
export function buildDbMasterStatefulSet(
  ms: MusicService,
  db: DatabaseSettings,
  observed?: V1StatefulSet,
): V1StatefulSet {
  return dbStatefulSet(ms, db, 'primary', 1, observed);
}

/** StatefulSet `{name}-db-replica`: database.replicas read replicas (the replica HPA's count wins between edits). */
export function buildDbReplicaStatefulSet(
  ms: MusicService,
  db: DatabaseSettings,
  observed?: V1StatefulSet,
): V1StatefulSet {
  return dbStatefulSet(ms, db, 'replica', replicaCount(db.replicas, db.autoscaling, observed), observed);
}

const mysql = { name: 'mysql', port: DB_PORT };

/** Headless `{name}-db-master`: direct access to the primary (`{name}-db-master-0.{name}-db-master`). */
export function buildDbMasterService(ms: MusicService): V1Service {
  return childService(ms, childNames(ms.metadata.name!).dbMaster, 'db-master', 'db-master', mysql, true);
}

/** Headless `{name}-db-replica`: the replica StatefulSet's governing Service (per-replica DNS names). */
export function buildDbReplicaService(ms: MusicService): V1Service {
  return childService(ms, childNames(ms.metadata.name!).dbReplica, 'db-replica', 'db-replica', mysql, true);
}

/** ClusterIP `{name}-db-read`: reads load-balanced over the replicas. */
export function buildDbReadService(ms: MusicService): V1Service {
  return childService(ms, childNames(ms.metadata.name!).dbRead, 'db-read', 'db-replica', mysql, false);
}

/** HPA `{name}-db-replica-autoscaler` on the replica StatefulSet. */
export function buildReplicaAutoscaler(ms: MusicService, spec: AutoscalingSpec): V2HorizontalPodAutoscaler {
  const names = childNames(ms.metadata.name!);
  return childAutoscaler(ms, names.dbReplicaAutoscaler, 'db-replica', names.dbReplica, spec);
}

/**
 * The address of a database pod in an address mode (../address-mode.ts), or undefined while it has none (no IP
 * yet): `host` is the pod's stable name under its StatefulSet's headless Service; `pod-ip` its current IP (a
 * restarted pod may get a new one; the engine then re-points the replicas).
 */
export function podAddress(pod: V1Pod, mode: AddressMode, serviceName: string): NodeAddress | undefined {
  const name = pod.metadata?.name;
  const namespace = pod.metadata?.namespace;
  if (!name || !namespace) return undefined;
  if (mode === 'host') return { host: `${name}.${serviceName}.${namespace}.svc`, port: DB_PORT };
  const ip = pod.status?.podIP;
  return ip ? { host: ip, port: DB_PORT } : undefined;
}

/** A pod whose server may answer: scheduled, running, not being deleted. Readiness is the engine's to judge. */
export function podRunning(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp;
}
