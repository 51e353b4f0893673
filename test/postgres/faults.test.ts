/**
 * PostgresReplication fault paths on real postgres:15 pods: rpl_sync makes commits wait while the only synchronous
 * standby is stopped (and every acknowledged commit is on it afterwards); a dead primary, a promotion by spec, and
 * the old primary coming back: it never gets the read-write label, ends up a standby that refuses writes (or is
 * reported Diverged), and with the rebuild opt-in streams again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LABELS, REBUILD_ANNOTATION } from '../../src/controllers/postgresreplication/build.ts';
import { core, podProcesses } from '../devcluster/pods.ts';
import { eventually } from '../support/wait.ts';
import { sampleCr, setupPostgres } from './fixture.ts';

const host = (n: string) => ({ name: n, host: `${n}.default.svc.cluster.local`, port: 5432 });

async function signalPod(ns: string, pod: string, signal: NodeJS.Signals): Promise<void> {
  const p = await (await core()).readNamespacedPod({ name: pod, namespace: ns });
  const pids = podProcesses(p.metadata!.uid!);
  assert.ok(pids.length > 0, `${pod} has processes`);
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}

test('PostgresReplication faults: rpl_sync waits for its standby; failover by spec; a returning old primary', async (t) => {
  const cr = sampleCr();
  cr.spec.mode = 'rpl_sync';
  cr.spec.standby = [
    { ...host('pg-node-1'), isolated: false },
    { ...host('pg-node-2'), isolated: true },
  ];
  const s = await setupPostgres(t, 'pr-faults', cr);
  await s.waitReady('rpl_sync ready', 180_000);
  const primary = await s.connect('pg-node-0');
  assert.equal(
    (await primary.query('SHOW synchronous_standby_names')).rows[0].synchronous_standby_names,
    'ANY 1 (pg_node_1)',
  );
  assert.deepEqual(await s.selected(`${s.name}-readonly`), ['pg-node-1'], 'the isolated standby serves no reads');
  await primary.query('CREATE TABLE w (id int PRIMARY KEY)');
  await primary.query('INSERT INTO w VALUES (1)');

  await t.test(
    'rpl_sync: with the only synchronous standby stopped, a commit waits; once it is back the row is there',
    async () => {
      await signalPod(s.ns, 'pg-node-1', 'SIGSTOP');
      let acked = false;
      const insert = primary.query('INSERT INTO w VALUES (2)').then(() => {
        acked = true;
      });
      await sleep(2000);
      assert.equal(acked, false, 'the commit is not acknowledged while the synchronous standby is stopped');
      const watcher = await s.connect('pg-node-0');
      const waiting = await watcher.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event = 'SyncRep'",
      );
      await watcher.end();
      assert.equal(waiting.rows[0].n, 1, 'the session waits for synchronous replication');
      await signalPod(s.ns, 'pg-node-1', 'SIGCONT');
      await insert;
      const standby = await s.connect('pg-node-1');
      const rows = (await standby.query('SELECT id FROM w ORDER BY id')).rows.map((r) => r.id);
      await standby.end();
      assert.deepEqual(rows, [1, 2], 'every acknowledged commit is on the standby');
    },
  );

  await t.test(
    'a switchover to a standby that does not stream is refused, once, and the primary keeps serving',
    async () => {
      await s.patch({ spec: { mode: 'rpl_async', standby: [host('pg-node-1'), host('pg-node-2')] } });
      await s.waitReady('async with two standbys (pg-node-2 seeded)', 120_000);
      // isolated, pg-node-2 streams from nobody: then the spec names it primary
      await s.patch({ spec: { standby: [host('pg-node-1'), { ...host('pg-node-2'), isolated: true }] } });
      await s.waitReady('pg-node-2 isolated', 60_000);
      await s.patch({ spec: { primary: host('pg-node-2'), standby: [host('pg-node-0'), host('pg-node-1')] } });
      const refused = await eventually(
        'Switchover refused',
        async () => {
          const c = (await s.get()).status?.conditions?.find((x) => x.type === 'Switchover');
          return c?.reason === 'SwitchoverRefused' ? c : false;
        },
        60_000,
        200,
      );
      assert.match(refused.message, /not streaming/);
      await sleep(3000);
      const events = await (await core()).listNamespacedEvent({ namespace: s.ns });
      const refusals = events.items.filter((e) => e.reason === 'SwitchoverRefused');
      const times = refusals.reduce((n, e) => n + (e.series?.count ?? e.count ?? 1), 0);
      assert.equal(times, 1, 'not retried in a tight loop');
      assert.equal((await primary.query('SELECT pg_is_in_recovery() AS r')).rows[0].r, false);
      await primary.query('INSERT INTO w VALUES (10)');
      await s.patch({ spec: { primary: host('pg-node-0'), standby: [host('pg-node-1'), host('pg-node-2')] } });
      await s.waitReady('back to pg-node-0 with two standbys', 60_000);
    },
  );
  await primary.end();

  await t.test('primary dead, promoted by spec; the old primary returns without accepting writes', async () => {
    await s.patch({ spec: { mode: 'rpl_async', standby: [host('pg-node-1'), host('pg-node-2')] } });
    await s.waitReady('async with two standbys', 120_000);
    // the primary hangs (as a dead machine would: connections time out)
    await signalPod(s.ns, 'pg-node-0', 'SIGSTOP');
    t.after(() => signalPod(s.ns, 'pg-node-0', 'SIGCONT').catch(() => {}));
    await s.patch({ spec: { primary: host('pg-node-1'), standby: [host('pg-node-0'), host('pg-node-2')] } });
    await eventually(
      'pg-node-1 promoted',
      async () => (await s.get()).status?.topology?.['pg-node-1']?.role === 'Primary',
      60_000,
      200,
    );
    // from the promotion on, the old primary must never carry the read-write label again
    let rwSeenOnOld = false;
    let watching = true;
    const labelWatch = (async () => {
      while (watching) {
        const p = await (await core()).readNamespacedPod({ name: 'pg-node-0', namespace: s.ns });
        if (p.metadata?.labels?.[LABELS.readonly] === 'false') rwSeenOnOld = true;
        await sleep(100);
      }
    })();
    const c = await s.connect('pg-node-1');
    await c.query('INSERT INTO w VALUES (3)');
    await c.end();
    // the old primary comes back: killed while hung, its container restarts and crash recovery runs
    await signalPod(s.ns, 'pg-node-0', 'SIGKILL');
    const back = await eventually(
      'the old primary back as a standby or reported Diverged',
      async () => {
        const o = await s.get();
        const n = o.status?.topology?.['pg-node-0'];
        return n?.role === 'Standby' && (n.ready || n.diverged) ? n : false;
      },
      120_000,
      250,
    );
    const old = await s.connect('pg-node-0');
    await assert.rejects(old.query('CREATE TABLE intruder (x int)'), /read-only|recovery/);
    await old.end();
    assert.deepEqual(await s.selected(`${s.name}-readwrite`), ['pg-node-1']);

    if (back.diverged) {
      await s.patch({ metadata: { annotations: { [REBUILD_ANNOTATION]: 'true' } } });
    }
    await s.waitReady('the old primary streams from the new one', 180_000);
    const replica = await s.connect('pg-node-0');
    await eventually(
      'row 3 on the old primary',
      async () => (await replica.query('SELECT count(*)::int AS n FROM w WHERE id = 3')).rows[0].n === 1,
      30_000,
      200,
    );
    await replica.end();
    watching = false;
    await labelWatch;
    assert.equal(rwSeenOnOld, false, 'the old primary never carried the read-write label after the promotion');
  });
});
