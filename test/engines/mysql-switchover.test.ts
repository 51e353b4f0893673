import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { observeNode } from '../../src/engines/mysql/index.ts';
import { type MariadbServer, startMariadbServers, withAdmin } from '../support/mariadb.ts';
import { eventually } from '../support/wait.ts';
import { harness } from './mysqlHarness.ts';

const servers: MariadbServer[] = await startMariadbServers(3, { cleanup: after });
const h = harness(servers);
after(() => h.close());
const APP = { user: 'app', password: 'App-pw-1' };

/**
 * An application writer: inserts rows with ids it chooses, through an account WITHOUT READ ONLY ADMIN (as an
 * application's should be), always at the server the test says is the source. Only rows whose INSERT returned OK
 * count as acknowledged.
 */
function startWriter(target: () => MariadbServer) {
  const acked: number[] = [];
  let nextId = 1;
  let errors = 0;
  let stopped = false;
  let lastAckAt = Date.now();
  const gaps: number[] = [];
  const done = (async () => {
    let conn: mysql.Connection | undefined;
    let connectedTo: MariadbServer | undefined;
    while (!stopped) {
      try {
        if (!conn || connectedTo !== target()) {
          await conn?.end().catch(() => {});
          connectedTo = target();
          conn = await mysql.createConnection({
            host: connectedTo.host,
            port: connectedTo.port,
            ...APP,
            connectTimeout: 2000,
          });
          conn.on('error', () => {});
        }
        const id = nextId++;
        await conn.query('INSERT INTO app.w (id) VALUES (?)', [id]);
        acked.push(id);
        const now = Date.now();
        gaps.push(now - lastAckAt);
        lastAckAt = now;
      } catch {
        errors++;
        conn?.destroy();
        conn = undefined;
        await sleep(5);
      }
    }
    await conn?.end().catch(() => {});
  })();
  return {
    acked,
    get errors() {
      return errors;
    },
    maxGapMs: () => Math.max(0, ...gaps),
    async stop() {
      stopped = true;
      await done;
    },
  };
}

test('switchover under continuous inserts, back and forth 5 times: zero acknowledged writes lost', async (t) => {
  assert.ok((await h.converge(h.desired('node-0', ['node-1', 'node-2']))).every((r) => r.ok));
  await withAdmin(servers[0], async (c) => {
    await c.query('CREATE DATABASE app');
    await c.query('CREATE TABLE app.w (id INT PRIMARY KEY, at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6))');
    await c.query(`CREATE USER 'app'@'%' IDENTIFIED BY ?`, [APP.password]);
    await c.query(`GRANT SELECT, INSERT ON app.* TO 'app'@'%'`);
  });
  let current = servers[0];
  const writer = startWriter(() => current);
  t.after(() => writer.stop());
  await eventually('first acknowledged writes', async () => writer.acked.length > 20);

  const timings: Array<{ to: string; writeUnavailableMs: number; catchUpMs: number; killed: number }> = [];
  for (let i = 0; i < 5; i++) {
    const [to, others] = i % 2 === 0 ? ['node-1', ['node-0', 'node-2']] : ['node-0', ['node-1', 'node-2']];
    const ackedBefore = writer.acked.length;
    const results = await h.converge(h.desired(to, others), { catchUpTimeoutMs: 20_000 });
    const sw = results.find((r) => r.step.kind === 'switchover');
    assert.ok(sw?.ok, JSON.stringify(results));
    assert.ok(
      results.every((r) => r.ok),
      JSON.stringify(results),
    );
    assert.equal(sw.switchover?.outcome, 'promoted');
    if (sw.switchover?.outcome === 'promoted') {
      assert.deepEqual(sw.switchover.repointFailures, []);
      timings.push({
        to,
        writeUnavailableMs: sw.switchover.writeUnavailableMs,
        catchUpMs: sw.switchover.catchUpMs,
        killed: sw.switchover.killedSessions,
      });
    }
    current = h.byName[to];
    // the writer gets going again on the new source before the next round
    await eventually(`writes acknowledged by ${to}`, async () => writer.acked.length > ackedBefore + 20, 30_000);
  }
  await writer.stop();

  const final = current;
  const rowsOn = (s: MariadbServer) =>
    withAdmin(s, async (c) => {
      const [rows] = await c.query('SELECT id FROM app.w');
      return new Set((rows as Array<{ id: number }>).map((r) => r.id));
    });
  const present = await rowsOn(final);
  const lost = writer.acked.filter((id) => !present.has(id));
  console.log(
    JSON.stringify({
      switchovers: timings.length,
      acked: writer.acked.length,
      lost: lost.length,
      errors: writer.errors,
      maxGapMs: writer.maxGapMs(),
      timings,
    }),
  );
  assert.equal(lost.length, 0, `lost acknowledged ids: ${lost.slice(0, 20).join(', ')}`);
  assert.ok(writer.acked.length > 100, `only ${writer.acked.length} writes acknowledged`);

  // after 5 rounds node-1 is the source; the last old source (node-0) is read-only and replicates from it; every
  // node has every row
  assert.equal(final, servers[1]);
  const old = await h.open('node-0');
  try {
    const st = await eventually('old source replicating', async () => {
      const s = await observeNode(old);
      return s.replication?.ioRunning === 'Yes' && s.replication.sqlRunning === 'Yes' && s;
    });
    assert.equal(st.readOnly, true);
    assert.equal(st.replication?.sourceHost, final.host);
  } finally {
    await old.close();
  }
  for (const s of servers) {
    await eventually(`all acknowledged rows on ${s.name}`, async () => {
      const rows = await rowsOn(s);
      return writer.acked.every((id) => rows.has(id));
    });
  }
  // and none of them holds an errant transaction: a further pass plans nothing
  assert.deepEqual(await h.converge(h.desired('node-1', ['node-0', 'node-2'])), []);
});

test('a candidate that cannot catch up is refused and the old source is writable again', async () => {
  // node-1 is the source after the previous test; stall node-2's applier with a global read lock
  const blocker = await mysql.createConnection({ host: servers[2].host, port: servers[2].port, ...servers[2].admin });
  try {
    await blocker.query('FLUSH TABLES WITH READ LOCK');
    await withAdmin(servers[1], (c) => c.query('INSERT INTO app.w (id) VALUES (?)', [9_000_001]));
    const started = Date.now();
    const results = await h.converge(h.desired('node-2', ['node-1', 'node-0']), { catchUpTimeoutMs: 1500 });
    const sw = results.find((r) => r.step.kind === 'switchover');
    assert.ok(sw && !sw.ok, JSON.stringify(results));
    assert.equal(sw.code, 'ERR_MYSQL_CATCHUP_TIMEOUT');
    // the lag pre-check refuses before the fence: the old source never stopped taking writes
    assert.match(
      sw.message ?? '',
      /did not apply .* within 1500 ms while .* was still writable; switchover refused before fencing/,
    );
    assert.ok(Date.now() - started < 15_000);
    assert.equal(sw.switchover?.outcome === 'refused' && sw.switchover.unfenced, false);
    assert.equal(sw.switchover?.outcome === 'refused' && sw.switchover.writeStallMs, 0);

    // the old source takes writes from the application again
    const app = await mysql.createConnection({ host: servers[1].host, port: servers[1].port, ...APP });
    try {
      await app.query('INSERT INTO app.w (id) VALUES (?)', [9_000_002]);
    } finally {
      await app.end();
    }
    const s0 = await h.open('node-1');
    const s2 = await h.open('node-2');
    try {
      const st0 = await observeNode(s0);
      assert.equal(st0.readOnly, false);
      assert.equal(st0.role, 'Source');
      const st2 = await observeNode(s2);
      assert.equal(st2.role, 'Replica');
      assert.equal(st2.readOnly, true);
    } finally {
      await s0.close();
      await s2.close();
    }
  } finally {
    await blocker.end();
  }
  // released, the candidate catches up and the same switchover now succeeds
  const results = await h.converge(h.desired('node-2', ['node-1', 'node-0']), { catchUpTimeoutMs: 20_000 });
  assert.ok(
    results.every((r) => r.ok),
    JSON.stringify(results),
  );
  const rows = await withAdmin(servers[2], async (c) => {
    const [r] = await c.query('SELECT COUNT(*) AS n FROM app.w WHERE id IN (9000001, 9000002)');
    return Number((r as Array<{ n: number }>)[0].n);
  });
  assert.equal(rows, 2);
});

test('long writers with longWriters: refuse — refused naming the connection, nothing fenced, the transaction lives on', async () => {
  // node-2 is the source after the previous test
  const writer = await mysql.createConnection({ host: servers[2].host, port: servers[2].port, ...servers[2].admin });
  try {
    await writer.query('START TRANSACTION');
    await writer.query('INSERT INTO app.w (id) VALUES (?)', [7_000_001]);
    const [[{ id }]] = (await writer.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
    // INNODB_TRX.trx_started and NOW() have one-second resolution, so "open longer than 1 s" is only certain after
    // 2 s of wall time (a 1.5 s wait failed in CI when the transaction started early in a second).
    await sleep(2500);
    const results = await h.converge(h.desired('node-0', ['node-1', 'node-2']), {
      longWriters: 'refuse',
      longWriterSeconds: 1,
      catchUpTimeoutMs: 10_000,
    });
    const sw = results.find((r) => r.step.kind === 'switchover');
    assert.equal(sw?.code, 'ERR_MYSQL_LONG_TRANSACTION', JSON.stringify(results));
    assert.match(sw?.message ?? '', new RegExp(`connection ${id} \\(\\d+ s\\)`));
    assert.equal(sw?.switchover?.outcome === 'refused' && sw.switchover.writeStallMs, 0);
    await writer.query('COMMIT'); // its session was not killed
  } finally {
    await writer.end();
  }
  const s2 = await h.open('node-2');
  try {
    assert.equal((await observeNode(s2)).readOnly, false);
  } finally {
    await s2.close();
  }
});

test('a root session writing during the fence is stopped: FLUSH TABLES WITH READ LOCK + KILL', async (t) => {
  // node-2 is the source now. A READ ONLY ADMIN holder (root) keeps inserting; read_only alone would not stop it.
  let rootAcked = 0;
  const ackedIds: number[] = [];
  let stop = false;
  const rootWriter: Promise<void> = (async () => {
    let id = 8_000_000;
    while (!stop) {
      try {
        await withAdmin(servers[2], async (c) => {
          while (!stop) {
            await c.query('INSERT INTO app.w (id) VALUES (?)', [++id]);
            ackedIds.push(id);
            rootAcked++;
          }
        });
      } catch {
        await sleep(5);
      }
    }
  })();
  t.after(async () => {
    stop = true;
    await rootWriter;
  });
  await eventually('root writes', async () => rootAcked > 20);
  const results = await h.converge(h.desired('node-0', ['node-1', 'node-2']), { catchUpTimeoutMs: 20_000 });
  const sw = results.find((r) => r.step.kind === 'switchover');
  assert.ok(sw?.ok, JSON.stringify(results));
  stop = true;
  await rootWriter;
  // every write root got acknowledged BEFORE the fence is on the new source; those after the switchover landed on
  // the demoted node-2 (root bypasses read_only) and show up as errant transactions rather than vanishing silently
  const onNew = await withAdmin(servers[0], async (c) => {
    const [r] = await c.query('SELECT id FROM app.w WHERE id > 8000000');
    return new Set((r as Array<{ id: number }>).map((x) => x.id));
  });
  const fencedAt = sw.switchover?.outcome === 'promoted' ? sw.switchover.fencedPosition : '';
  assert.ok(fencedAt);
  const missing = ackedIds.filter((id) => !onNew.has(id));
  if (missing.length) {
    const plan = await h.converge(h.desired('node-0', ['node-1', 'node-2']));
    assert.ok(
      plan.some((r) => r.code === 'ERR_MYSQL_ERRANT_TRANSACTIONS'),
      `lost without errant report: ${missing.length}`,
    );
  }
});

test('a candidate with errant transactions is refused before any fence', async () => {
  // a write on the replica node-1 itself (root bypasses read_only): a GTID the source never had
  await withAdmin(servers[1], (c) => c.query('INSERT INTO app.w (id) VALUES (?)', [7_000_002]));
  const results = await h.converge(h.desired('node-1', ['node-0', 'node-2']), { catchUpTimeoutMs: 10_000 });
  const sw = results.find((r) => r.step.kind === 'switchover');
  assert.equal(sw?.code, 'ERR_MYSQL_ERRANT_TRANSACTIONS', JSON.stringify(results));
  assert.match(sw?.message ?? '', new RegExp(`0-${servers[1].serverId}-\\d+`));
  assert.equal(sw?.switchover?.outcome === 'refused' && sw.switchover.unfenced, false);
  const s0 = await h.open('node-0');
  try {
    assert.equal((await observeNode(s0)).readOnly, false);
  } finally {
    await s0.close();
  }
});
