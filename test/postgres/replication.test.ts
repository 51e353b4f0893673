/**
 * PostgresReplication on real postgres:15 pods run by the node agent: the sample verbatim becomes ready (standbys
 * seeded by base backup), data flows to both standbys, the Services select the right pods, and switchovers back
 * and forth under a writer lose no acknowledged commit while every old primary streams again on a new timeline.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import { eventually } from '../support/wait.ts';
import { setupPostgres } from './fixture.ts';

test('PostgresReplication: sample ready, data on standbys, Services, 5 switchovers under writes with 0 lost', async (t) => {
  const s = await setupPostgres(t, 'pr-e2e');
  const ready = await s.waitReady('the sample ready', 180_000);
  assert.equal(ready.status?.topology?.['pg-node-0']?.role, 'Primary');
  assert.equal(ready.status?.topology?.['pg-node-1']?.role, 'Standby');
  assert.equal(ready.status?.topology?.['pg-node-2']?.role, 'Standby');
  assert.deepEqual(await s.selected(`${s.name}-readwrite`), ['pg-node-0']);
  assert.deepEqual(await s.selected(`${s.name}-readonly`), ['pg-node-1', 'pg-node-2']);

  const primary = await s.connect('pg-node-0');
  await primary.query('CREATE TABLE w (id int PRIMARY KEY)');
  await primary.end();
  for (const n of ['pg-node-1', 'pg-node-2']) {
    await eventually(
      `table visible on ${n}`,
      async () => {
        const c = await s.connect(n);
        try {
          return (await c.query("SELECT to_regclass('public.w') AS t")).rows[0].t === 'w';
        } finally {
          await c.end();
        }
      },
      30_000,
      100,
    );
  }

  await t.test('5 switchovers under a writer: every acknowledged commit survives', async () => {
    let target = 'pg-node-0';
    let stop = false;
    const acked: number[] = [];
    let next = 1;
    const writer = (async () => {
      let c: pg.Client | undefined;
      while (!stop) {
        try {
          c ??= await s.connect(target);
          await c.query('INSERT INTO w VALUES ($1)', [next]);
          acked.push(next);
          next++;
        } catch {
          await c?.end().catch(() => {});
          c = undefined;
          next++; // the outcome of that insert is unknown: never reuse its id
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      await c?.end().catch(() => {});
    })();
    t.after(() => {
      stop = true;
    });
    const order = ['pg-node-1', 'pg-node-0', 'pg-node-2', 'pg-node-0', 'pg-node-1'];
    let timeline = ready.status?.topology?.['pg-node-0']?.timeline ?? 1;
    let current = 'pg-node-0';
    for (const to of order) {
      const before = acked.length;
      await eventually('writes before the switchover', async () => acked.length > before + 20, 30_000, 50);
      const standbys = ['pg-node-0', 'pg-node-1', 'pg-node-2']
        .filter((n) => n !== to)
        .map((n) => ({ name: n, host: `${n}.default.svc.cluster.local`, port: 5432 }));
      await s.patch({
        spec: { primary: { name: to, host: `${to}.default.svc.cluster.local`, port: 5432 }, standby: standbys },
      });
      target = to;
      const after = await s.waitReady(`switchover to ${to} complete`, 120_000).catch(async (err) => {
        stop = true;
        throw new Error(`${(err as Error).message}; status: ${JSON.stringify((await s.get()).status)}`);
      });
      const topo = after.status!.topology!;
      assert.equal(topo[to].role, 'Primary');
      assert.ok(topo[to].timeline! > timeline, `timeline advanced on ${to}`);
      timeline = topo[to].timeline!;
      assert.equal(topo[current].role, 'Standby', `old primary ${current} is a standby`);
      assert.equal(topo[current].ready, true, `old primary ${current} streams from ${to}`);
      assert.equal(topo[current].timeline, timeline, `old primary ${current} on the new timeline`);
      assert.deepEqual(await s.selected(`${s.name}-readwrite`), [to]);
      const events = await s.get();
      assert.equal(events.status?.conditions?.find((c) => c.type === 'Switchover')?.reason, 'SwitchoverSucceeded');
      current = to;
    }
    stop = true;
    await writer;
    const c = await s.connect(current);
    const rows = new Set((await c.query('SELECT id FROM w')).rows.map((r) => r.id as number));
    await c.end();
    const lost = acked.filter((id) => !rows.has(id));
    assert.ok(acked.length > 100, `the writer got commits acknowledged (${acked.length})`);
    assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged commits lost`);
  });
});
