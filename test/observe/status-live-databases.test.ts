/**
 * `statecraft status --live` asks a MysqlReplication's databases themselves (three real MariaDB pods): the
 * observed roles, read_only, replication threads, lag and GTID position appear beside status, follow a
 * switchover, a server that contradicts status is flagged, a frozen server shows its error within the per-node
 * bound, and no password reaches the output (Redis and PostgreSQL pods likewise).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { installCrds } from '../../src/apis/install.ts';
import { controllers } from '../../src/controllers/index.ts';
import { connectNode } from '../../src/engines/mysql/index.ts';
import type { LiveReport } from '../../src/observe/live/index.ts';
import { apply, readyPod } from '../devcluster/pods.ts';
import { CREDS, setupPostgres } from '../postgres/fixture.ts';
import { startManager } from '../runtime/support.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { faults } from '../support/faults.ts';
import {
  ADMIN_PW,
  GROUP,
  mysqlReplicationCr,
  patchSwitchover,
  REPL_PW,
  replicationFixture,
} from '../support/mysqlReplicationFixture.ts';
import {
  REDIS_PW,
  redisReplicationCr,
  redisReplicationFixture,
  redisReplications,
} from '../support/redisReplicationFixture.ts';
import { eventually } from '../support/wait.ts';

const NODES = ['db-0', 'db-1', 'db-2'];

/** `status mysqlreplication/mr --live [-o json]` as a user runs it; `out` is everything it printed. */
function liveStatus(kubeconfig: string, ns: string, json: boolean, target = 'mysqlreplication/mr') {
  const child = spawn(
    process.execPath,
    [
      'bin/statecraft.js',
      'status',
      target,
      '-n',
      ns,
      '--kubeconfig',
      kubeconfig,
      '--live',
      ...(json ? ['-o', 'json'] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  const seen = { out: '', err: '' };
  child.stdout.on('data', (b) => {
    seen.out += b;
  });
  child.stderr.on('data', (b) => {
    seen.err += b;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lastLive = (): LiveReport | undefined => {
    const lines = seen.out.split('\n').filter(Boolean);
    for (let i = lines.length - 1; i >= 0; i--) {
      const r = JSON.parse(lines[i]) as { live?: LiveReport };
      if (r.live) return r.live;
    }
    return undefined;
  };
  return { child, seen, exited, lastLive };
}

const node = (live: LiveReport | undefined, name: string) => live?.nodes.find((n) => n.name === name);

/** every node as the server says: `source` writable, the others replicas of it with threads up and read_only ON */
function agreesWith(live: LiveReport | undefined, source: string): boolean {
  if (live?.nodes.length !== 3) return false;
  return live.nodes.every((n) => {
    const o = n.observed;
    if (o.error || n.disagreements.length || typeof o.position !== 'string') return false;
    if (n.name === source) return o.role === 'source' && o.readOnly === false && n.status?.role === 'source';
    return (
      o.role === 'replica' &&
      o.readOnly === true &&
      o.linkUp === true &&
      o.link === 'IO Yes, SQL Yes' &&
      o.source === source &&
      typeof o.lagSeconds === 'number'
    );
  });
}

test('status --live shows what each MariaDB server says beside status and flags disagreement', async (t) => {
  const ns = await testNamespace(t, 'live');
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  const core = cluster.kc.makeApiClient(k8s.CoreV1Api);
  await apply(ns, replicationFixture(NODES));
  await Promise.all(NODES.map((n) => readyPod(ns, n, { timeoutMs: 180_000 })));
  const mgr = await startManager(
    t,
    controllers({ addressMode: 'pod-ip', mysqlReplication: { resyncMs: 1000 }, only: ['mysqlreplication'] }),
    { namespaces: [ns] },
  );
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: 'v1alpha1',
    namespace: ns,
    plural: 'mysqlreplications',
    body: mysqlReplicationCr('mr', ns, 'db-0', ['db-1', 'db-2']),
  });

  const json = liveStatus(cluster.kubeconfigPath, ns, true);
  t.after(() => json.child.kill('SIGKILL'));
  await eventually(
    'the databases agree: db-0 source, db-1 and db-2 read-only replicas',
    async () => agreesWith(json.lastLive(), 'db-0'),
    60_000,
    250,
  );
  // one write on the source: its GTID shows on the source and, once applied, on both replicas
  const ipOf = async (name: string) => (await core.readNamespacedPod({ name, namespace: ns })).status?.podIP ?? '';
  const asAdmin = async (name: string, sql: string) => {
    const s = await connectNode({ host: await ipOf(name), port: 3306 }, { user: 'mysql', password: ADMIN_PW });
    try {
      await s.run({ sql });
    } finally {
      await s.close();
    }
  };
  await asAdmin('db-0', 'INSERT INTO app.w VALUES (1)');
  const positions = await eventually(
    'the written GTID on every node',
    async () => {
      const live = json.lastLive();
      const p = NODES.map((n) => node(live, n)?.observed.position ?? '');
      return /^\d+-\d+-\d+$/.test(p[0]) && p.every((x) => x === p[0]) && p;
    },
    15_000,
    250,
  );
  console.log(`GTID position observed on every node: ${positions[0]}`);

  const started = performance.now();
  await patchSwitchover(custom, ns, 'mr', 'db-1', ['db-0', 'db-2']);
  await eventually(
    'after the switchover the servers say db-1 is the source',
    async () => agreesWith(json.lastLive(), 'db-1'),
    60_000,
    250,
  );
  console.log(`observed roles moved ${Math.round(performance.now() - started)} ms after the spec patch`);

  // with the operator stopped (nothing corrects the server), make replica db-2 writable behind its back
  await mgr.stop();
  await asAdmin('db-2', 'SET GLOBAL read_only = OFF');
  const flagged = await eventually(
    'status --live flags the writable replica',
    async () => {
      const n = node(json.lastLive(), 'db-2');
      return n?.observed.readOnly === false && n.disagreements.includes('replica is writable') && n;
    },
    15_000,
    250,
  );
  assert.equal(flagged.status?.role, 'replica', 'status (written by the operator) still says replica');

  // the table beside it: the same observation in columns
  const text = liveStatus(cluster.kubeconfigPath, ns, false);
  t.after(() => text.child.kill('SIGKILL'));
  await eventually(
    'the text view shows the databases',
    async () => /Databases \(observed/.test(text.seen.out),
    30_000,
    250,
  );
  assert.match(text.seen.out, /db-1\s+Source\s+Source\s+OFF\s+-\s+-\s+-\s+\d+-\d+-\d+\s+agrees/);
  assert.match(text.seen.out, /db-0\s+Replica\s+Replica\s+ON\s+IO Yes, SQL Yes\s+db-1\s+\d+/);
  assert.match(text.seen.out, /db-2\s+Replica\s+Replica\s+OFF\s+.*replica is writable/);

  // a server that does not answer (frozen: the TCP handshake works, the greeting never comes): its error within
  // the per-node bound, the others still observed
  const thaw = await faults(t).freezePod(ns, 'db-0');
  const frozenAt = performance.now();
  const stuck = await eventually(
    'status --live shows the frozen db-0 as unreachable while db-1 and db-2 answer',
    async () => {
      const live = json.lastLive();
      const n = node(live, 'db-0');
      return (
        !!n?.observed.error &&
        n.disagreements.includes('unreachable') &&
        node(live, 'db-1')?.observed.role === 'source' &&
        node(live, 'db-2')?.observed.readOnly === false &&
        n
      );
    },
    20_000,
    250,
  );
  console.log(`frozen db-0 reported after ${Math.round(performance.now() - frozenAt)} ms: ${stuck.observed.error}`);
  thaw();

  for (const w of [json, text]) {
    w.child.kill('SIGINT');
    assert.equal(await w.exited, 0, 'status --live ends cleanly on Ctrl-C');
    for (const pw of [ADMIN_PW, REPL_PW]) {
      assert.ok(!w.seen.out.includes(pw) && !w.seen.err.includes(pw), 'no password in the output');
    }
  }
});

test('status --live shows what each Redis server says and follows a switchover', async (t) => {
  const nodes = ['rr-0', 'rr-1', 'rr-2'];
  const ns = await testNamespace(t, 'liverr');
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  await apply(ns, redisReplicationFixture(nodes));
  await Promise.all(nodes.map((n) => readyPod(ns, n)));
  await startManager(
    t,
    controllers({ addressMode: 'pod-ip', redisReplication: { resyncMs: 1000 }, only: ['redisreplication'] }),
    { namespaces: [ns] },
  );
  const crs = redisReplications(custom, ns);
  await crs.create(redisReplicationCr('rr', ns, 'rr-0', ['rr-1', 'rr-2']));
  const json = liveStatus(cluster.kubeconfigPath, ns, true, 'redisreplication/rr');
  t.after(() => json.child.kill('SIGKILL'));
  const agrees = (source: string) =>
    eventually(
      `the Redis servers say ${source} is master, the others read-only replicas of it with the link up`,
      async () => {
        const live = json.lastLive();
        const ok =
          live?.nodes.length === 3 &&
          live.nodes.every((n) => {
            const o = n.observed;
            if (o.error || n.disagreements.length || !/^\d+$/.test(o.position ?? '')) return false;
            return n.name === source
              ? o.rawRole === 'master' && o.readOnly === false
              : o.rawRole === 'slave' && o.readOnly === true && o.linkUp === true && o.source === source;
          });
        return ok && live;
      },
      60_000,
      250,
    );
  await agrees('rr-0');
  await crs.patchSource('rr', 'rr-1', ['rr-0', 'rr-2']);
  await agrees('rr-1');
  json.child.kill('SIGINT');
  assert.equal(await json.exited, 0);
  assert.ok(!json.seen.out.includes(REDIS_PW) && !json.seen.err.includes(REDIS_PW), 'no password in the output');
});

test('status --live shows what each PostgreSQL server says (primary, standbys in recovery, WAL receiver, LSN)', async (t) => {
  const s = await setupPostgres(t, 'livepg');
  await s.waitReady('the PostgresReplication sample ready', 180_000);
  const cluster = await testCluster();
  const json = liveStatus(cluster.kubeconfigPath, s.ns, true, `postgresreplication/${s.name}`);
  t.after(() => json.child.kill('SIGKILL'));
  const live = await eventually(
    'the PostgreSQL servers agree with status: pg-node-0 primary, the others streaming read-only standbys',
    async () => {
      const l = json.lastLive();
      const ok =
        l?.nodes.length === 3 &&
        l.nodes.every((n) => {
          const o = n.observed;
          if (o.error || n.disagreements.length || !/^[0-9A-F]+\/[0-9A-F]+ \(timeline \d+\)$/.test(o.position ?? '')) {
            return false;
          }
          return n.name === 'pg-node-0'
            ? o.rawRole === 'primary' && o.readOnly === false
            : o.role === 'replica' && o.readOnly === true && o.linkUp === true && o.source === 'pg-node-0';
        });
      return ok && l;
    },
    60_000,
    250,
  );
  console.log(`PostgreSQL positions: ${live.nodes.map((n) => `${n.name} ${n.observed.position}`).join(', ')}`);
  json.child.kill('SIGINT');
  assert.equal(await json.exited, 0);
  for (const pw of [CREDS.adminPassword, CREDS.replicationPassword]) {
    assert.ok(!json.seen.out.includes(pw) && !json.seen.err.includes(pw), 'no password in the output');
  }
});
