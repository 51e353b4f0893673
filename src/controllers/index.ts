/**
 * The operator's composition root: every controller, from one set of typed options. `statecraft run`,
 * `statecraft dev`, the tests and the benchmarks all register controllers through `controllers(options)`:
 *
 *   mgr.add(...controllers({ addressMode: 'pod-ip', only: ['musicservice'] }));
 */
import type { ControllerRegistration } from '../runtime/index.ts';
import type { AddressMode } from './address-mode.ts';
import { type MusicServiceControllerOptions, musicServiceController } from './musicservice/controller.ts';
import { type MySQLControllerOptions, mysqlController } from './mysql/controller.ts';
import {
  type MysqlGroupReplicationOptions,
  mysqlGroupReplicationController,
} from './mysqlgroupreplication/controller.ts';
import { type MysqlReplicationOptions, mysqlReplicationController } from './mysqlreplication/controller.ts';
import { type PostgresReplicationOptions, postgresReplicationController } from './postgresreplication/controller.ts';
import { type ProxysqlSyncOptions, proxysqlSyncController } from './proxysqlsync/controller.ts';
import { type RedisClusterOptions, redisClusterController } from './rediscluster/controller.ts';
import { type RedisReplicationOptions, redisReplicationController } from './redisreplication/controller.ts';
import { shazamqClusterController } from './shazamq/controller.ts';
import { streamBusClusterController } from './streambus/controller.ts';

export type { AddressMode } from './address-mode.ts';
export { resolveAddressMode } from './address-mode.ts';

/** Controller names, as registered (metrics label `controller`, log field, event source). */
export type ControllerName =
  | 'musicservice'
  | 'mysql'
  | 'mysqlreplication'
  | 'mysqlgroupreplication'
  | 'rediscluster'
  | 'postgresreplication'
  | 'proxysqlsync'
  | 'redisreplication'
  | 'shazamqcluster'
  | 'streambuscluster';

export interface OperatorOptions {
  /** how every database controller reaches database pods (`statecraft run --address-mode`); default: auto */
  addressMode?: AddressMode;
  musicService?: Omit<MusicServiceControllerOptions, 'addressMode'>;
  mysql?: Omit<MySQLControllerOptions, 'addressMode'>;
  mysqlReplication?: Omit<MysqlReplicationOptions, 'addressMode'>;
  mysqlGroupReplication?: Omit<MysqlGroupReplicationOptions, 'addressMode'>;
  redisCluster?: Omit<RedisClusterOptions, 'addressMode'>;
  postgresReplication?: Omit<PostgresReplicationOptions, 'addressMode'>;
  redisReplication?: Omit<RedisReplicationOptions, 'addressMode'>;
  proxysqlSync?: Omit<ProxysqlSyncOptions, 'addressMode'>;
  /** register only these (tests); default all */
  only?: readonly ControllerName[];
}

/** Every controller Statecraft serves, configured from `options`. Add each new controller here. */
export function controllers(options: OperatorOptions = {}): ControllerRegistration[] {
  const { addressMode } = options;
  const all: ControllerRegistration[] = [
    musicServiceController({ ...options.musicService, addressMode }),
    mysqlController({ ...options.mysql, addressMode }),
    mysqlReplicationController({ ...options.mysqlReplication, addressMode }),
    mysqlGroupReplicationController({ ...options.mysqlGroupReplication, addressMode }),
    redisClusterController({ ...options.redisCluster, addressMode }),
    postgresReplicationController({ ...options.postgresReplication, addressMode }),
    redisReplicationController({ ...options.redisReplication, addressMode }),
    proxysqlSyncController({ ...options.proxysqlSync, addressMode }),
    shazamqClusterController(),
    streamBusClusterController(),
  ];
  const only = options.only;
  if (!only) return all;
  const unknown = only.filter((n) => !all.some((c) => c.name === n));
  if (unknown.length) throw new Error(`unknown controller ${unknown.join(', ')}`);
  return all.filter((c) => only.includes(c.name as ControllerName));
}
