/**
 * `npm run bench:postgres`: 10 PostgresReplication switchovers (round robin over pg-node-0..2) under a writer on
 * real postgres:15 pods. Per switchover: seconds from the spec patch to the first commit the new primary
 * acknowledged; at the end, acknowledged commits and how many of them the final primary lacks (lost).
 * Target: median ≤ 3 s, 0 lost. Last line: one JSON object. Uses $STATECRAFT_CLUSTER_DIR's cluster when running,
 * else starts its own.
 */

import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { pino } from 'pino';
import { parse } from 'yaml';
import { installCrds } from '../src/apis/install.ts';
import { POSTGRES_ADMIN_USER, POSTGRES_NODES, postgresPod, postgresSecrets } from '../src/cli/dev/postgresFixtures.ts';
import { controllers } from '../src/controllers/index.ts';
import { Manager } from '../src/runtime/index.ts';
import { benchCluster, switchoverReport, until } from './support.ts';

const SWITCHOVERS = Number(process.env.SWITCHOVERS ?? 10);
const CREDS = {
  aesKey: 'k3y-0123456789abcdef0123456789ab',
  adminPassword: 'bench-admin',
  replicationPassword: 'bench-repl',
};
const GROUP = 'upm.syntropycloud.io';

const cluster = await benchCluster();
const { kc } = cluster;
const core = kc.makeApiClient(k8s.CoreV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const ns = `bench-postgres-${Date.now().toString(36)}`;
const ref = { group: GROUP, version: 'v1alpha1', namespace: ns, plural: 'postgresreplications' };
let mgr: Manager | undefined;
try {
  await installCrds(kc);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  for (const s of postgresSecrets(CREDS)) await core.createNamespacedSecret({ namespace: ns, body: s as k8s.V1Secret });
  for (const n of POSTGRES_NODES)
    await core.createNamespacedPod({ namespace: ns, body: postgresPod(n, ns) as k8s.V1Pod });
  const ips = await until(
    '3 ready postgres pods',
    async () => {
      const pods = await Promise.all(POSTGRES_NODES.map((name) => core.readNamespacedPod({ name, namespace: ns })));
      const ready = pods.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready && Object.fromEntries(pods.map((p) => [p.metadata!.name!, p.status!.podIP!]));
    },
    240_000,
  );
  mgr = new Manager(kc, {
    metricsBindAddress: '0',
    healthProbeBindAddress: '0',
    namespaces: [ns],
    logger: pino({ level: 'silent' }),
  });
  mgr.add(
    ...controllers({ addressMode: 'pod-ip', postgresReplication: { resyncMs: 5000 }, only: ['postgresreplication'] }),
  );
  mgr.start().catch(() => {});
  const cr = parse(readFileSync(new URL('../samples/compose-postgresreplication.yaml', import.meta.url), 'utf8'));
  await custom.createNamespacedCustomObject({ ...ref, body: { ...cr, metadata: { ...cr.metadata, namespace: ns } } });
  const name = cr.metadata.name as string;
  const readyWith = (primary: string) =>
    until(
      `ready with ${primary}`,
      async () => {
        const o = (await custom.getNamespacedCustomObject({ ...ref, name })) as {
          metadata: { generation: number };
          status?: { ready?: boolean; observedGeneration?: number; topology?: Record<string, { role?: string }> };
        };
        return (
          o.status?.ready === true &&
          o.status.observedGeneration === o.metadata.generation &&
          o.status.topology?.[primary]?.role === 'Primary'
        );
      },
      240_000,
    );
  await readyWith('pg-node-0');
  const admin = await new pg.Client({
    host: ips['pg-node-0'],
    user: POSTGRES_ADMIN_USER,
    password: CREDS.adminPassword,
    database: 'postgres',
  });
  await admin.connect();
  await admin.query('CREATE TABLE w (id int PRIMARY KEY)');
  await admin.end();

  let target = 'pg-node-0';
  let stop = false;
  let nextId = 1;
  const acked: Array<{ id: number; at: number; on: string }> = [];
  const writer = (async () => {
    let c: pg.Client | undefined;
    let on = '';
    while (!stop) {
      try {
        if (!c || on !== target) {
          await c?.end().catch(() => {});
          on = target;
          c = new pg.Client({
            host: ips[on],
            user: POSTGRES_ADMIN_USER,
            password: CREDS.adminPassword,
            database: 'postgres',
            connectionTimeoutMillis: 2000,
          });
          c.on('error', () => {});
          await c.connect();
        }
        const id = nextId++;
        await c.query('INSERT INTO w VALUES ($1)', [id]);
        acked.push({ id, at: Date.now(), on });
      } catch {
        await c?.end().catch(() => {});
        c = undefined;
        await sleep(5);
      }
    }
    await c?.end().catch(() => {});
  })();

  const rows: Array<{ n: number; from: string; to: string; seconds: number }> = [];
  let primary = 'pg-node-0';
  for (let i = 0; i < SWITCHOVERS; i++) {
    const to = POSTGRES_NODES[(POSTGRES_NODES.indexOf(primary) + 1) % POSTGRES_NODES.length];
    await sleep(500);
    const patchedAt = Date.now();
    await custom.patchNamespacedCustomObject(
      {
        ...ref,
        name,
        body: {
          spec: {
            primary: { name: to, host: `${to}.default.svc.cluster.local`, port: 5432 },
            standby: POSTGRES_NODES.filter((n) => n !== to).map((n) => ({
              name: n,
              host: `${n}.default.svc.cluster.local`,
              port: 5432,
            })),
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    target = to;
    const first = await until(
      `a write acknowledged by ${to}`,
      async () => acked.find((a) => a.on === to && a.at >= patchedAt),
      120_000,
    );
    rows.push({ n: i + 1, from: primary, to, seconds: (first.at - patchedAt) / 1000 });
    await readyWith(to);
    primary = to;
  }
  await sleep(300);
  stop = true;
  await writer;
  const c = new pg.Client({
    host: ips[primary],
    user: POSTGRES_ADMIN_USER,
    password: CREDS.adminPassword,
    database: 'postgres',
  });
  await c.connect();
  const ids = new Set((await c.query('SELECT id FROM w')).rows.map((r) => r.id as number));
  await c.end();
  const lost = acked.filter((a) => !ids.has(a.id)).length;
  const report = switchoverReport(
    'switchover  from       to         patch→first write on new primary (s)',
    rows,
    acked.length,
    lost,
  );
  for (const line of report.table) console.log(line);
  console.log(JSON.stringify(report.result));
} finally {
  await mgr?.stop();
  await core.deleteNamespace({ name: ns }).catch(() => {});
  await cluster.close();
}
