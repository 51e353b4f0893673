import { createHash } from 'node:crypto';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { childMeta } from './labels.ts';
import { childNames } from './names.ts';
import type { DatabaseSettings } from './settings.ts';
import type { MusicService } from './types.ts';

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

/** A short digest of a config file, put on the pod template so a config change rolls the pods. */
export function configHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
