import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { installCrds } from '../src/apis/install.ts';
import { controllers } from '../src/controllers/index.ts';
import { Manager } from '../src/runtime/index.ts';
import {
  APP,
  GROUP,
  mysqlReplicationCr,
  patchSwitchover,
  replicationFixture,
} from '../test/support/mysqlReplicationFixture.ts';
import { benchCluster, switchoverReport, until } from './support.ts';

const SWITCHOVERS = Number(process.env.SWITCHOVERS ?? 10);
const NODES = ['db-0', 'db-1', 'db-2'];

const cluster = await benchCluster();
const { kc } = cluster;
const core = kc.makeApiClient(k8s.CoreV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const ns = `bench-switchover-${Date.now().toString(36)}`;
let mgr: Manager | undefined;
try {
  await installCrds(kc);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  for (const o of replicationFixture(NODES) as Array<{ kind: string; metadata: { name: string } }>) {
    if (o.kind === 'Pod') await core.createNamespacedPod({ namespace: ns, body: o as k8s.V1Pod });
    else await core.createNamespacedSecret({ namespace: ns, body: o as k8s.V1Secret });
  }
  const ips = await until(
    '3 ready MariaDB pods',
    async () => {
      const pods = await Promise.all(NODES.map((name) => core.readNamespacedPod({ name, namespace: ns })));
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
    ...controllers({
      addressMode: 'pod-ip',
      mysqlReplication: { resyncMs: 5000, catchUpTimeoutMs: 15_000 },
      only: ['mysqlreplication'],
    }),
  );
  mgr.start().catch(() => {});
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: 'v1alpha1',
    namespace: ns,
    plural: 'mysqlreplications',
    body: mysqlReplicationCr('mr', ns, 'db-0', ['db-1', 'db-2']),
  });
  const readyWith = (source: string) =>
    until(`ready with ${source}`, async () => {
      const o = (await custom.getNamespacedCustomObject({
        group: GROUP,
        version: 'v1alpha1',
        namespace: ns,
        plural: 'mysqlreplications',
        name: 'mr',
      })) as { status?: { ready?: boolean; topology?: Record<string, { role?: string }> } };
      return o.status?.ready === true && o.status.topology?.[source]?.role === 'Source';
    });
  await readyWith('db-0');

  // writer: inserts at `target`; ack times per server let us find the first write each new source accepted
  let target = 'db-0';
  let stop = false;
  let nextId = 1;
  const acked: Array<{ id: number; at: number; on: string }> = [];
  const writer = (async () => {
    let conn: mysql.Connection | undefined;
    let on = '';
    while (!stop) {
      try {
        if (!conn || on !== target) {
          await conn?.end().catch(() => {});
          on = target;
          conn = await mysql.createConnection({ host: ips[on], port: 3306, ...APP, connectTimeout: 2000 });
          conn.on('error', () => {});
        }
        const id = nextId++;
        await conn.query('INSERT INTO app.w (id) VALUES (?)', [id]);
        acked.push({ id, at: Date.now(), on });
      } catch {
        conn?.destroy();
        conn = undefined;
        // the old source refuses (fenced): from now on write where the patch points
        await sleep(5);
      }
    }
    await conn?.end().catch(() => {});
  })();

  const rows: Array<{ n: number; from: string; to: string; seconds: number; ackedDuring: number }> = [];
  let source = 'db-0';
  for (let i = 0; i < SWITCHOVERS; i++) {
    const to = source === 'db-0' ? 'db-1' : 'db-0';
    const replicas = NODES.filter((n) => n !== to);
    await sleep(500);
    const ackedBefore = acked.length;
    const patchedAt = Date.now();
    await patchSwitchover(custom, ns, 'mr', to, replicas);
    target = to;
    const first = await until(
      `a write acknowledged by ${to}`,
      async () => acked.find((a) => a.on === to && a.at >= patchedAt),
      60_000,
    );
    rows.push({
      n: i + 1,
      from: source,
      to,
      seconds: (first.at - patchedAt) / 1000,
      ackedDuring: acked.length - ackedBefore,
    });
    await readyWith(to);
    source = to;
  }
  await sleep(300);
  stop = true;
  await writer;
  const conn = await mysql.createConnection({ host: ips[source], port: 3306, ...APP });
  const [present] = await conn.query('SELECT id FROM app.w');
  await conn.end();
  const ids = new Set((present as Array<{ id: number }>).map((r) => r.id));
  const lost = acked.filter((a) => !ids.has(a.id)).length;

  const report = switchoverReport(
    'switchover  from  to    patch→first write on new source (s)',
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
