/**
 * Every kind Statecraft serves, in one place: controllers and tests import types, GVKs and schemas from here.
 */
import type { KindDefinition } from './crd.ts';
import { MusicServiceDefinition } from './musicservice.ts';
import { MySQLDefinition } from './mysql.ts';
import { MysqlGroupReplicationDefinition } from './mysqlgroupreplication.ts';
import { MysqlReplicationDefinition } from './mysqlreplication.ts';
import { PostgresReplicationDefinition } from './postgresreplication.ts';
import { ProxysqlSyncDefinition } from './proxysqlsync.ts';
import { RedisClusterDefinition } from './rediscluster.ts';
import { RedisReplicationDefinition } from './redisreplication.ts';
import { ShazamqClusterDefinition } from './shazamqcluster.ts';
import { StreamBusClusterDefinition } from './streambuscluster.ts';

export { SKIP_RECONCILE_ANNOTATIONS } from './compose.ts';
export * from './crd.ts';
export * from './musicservice.ts';
export * from './mysql.ts';
export * from './mysqlgroupreplication.ts';
export * from './mysqlreplication.ts';
export * from './postgresreplication.ts';
export * from './proxysqlsync.ts';
export * from './rediscluster.ts';
export * from './redisreplication.ts';
export type { Condition } from './schema.ts';
export * from './shazamqcluster.ts';
export * from './streambuscluster.ts';

/** The definition of every kind, in the order the CRDs are generated. */
export const kinds: readonly KindDefinition[] = [
  MusicServiceDefinition,
  MysqlReplicationDefinition,
  MysqlGroupReplicationDefinition,
  RedisReplicationDefinition,
  RedisClusterDefinition,
  PostgresReplicationDefinition,
  ProxysqlSyncDefinition,
  ShazamqClusterDefinition,
  StreamBusClusterDefinition,
  MySQLDefinition,
];

/** The definition of `kind` in `apiVersion` (group/version), or undefined. */
export function kindDefinition(apiVersion: string, kind: string): KindDefinition | undefined {
  return kinds.find((k) => k.apiVersion === apiVersion && k.kind === kind);
}
