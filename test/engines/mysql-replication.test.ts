import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connectNode, observeNode, SEED_MARKER_SCHEMA, seedReplica } from '../../src/engines/mysql/index.ts';
import { type MariadbServer, startMariadbServers, withAdmin } from '../support/mariadb.ts';
import { eventually } from '../support/wait.ts';
import { type Harness, harness, REPLICATION } from './mysqlHarness.ts';

// started at the top level so that `after` registers on the file, not on a hook
const servers: MariadbServer[] = await startMariadbServers(4, { cleanup: after });
const h: Harness = harness(servers.slice(0, 3));
after(() => h.close());

const count = (s: MariadbServer, table = 'app.t') =>
  withAdmin(s, async (c) => {
    const [rows] = await c.query(`SELECT COUNT(*) AS n FROM ${table}`);
    return Number((rows as Array<{ n: number }>)[0].n);
  }).catch(() => -1);

test('1 source + 2 replicas: replication runs and 1000 rows arrive on both replicas', async () => {
  const desired = h.desired('node-0', ['node-1', 'node-2']);
  const results = await h.converge(desired);
  assert.ok(
    results.every((r) => r.ok),
    JSON.stringify(results),
  );
  assert.ok(results.some((r) => r.step.kind === 'createReplicationUser'));
  assert.equal(results.filter((r) => r.step.kind === 'changeSource').length, 2);
  // converged: a second pass plans nothing
  assert.deepEqual(await h.converge(desired), []);

  await withAdmin(servers[0], async (c) => {
    await c.query('CREATE DATABASE app');
    await c.query('CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(32))');
    const values = Array.from({ length: 1000 }, (_, i) => [i + 1, `row ${i + 1}`]);
    await c.query('INSERT INTO app.t (id, v) VALUES ?', [values]);
  });
  for (const s of servers.slice(1, 3)) {
    await eventually(`1000 rows on ${s.name}`, async () => (await count(s)) === 1000, 30_000);
  }
  const s1 = await h.open('node-1');
  try {
    const state = await observeNode(s1);
    assert.equal(state.role, 'Replica');
    assert.equal(state.readOnly, true);
    assert.equal(state.replication?.sourceHost, servers[0].host);
    assert.equal(state.replication?.ioRunning, 'Yes');
    assert.equal(state.replication?.sqlRunning, 'Yes');
    assert.equal(state.replication?.usesGtid, true);
    assert.equal(typeof state.replication?.secondsBehindSource, 'number');
  } finally {
    await s1.close();
  }
});

test('semi-sync mode sets the semi-sync variables on source and replicas', async () => {
  const desired = h.desired('node-0', ['node-1', 'node-2'], 'semisync');
  const results = await h.converge(desired);
  assert.ok(
    results.every((r) => r.ok),
    JSON.stringify(results),
  );
  const src = await h.open('node-0');
  try {
    const state = await eventually('2 semi-sync clients', async () => {
      const st = await observeNode(src);
      return st.semiSync.clients === 2 && st;
    });
    assert.equal(state.semiSync.sourceEnabled, true);
    assert.equal(state.semiSync.waitPoint, 'AFTER_SYNC');
  } finally {
    await src.close();
  }
  for (const name of ['node-1', 'node-2']) {
    const s = await h.open(name);
    try {
      assert.equal((await observeNode(s)).semiSync.replicaEnabled, true, name);
    } finally {
      await s.close();
    }
  }
  // back to async: the variables are switched off again
  assert.ok((await h.converge(h.desired('node-0', ['node-1', 'node-2']))).every((r) => r.ok));
  const s = await h.open('node-1');
  try {
    assert.equal((await observeNode(s)).semiSync.replicaEnabled, false);
  } finally {
    await s.close();
  }
});

test('an errant transaction on a replica is detected and the replica is not re-pointed', async () => {
  await withAdmin(servers[2], async (c) => {
    // root holds READ ONLY ADMIN on MariaDB, so read_only does not stop this write: the classic errant write
    await c.query('INSERT INTO app.t (id, v) VALUES (100001, ?)', ['errant']);
  });
  const results = await h.converge(h.desired('node-0', ['node-1', 'node-2']));
  const blocked = results.find((r) => r.step.kind === 'blocked');
  assert.ok(blocked, JSON.stringify(results));
  assert.equal(blocked.code, 'ERR_MYSQL_ERRANT_TRANSACTIONS');
  assert.equal(blocked.step.kind === 'blocked' && blocked.step.node, 'node-2');
  assert.match(blocked.message ?? '', new RegExp(`0-${servers[2].serverId}-\\d+`));
  // node-1 is clean and stays untouched
  assert.ok(!results.some((r) => r.step.kind !== 'blocked' && 'node' in r.step && r.step.node === 'node-1'));
});

test('a new replica is seeded from the existing data and then replicates (after a half-done seed; an account created during the copy)', async (t) => {
  const fresh = servers[3];
  await withAdmin(servers[0], async (c) => {
    await c.query(`CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'App-pw-1'`);
    await c.query(`GRANT SELECT, INSERT ON app.* TO 'app'@'%'`);
  });
  // what a seed that died half-way leaves: its marker and part of the data (never binlogged)
  await withAdmin(fresh, async (c) => {
    await c.query('SET SESSION sql_log_bin = 0');
    await c.query(`CREATE DATABASE ${SEED_MARKER_SCHEMA}`);
    await c.query('CREATE DATABASE app');
    await c.query('CREATE TABLE app.t (id INT PRIMARY KEY, v TEXT)');
    await c.query("INSERT INTO app.t VALUES (1, 'partial')");
  });
  // an account is created on the source after the dump's position and before the accounts are copied: the
  // replica gets it from the copy AND from replication, which must not stop the SQL thread
  const dir = await mkdtemp(join(tmpdir(), 'seed-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const dumpCommand = join(dir, 'dump-then-create-user');
  await writeFile(
    dumpCommand,
    `#!/bin/sh\nmariadb-dump "$@" || exit $?\nmariadb --host=${servers[0].host} --port=${servers[0].port} --user=${servers[0].admin.user} -e "CREATE USER 'late'@'%' IDENTIFIED BY 'Late-pw-1'" >&2 || exit 3\n`,
    { mode: 0o755 },
  );
  const replica = await connectNode({ host: fresh.host, port: fresh.port }, fresh.admin);
  try {
    const result = await seedReplica({
      dumpCommand,
      source: { address: { host: servers[0].host, port: servers[0].port }, login: servers[0].admin },
      replica,
      replicaLogin: fresh.admin,
      sourceForReplica: { host: servers[0].host, port: servers[0].port },
      replication: REPLICATION,
      openSourceSession: () => h.open('node-0'),
    });
    assert.deepEqual(result.databases, ['app']);
    assert.match(result.position, /^0-\d+-\d+$/);
    assert.ok(result.accounts >= 2, `accounts copied: ${result.accounts}`);
    assert.equal(await count(fresh), 1000);
    await withAdmin(servers[0], (c) => c.query('INSERT INTO app.t (id, v) VALUES (2001, ?)', ['after seed']));
    await eventually('the post-seed row on the seeded replica', async () => (await count(fresh)) === 1001, 30_000);
    const state = await observeNode(replica);
    assert.equal(state.replication?.sqlRunning, 'Yes');
    assert.equal(state.readOnly, true);
    // the copy made no GTIDs of the replica's own: nothing errant
    assert.doesNotMatch(state.gtid.binlogState ?? '', new RegExp(`-${fresh.serverId}-`));
    // the copied app account logs in on the replica, and so does the one created during the copy
    const app = await connectNode({ host: fresh.host, port: fresh.port }, { user: 'app', password: 'App-pw-1' });
    await app.close();
    const late = await connectNode({ host: fresh.host, port: fresh.port }, { user: 'late', password: 'Late-pw-1' });
    await late.close();
    const after = await eventually('replication running after the replayed CREATE USER', async () => {
      const s = await observeNode(replica);
      return s.replication?.sqlRunning === 'Yes' && s.replication.lastSqlError === '' && s;
    });
    assert.equal(after.replication?.ioRunning, 'Yes');
    const schemas = await withAdmin(fresh, async (c) => {
      const [r] = await c.query('SHOW DATABASES');
      return (r as Array<{ Database: string }>).map((x) => x.Database);
    });
    assert.ok(!schemas.includes(SEED_MARKER_SCHEMA), 'the seed marker stays behind');
  } finally {
    await replica.close();
  }
});

test('the source is gone: the named replica is promoted after applying everything it received', async () => {
  await servers[0].stop();
  const started = Date.now();
  const results = await h.converge(h.desired('node-1', ['node-2']), { confirmation: { probes: 3, windowMs: 1000 } });
  const promote = results.find((r) => r.step.kind === 'promote');
  assert.ok(promote?.ok, JSON.stringify(results));
  // a failover, and only after the confirmation window
  assert.match(promote.step.kind === 'promote' ? promote.step.reason : '', /node-0 stayed unreachable/);
  assert.ok(Date.now() - started >= 1000, 'promoted before the confirmation window ended');
  const s1 = await h.open('node-1');
  try {
    const st = await observeNode(s1);
    assert.equal(st.role, 'Source');
    assert.equal(st.readOnly, false);
  } finally {
    await s1.close();
  }
  // every row the old source had sent is there (1000 + the row written after the seed)
  assert.equal(await count(servers[1]), 1001);
});
