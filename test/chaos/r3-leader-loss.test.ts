/**
 * R3 leader loss. Two operator processes (all controllers, leader election on one Lease) share a namespace with a
 * few StreamBusClusters. The leader is SIGKILLed — and, in the next round, frozen with SIGSTOP so it does not know
 * it lost the lease, then thawed while there is work it would like to do. Reported: the takeover time (from the
 * signal to the standby's acquireTime). Proven from the API server's audit log (the User-Agent carries each
 * instance's identity): no successful write by the old leader after the new one acquired the lease.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { installCrds } from '../../src/apis/install.ts';
import { KubeClient, type KubeObject, userAgentFor } from '../../src/runtime/index.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import {
  auditTime,
  MUTATING_VERBS,
  type OperatorProcess,
  readAudit,
  recordFigures,
  size,
  startOperator,
} from './support.ts';

const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' };
const LEASE_NAME = 'chaos-r3';
type LeaseObject = KubeObject & { spec?: { holderIdentity?: string; acquireTime?: string } };

const streamBus = (namespace: string, name: string) => ({
  apiVersion: 'streambus.io/v1alpha1',
  kind: 'StreamBusCluster',
  metadata: { name, namespace },
  spec: {
    replicas: 1,
    image: { repository: 'streambus/broker', tag: 'v0.6.0' },
    storage: { class: 'standard', size: '1Gi' },
  },
});

const parseMicro = (s: string) => Date.parse(s.replace(/(\.\d{3})\d*Z$/, '$1Z'));

interface Round {
  signal: 'SIGKILL' | 'SIGSTOP';
  oldLeader: string;
  newLeader: string;
  takeoverMs: number;
  oldLeaderWritesBefore: number;
  oldLeaderWritesAfterTakeover: number;
  oldLeaderRefusedAfterTakeover: number;
  oldLeaderExit: string;
}

test('R3: leader SIGKILLed or frozen: the standby takes over, the old leader writes nothing after', {
  timeout: 600_000,
}, async (t) => {
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const ns = await testNamespace(t, 'chaos-r3');
  const client = new KubeClient(cluster.kc);
  const running: OperatorProcess[] = [];
  t.after(async () => {
    for (const p of running) await p.kill();
    client.close();
  });
  let seq = 0;
  const start = async () => {
    const p = await startOperator(cluster, ns, `r3-${++seq}-${Date.now().toString(36)}`, { lease: LEASE_NAME });
    running.push(p);
    return p;
  };
  const holder = async () => (await client.get<LeaseObject>(LEASE, ns, LEASE_NAME))?.spec;

  let leader = await start();
  await eventually('the first operator to lead', async () => (await holder())?.holderIdentity === leader.identity);
  let standby = await start();
  for (let i = 0; i < 3; i++) await client.create(streamBus(ns, `sb-${i}`) as KubeObject);
  const answered = async (name: string) => {
    const o = await client.get<KubeObject & { status?: { conditions?: unknown[] } }>(
      { apiVersion: 'streambus.io/v1alpha1', kind: 'StreamBusCluster' },
      ns,
      name,
    );
    return !!o?.status?.conditions?.length;
  };
  await eventually('the leader to answer the first objects', async () => (await answered('sb-2')) || undefined, 60_000);

  const rounds: Round[] = [];
  const signals: ('SIGKILL' | 'SIGSTOP')[] = [];
  for (let i = 0; i < size(1, 3); i++) signals.push('SIGKILL', 'SIGSTOP');
  for (const [n, signal] of signals.entries()) {
    // work for the leader right before it goes, so it has writes (and would have more) at the moment it is hit
    await client.create(streamBus(ns, `before-${n}`) as KubeObject);
    await eventually('the leader to answer it', async () => (await answered(`before-${n}`)) || undefined, 60_000);
    const hitAt = Date.now();
    const old = leader;
    if (signal === 'SIGKILL') await old.kill('SIGKILL');
    else old.child.kill('SIGSTOP');
    // a change while the leader is gone: the new leader must act on it, the old one must not
    await client.create(streamBus(ns, `during-${n}`) as KubeObject);
    const acquired = await eventually(
      `${standby.identity} to acquire the lease`,
      async () => {
        const s = await holder();
        return s?.holderIdentity === standby.identity && s.acquireTime ? s : undefined;
      },
      60_000,
      100,
    );
    const acquiredAt = parseMicro(acquired.acquireTime!);
    await eventually('the new leader to answer the change', async () => (await answered(`during-${n}`)) || undefined);
    let oldLeaderExit = 'SIGKILL';
    if (signal === 'SIGSTOP') {
      // thawed with work in its queue and a lease it believes it holds: it must find out and write nothing
      old.child.kill('SIGCONT');
      const exited = await Promise.race([old.exited, sleep(15_000).then(() => undefined)]);
      oldLeaderExit = exited ? `exited ${exited.code ?? exited.signal}` : 'still running 15 s after SIGCONT';
      await old.kill('SIGKILL');
    }
    await sleep(500); // the audit log is written as each response goes out; a margin for the last line
    const ua = userAgentFor(old.identity);
    const byOld = await readAudit(cluster, (e) => e.userAgent === ua && MUTATING_VERBS.has(e.verb));
    const ok = (e: (typeof byOld)[number]) => (e.responseStatus?.code ?? 0) < 300;
    const after = byOld.filter((e) => auditTime(e.requestReceivedTimestamp) >= acquiredAt);
    rounds.push({
      signal,
      oldLeader: old.identity,
      newLeader: standby.identity,
      takeoverMs: acquiredAt - hitAt,
      oldLeaderWritesBefore: byOld.filter((e) => ok(e) && auditTime(e.requestReceivedTimestamp) < acquiredAt).length,
      oldLeaderWritesAfterTakeover: after.filter(ok).length,
      oldLeaderRefusedAfterTakeover: after.filter((e) => !ok(e)).length,
      oldLeaderExit,
    });
    t.diagnostic(JSON.stringify(rounds[rounds.length - 1]));
    leader = standby;
    standby = await start();
  }

  const passed = rounds.filter(
    (r) => r.oldLeaderWritesAfterTakeover === 0 && r.oldLeaderWritesBefore > 0 && r.takeoverMs < 30_000,
  ).length;
  const max = (s: string) => Math.max(...rounds.filter((r) => r.signal === s).map((r) => r.takeoverMs));
  recordFigures({
    suite: 'R3 leader loss',
    runs: rounds.length,
    passed,
    key: `takeover ≤ ${max('SIGKILL')} ms after SIGKILL, ≤ ${max('SIGSTOP')} ms after SIGSTOP; ${rounds.reduce((s, r) => s + r.oldLeaderWritesAfterTakeover, 0)} writes by an old leader after takeover`,
    figures: { rounds, leaseDurationMs: 6000 },
  });

  for (const r of rounds) {
    assert.ok(r.oldLeaderWritesBefore > 0, `the audit log shows ${r.oldLeader}'s writes while it led`);
    assert.equal(r.oldLeaderWritesAfterTakeover, 0, `no write by ${r.oldLeader} after ${r.newLeader} took the lease`);
    assert.ok(r.takeoverMs < 30_000, `takeover after ${r.signal} in ${r.takeoverMs} ms`);
  }
});
