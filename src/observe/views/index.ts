/** Every kind's view, by kind. A kind without an entry is shown with its conditions only. */
import { mysqlReplicationView } from './mysqlreplication.ts';
import { postgresReplicationView } from './postgresreplication.ts';
import { redisClusterView } from './rediscluster.ts';
import { redisReplicationView } from './redisreplication.ts';
import { musicServiceView, mysqlView, shazamqClusterView, streamBusClusterView } from './scaled.ts';
import type { KindView } from './view.ts';

export * from './view.ts';

const views: readonly KindView[] = [
  mysqlReplicationView,
  redisReplicationView,
  postgresReplicationView,
  redisClusterView,
  musicServiceView,
  streamBusClusterView,
  shazamqClusterView,
  mysqlView,
];

export function viewOf(kind: string): KindView {
  return views.find((v) => v.kind === kind) ?? { kind };
}
