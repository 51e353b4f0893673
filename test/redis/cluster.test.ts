/**
 * RedisCluster end to end on real redis-server pods (cluster-enabled, run by the node agent), with the operator
 * in a child process (address mode pod-ip) so it can be SIGKILLed mid-reshard. One set of eight pods serves every
 * step: the seed sample verbatim → ready; 3 → 4 → 3 shards under a writer across all slots, killing the operator
 * during the scale-out; a master frozen (the cluster fails it over) then killed and restarted (the operator
 * restores the spec's master with a coordinated CLUSTER FAILOVER); wrong password and wrong AES key.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { installCrds } from '../../src/apis/install.ts';
import type { RedisCluster } from '../../src/apis/rediscluster.ts';
import { parseClusterNodes } from '../../src/engines/redis/cluster/index.ts';
import { apply, podProcesses, readyPod } from '../devcluster/pods.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import {
  missingKeys,
  REDIS_PW,
  redisClusterPod,
  redisClusters,
  redisCredentialSecrets,
  startClusterWriter,
} from '../support/redisClusterFixture.ts';
import { eventually } from '../support/wait.ts';

const OPERATOR = fileURLToPath(new URL('./cluster-operator-process.ts', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../../samples/compose-rediscluster.yaml', import.meta.url));
const NODES = Array.from({ length: 8 }, (_, i) => `redis-rc-node-${i}`);
const CR = 'redis-cluster-sample';
const WRONG_PW = 'Wr0ng-pw-for-test';

interface Operator {
  child: ChildProcess;
  exited: Promise<unknown>;
}

test('RedisCluster on real redis-server pods: sample ready; 3 → 4 → 3 shards under writes with the operator SIGKILLed mid-reshard; failover and restore; wrong credentials', async (t) => {
  const ns = await testNamespace(t, 'rcc');
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const core = cluster.kc.makeApiClient(k8s.CoreV1Api);
  const rcc = redisClusters(cluster.kc.makeApiClient(k8s.CustomObjectsApi), ns);
  await apply(ns, [...redisCredentialSecrets(), ...NODES.map(redisClusterPod)]);
  const pods = await Promise.all(NODES.map((n) => readyPod(ns, n, { timeoutMs: 180_000 })));
  const ip = (i: number) => pods[i].status!.podIP!;
  const direct = new Map<number, Redis>();
  const node = (i: number) => {
    if (!direct.has(i)) {
      const c = new Redis({ host: ip(i), port: 6379, password: REDIS_PW, lazyConnect: false, maxRetriesPerRequest: 1 });
      c.on('error', () => {});
      direct.set(i, c);
    }
    return direct.get(i)!;
  };
  const slotsOf = async (i: number) => {
    const me = parseClusterNodes(String(await node(i).call('CLUSTER', 'NODES'))).find((e) => e.myself)!;
    return me.slots.reduce((n, [a, b]) => n + b - a + 1, 0);
  };
  t.after(() => {
    for (const c of direct.values()) c.disconnect();
  });

  // --- the operator, as a process we can kill ---
  let logs = '';
  const operators: Operator[] = [];
  const startOperator = async (): Promise<Operator> => {
    const child = spawn(process.execPath, [OPERATOR, cluster.kubeconfigPath, ns], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.stderr!.on('data', (d) => {
      logs += d;
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('ready')) resolve();
      });
      child.once('exit', (code) =>
        reject(new Error(`operator exited (${code}) before it was ready: ${logs.slice(-2000)}`)),
      );
    });
    const op = { child, exited };
    operators.push(op);
    return op;
  };
  t.after(async () => {
    for (const op of operators) {
      if (op.child.exitCode === null && op.child.signalCode === null) op.child.kill('SIGKILL');
      await op.exited;
    }
  });
  // RCC_OPERATOR_LOG=path keeps the operator's log for a look after the run
  t.after(() => {
    if (process.env.RCC_OPERATOR_LOG) writeFileSync(process.env.RCC_OPERATOR_LOG, logs);
  });
  let operator = await startOperator();

  const get = () => rcc.get(CR);
  const condition = (o: RedisCluster) => o.status?.conditions?.find((c) => c.type === 'TopologyReady');
  const readyWith = (what: string, check: (o: RedisCluster) => boolean, timeoutMs = 120_000) =>
    eventually(
      what,
      async () => {
        const o = await get();
        return o.status?.ready === true && o.status.observedGeneration === o.metadata.generation && check(o) && o;
      },
      timeoutMs,
      250,
    );

  // --- the seed sample, verbatim ---
  await cluster.kubectl(['apply', '-n', ns, '-f', SAMPLE]);
  let o = await readyWith('the sample cluster ready', (x) => x.status?.numberOfShard === 3);
  const topo = o.status!.topology!;
  assert.deepEqual(topo['redis-rc-node-0'].slots, ['0-5460']);
  assert.deepEqual(topo['redis-rc-node-2'].slots, ['5461-10922']);
  assert.deepEqual(topo['redis-rc-node-4'].slots, ['10923-16383']);
  assert.equal(topo['redis-rc-node-1'].role, 'Replica');
  assert.equal(topo['redis-rc-node-1'].masterRef, topo['redis-rc-node-0'].id);
  assert.equal(topo['redis-rc-node-1'].shard, 'shard-a');
  assert.equal(o.status!.clusterJoined, true);
  assert.equal(o.status!.clusterSynced, true);
  assert.equal(condition(o)?.status, 'True');

  // --- 3 → 4 shards under writes; the operator is SIGKILLed while slots move, then started again ---
  const writer = startClusterWriter({ host: ip(0), port: 6379 });
  await eventually('the writer to get going', async () => writer.acked.size > 300, 30_000, 50);
  await rcc.patchMembers(CR, { 'shard-d': ['redis-rc-node-6', 'redis-rc-node-7'] });
  await eventually('slots to start moving to node-6', async () => (await slotsOf(6)) > 0, 60_000, 25);
  await sleep(Math.floor(Math.random() * 3000));
  const atKill = await slotsOf(6);
  operator.child.kill('SIGKILL');
  await operator.exited;
  const open = (await Promise.all([0, 2, 4, 6].map(async (i) => String(await node(i).call('CLUSTER', 'NODES'))))).some(
    (text) => /\[\d+-[<>]-/.test(text),
  );
  t.diagnostic(`operator killed with ${atKill}/4096 slots on the new shard${open ? ', slots open' : ''}`);
  assert.ok(atKill < 4096, `the kill came during the reshard (${atKill} slots moved)`);
  if (!open) {
    // killed between two batches: leave a slot half moved, as a kill inside a batch does, so that the restart
    // always has an open slot (with keys) to finish
    const nodes0 = parseClusterNodes(String(await node(0).call('CLUSTER', 'NODES')));
    const me = nodes0.find((e) => e.myself)!;
    const six = parseClusterNodes(String(await node(6).call('CLUSTER', 'NODES'))).find((e) => e.myself)!;
    const slot = me.slots[me.slots.length - 1][1];
    await node(6).call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', me.id);
    await node(0).call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', six.id);
  }
  operator = await startOperator();
  o = await readyWith('4 shards after the restart', (x) => x.status?.numberOfShard === 4);
  for (const i of [0, 2, 4, 6]) assert.equal(await slotsOf(i), 4096, `node-${i} holds an even share`);
  assert.equal(o.status!.topology!['redis-rc-node-7'].masterRef, o.status!.topology!['redis-rc-node-6'].id);

  // --- 4 → 3: the removed shard hands its slots over, then its nodes are forgotten and reset ---
  await rcc.patchMembers(CR, { 'shard-d': null });
  o = await readyWith(
    '3 shards again',
    (x) => x.status?.numberOfShard === 3 && !x.status.topology?.['redis-rc-node-6'],
  );
  const counts = await Promise.all([0, 2, 4].map(slotsOf));
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `even shares: ${counts}`);
  assert.equal(
    counts.reduce((a, b) => a + b),
    16384,
  );
  await eventually(
    'node-6 and node-7 to be forgotten and reset',
    async () => {
      const known = parseClusterNodes(String(await node(0).call('CLUSTER', 'NODES'))).length;
      const six = parseClusterNodes(String(await node(6).call('CLUSTER', 'NODES'))).length;
      return known === 6 && six === 1;
    },
    30_000,
    250,
  );
  assert.equal(await node(6).dbsize(), 0, 'the removed master kept no key');
  await writer.stop();
  assert.ok(writer.acked.size > 1000, `the writer ran (${writer.acked.size} acknowledged)`);
  assert.deepEqual(await missingKeys(writer.client, writer.acked), [], 'every acknowledged key is readable');

  // --- failover: node-0 freezes, the cluster promotes node-1; status says so; node-0 dies and restarts as a
  // replica; the operator makes it master again with a coordinated CLUSTER FAILOVER, losing no write ---
  await eventually(
    'node-1 in sync with node-0',
    async () => (await node(1).info('replication')).includes('master_link_status:up'),
    30_000,
    100,
  );
  await node(0).call('WAIT', '1', '2000');
  const pids = podProcesses(pods[0].metadata!.uid!);
  assert.ok(pids.length > 0);
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  let resumed = false;
  t.after(() => {
    if (!resumed) for (const pid of pids) process.kill(pid, 'SIGKILL');
  });
  o = await eventually(
    'status to report the failover',
    async () => {
      const x = await get();
      const c = condition(x);
      return (
        x.status?.topology?.['redis-rc-node-1']?.role === 'Master' &&
        x.status.topology['redis-rc-node-0']?.ready === false &&
        c?.status === 'False' &&
        c.reason === 'FailedOver' &&
        x
      );
    },
    60_000,
    200,
  );
  assert.match(
    condition(o)!.message!,
    /shard-a: redis-rc-node-1 serves the shard after a failover from redis-rc-node-0/,
  );
  assert.equal(o.status!.topology!['redis-rc-node-0'].status, 'Failed');
  assert.match(
    condition(o)!.message!,
    /redis-rc-node-0: [^;]*(timed out|connect|closed)/i,
    'the unreachable node is named',
  );
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  resumed = true;
  const writer2 = startClusterWriter({ host: ip(2), port: 6379 });
  o = await readyWith(
    'node-0 restored as master of shard-a',
    (x) =>
      x.status?.topology?.['redis-rc-node-0']?.role === 'Master' &&
      x.status.topology['redis-rc-node-1']?.masterRef === x.status.topology['redis-rc-node-0'].id,
    120_000,
  );
  await sleep(300);
  await writer2.stop();
  assert.ok(writer2.acked.size > 50, `the second writer ran (${writer2.acked.size} acknowledged)`);
  assert.deepEqual(await missingKeys(writer2.client, writer2.acked), [], 'no write lost in the restore');
  const firstKeys = new Map([...writer.acked].slice(0, 2000));
  assert.deepEqual(await missingKeys(writer2.client, firstKeys), [], 'keys from before the failover are there');
  writer.client.disconnect();
  writer2.client.disconnect();
  const events = (await core.listNamespacedEvent({ namespace: ns })).items;
  const reasons = new Set(events.map((e) => e.reason));
  const expected = [
    'FailoverDetected',
    'FailoverRestored',
    'Resharding',
    'SlotsMoved',
    'MigrationResumed',
    'NodeForgotten',
  ];
  for (const r of expected) {
    assert.ok(reasons.has(r), `event ${r} (have ${[...reasons].join(', ')})`);
  }

  // --- the skip annotation: a new shard in the spec is reported, not acted on ---
  await rcc.patchAnnotations(CR, { 'compose-operator.skip.reconcile': 'true' });
  await rcc.patchMembers(CR, { 'shard-d': ['redis-rc-node-6'] });
  o = await eventually(
    'the skipped spec change observed',
    async () => {
      const x = await get();
      return x.status?.observedGeneration === x.metadata.generation && x.status?.ready === false && x;
    },
    30_000,
    250,
  );
  assert.equal(o.status!.topology!['redis-rc-node-6'].ready, false);
  assert.equal(o.status!.clusterJoined, false);
  await sleep(3000);
  assert.equal(await slotsOf(6), 0, 'no slot moved while skipped');
  assert.equal(parseClusterNodes(String(await node(6).call('CLUSTER', 'NODES'))).length, 1, 'node-6 was not met');
  await rcc.patchMembers(CR, { 'shard-d': null });
  await rcc.patchAnnotations(CR, { 'compose-operator.skip.reconcile': null });
  await readyWith('ready again without the skipped shard', (x) => x.status?.numberOfShard === 3);

  // --- wrong password, wrong AES key: a False condition naming the cause, no password anywhere ---
  await apply(ns, redisCredentialSecrets(WRONG_PW));
  o = await eventually(
    'AuthFailed',
    async () => {
      const x = await get();
      return condition(x)?.reason === 'AuthFailed' && x.status?.ready === false && x;
    },
    60_000,
    250,
  );
  assert.equal(condition(o)!.status, 'False');
  assert.match(condition(o)!.message!, /WRONGPASS|invalid password/i);
  await apply(ns, [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'aes-secret-key' },
      stringData: { AES_SECRET_KEY: 'x'.repeat(32) },
    },
  ]);
  o = await eventually(
    'WrongAesKey',
    async () => condition(await get())?.reason === 'WrongAesKey' && (await get()),
    60_000,
    250,
  );
  await apply(ns, redisCredentialSecrets());
  o = await readyWith('ready again with the right credentials', () => true);
  const allEvents = JSON.stringify((await core.listNamespacedEvent({ namespace: ns })).items);
  for (const secret of [REDIS_PW, WRONG_PW]) {
    assert.ok(!JSON.stringify(o.status).includes(secret), 'no password in status');
    assert.ok(!allEvents.includes(secret), 'no password in events');
    assert.ok(!logs.includes(secret), 'no password in the operator log');
  }
  assert.ok(logs.length > 0, 'the operator logged');
});
