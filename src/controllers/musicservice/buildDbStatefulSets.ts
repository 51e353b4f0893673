import type { V1EnvVar, V1StatefulSet } from '@kubernetes/client-node';
import {
  buildDbConfigMap,
  CNF_DIR,
  CNF_FILE,
  configHash,
  PRIMARY_CNF,
  PRIMARY_SERVER_ID,
  REPLICA_CNF,
  REPLICA_SERVER_ID_PREFIX,
} from './buildDbConfigMap.ts';
import { claimTemplate } from './claimTemplate.ts';
import { childLabels, childMeta, selectorLabels } from './labels.ts';
import { childNames, DB_NAME, DB_PORT, DB_VOLUME } from './names.ts';
import { REQUESTED_REPLICAS_ANNOTATION, replicaCount } from './replicaCount.ts';
import type { DatabaseSettings } from './settings.ts';
import type { MusicService } from './types.ts';

export const CONFIG_HASH_ANNOTATION = 'music.mixcorp.org/config-hash';

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
  const cnf = buildDbConfigMap(ms, db).data![cnfKey]!;
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
        metadata: { labels, annotations: { [CONFIG_HASH_ANNOTATION]: configHash(cnf) } },
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
