/**
 * One valid object of every kind, the starting point of the generated mutations (R4) and of the mixed workloads.
 * The compose kinds point at a Secret and at pods that do not exist: valid for the API server, impossible for the
 * operator — which must say so in a condition.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Obj } from './mutations.ts';

const SAMPLES = join(import.meta.dirname, '..', '..', 'samples');
const COMPOSE = 'upm.syntropycloud.io/v1alpha1';

function sample(file: string): Obj {
  const o = parse(readFileSync(join(SAMPLES, file), 'utf8')) as Obj;
  delete o.metadata.namespace;
  return o;
}

const node = (i: number, port: number) => ({ name: `db-${i}`, host: `db-${i}.db.default.svc`, port });
const compose = (kind: string, spec: Obj): Obj => ({ apiVersion: COMPOSE, kind, metadata: { name: 'x' }, spec });

export function validBases(): Obj[] {
  const music = sample('musicservice-miku-stream.yaml');
  // the database pods would be real MariaDB servers on this machine; the mutations cover the fields all the same
  music.spec.database.enabled = false;
  return [
    music,
    sample('compose-mysqlreplication-semi-sync.yaml'),
    sample('shazamq-production.yaml'),
    sample('streambus-full.yaml'),
    sample('mysql-tutorial-instance.yaml'),
    compose('MysqlGroupReplication', {
      secret: { name: 'no-such-secret' },
      member: [node(0, 3306), node(1, 3306), node(2, 3306)],
    }),
    compose('RedisReplication', {
      secret: { name: 'no-such-secret' },
      source: node(0, 6379),
      replica: [node(1, 6379), { ...node(2, 6379), announceHost: '10.0.0.2', announcePort: 6379 }],
      service: { type: 'ClusterIP' },
      sentinel: ['sentinel-0'],
    }),
    compose('RedisCluster', {
      secret: { name: 'no-such-secret' },
      members: { 'shard-a': [node(0, 6379), node(1, 6379)], 'shard-b': [node(2, 6379), node(3, 6379)] },
    }),
    compose('PostgresReplication', {
      mode: 'rpl_sync',
      secret: { name: 'no-such-secret' },
      primary: node(0, 5432),
      standby: [node(1, 5432)],
      service: { type: 'ClusterIP' },
    }),
    compose('ProxysqlSync', {
      proxysql: [node(9, 6032)],
      secret: { name: 'no-such-secret' },
      mysqlReplication: 'mysql-replication-semi-sync-sample',
      rule: { filter: ['root'], pattern: '%' },
    }),
  ];
}

/**
 * `n` small objects of mixed kinds (names w0..w{n-1}), for the kill and restart suites: brokers and a music
 * service whose pods KWOK runs, and compose topologies over pods that do not exist (answered, never Ready).
 */
export function mixedWorkload(n: number): Obj[] {
  const music = sample('musicservice-miku-stream.yaml');
  music.spec.database.enabled = false;
  music.spec.replicas = 1;
  music.spec.autoscaling.minReplicas = 1;
  music.spec.storage.size = '1Gi';
  const streamBus = sample('streambus-minimal.yaml');
  streamBus.spec.replicas = 1;
  streamBus.spec.storage.size = '1Gi';
  const shazamq = sample('shazamq-my-cluster.yaml');
  shazamq.spec.replicas = 1;
  shazamq.spec.storage.volumeClaimTemplate.spec.resources.requests.storage = '1Gi';
  const all = validBases();
  const byKind = (k: string) => all.find((b) => b.kind === k)!;
  const mr = byKind('MysqlReplication');
  mr.spec.secret.name = 'no-such-secret';
  const kinds = [streamBus, shazamq, music, mr, byKind('RedisReplication'), byKind('PostgresReplication')];
  return Array.from({ length: n }, (_, i) => {
    const o = structuredClone(kinds[i % kinds.length]);
    o.metadata = { name: `w${i}` };
    return o;
  });
}

/** The distinct apiVersion/kind pairs of `objects`. */
export const kindsOf = (objects: Obj[]) => [
  ...new Map(objects.map((o) => [o.kind, { apiVersion: o.apiVersion as string, kind: o.kind as string }])).values(),
];
