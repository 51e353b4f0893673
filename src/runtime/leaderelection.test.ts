/** Timing bounds leave 250 ms for timer slack: unit tests run beside integration tests on a loaded machine. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { KubeClient } from './client.ts';
import type { KubeObject } from './gvk.ts';
import { LeaderElector, nextRenewDelay, renewBudget } from './leaderelection.ts';

test('renewBudget: what is left of the renew deadline, never negative', () => {
  const cases: [lastRenew: number, deadline: number, now: number, budget: number][] = [
    [1000, 10_000, 1000, 10_000], // just renewed
    [1000, 10_000, 3000, 8000],
    [1000, 10_000, 10_999, 1],
    [1000, 10_000, 11_000, 0], // at the deadline: lost
    [1000, 10_000, 50_000, 0],
    [Number.NEGATIVE_INFINITY, 10_000, 5, 0], // never renewed
  ];
  for (const [lastRenew, deadline, now, budget] of cases) {
    assert.equal(renewBudget(lastRenew, deadline, now), budget, `renewBudget(${lastRenew}, ${deadline}, ${now})`);
  }
});

test('nextRenewDelay: a retry period, but never past the renew deadline', () => {
  const cases: [lastRenew: number, now: number, delay: number][] = [
    [0, 0, 2000],
    [0, 7000, 2000],
    [0, 8500, 1500], // the deadline (10 s) comes before the next period
    [0, 10_000, 0],
    [0, 12_000, 0],
  ];
  for (const [lastRenew, now, delay] of cases) {
    assert.equal(nextRenewDelay(lastRenew, 10_000, 2000, now), delay, `nextRenewDelay at ${now}`);
  }
});

/**
 * A stand-in for the client's three lease calls: answers from `lease` until `hang()` is called, then never
 * answers (a frozen connection) but records when each request's signal aborts.
 */
function leaseClient() {
  let lease: KubeObject | undefined;
  let rv = 0;
  let hanging = false;
  let delayMs = 0;
  const aborts: number[] = [];
  const answer = <T>(value: () => T, signal?: AbortSignal): Promise<T> => {
    if (!hanging) return new Promise((r) => setTimeout(() => r(value()), delayMs));
    return new Promise((_, reject) => {
      signal?.addEventListener('abort', () => {
        aborts.push(performance.now());
        reject(new Error('aborted'));
      });
    });
  };
  const store = (obj: KubeObject) => {
    lease = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
    return lease;
  };
  const client = {
    get: (_gvk: unknown, _ns: unknown, _name: unknown, o: { signal?: AbortSignal } = {}) =>
      answer(() => lease, o.signal),
    create: (obj: KubeObject, o: { signal?: AbortSignal } = {}) => answer(() => store(obj), o.signal),
    replace: (obj: KubeObject, o: { signal?: AbortSignal } = {}) => answer(() => store(obj), o.signal),
  };
  return {
    client: client as unknown as KubeClient,
    aborts,
    hang: () => {
      hanging = true;
    },
    slow: (ms: number) => {
      delayMs = ms;
    },
    takeOver: (holderIdentity: string) => {
      const l = lease as KubeObject & { spec: Record<string, unknown> };
      store({ ...l, spec: { ...l.spec, holderIdentity } });
    },
  };
}

const options = {
  namespace: 'ns',
  name: 'lease',
  identity: 'me',
  leaseDurationMs: 900,
  renewDeadlineMs: 600,
  retryPeriodMs: 100,
  log: pino({ level: 'silent' }),
};

/** An elector that has just acquired the lease on a fake lease client. */
async function leading() {
  const fake = leaseClient();
  const elector = new LeaderElector(fake.client, options);
  const stop = new AbortController();
  assert.equal(await elector.acquire(stop.signal), true);
  return { fake, elector, stop };
}

test('hold() declares loss at the renew deadline while a renew request hangs, and aborts that request', async () => {
  const fake = leaseClient();
  const changes: [boolean, number][] = [];
  const elector = new LeaderElector(fake.client, {
    ...options,
    onLeadershipChange: (leading) => changes.push([leading, performance.now()]),
  });
  const stop = new AbortController();
  assert.equal(await elector.acquire(stop.signal), true);
  assert.equal(elector.isLeader, true);
  const holding = elector.hold(stop.signal);
  // a few good renewals, then the connection freezes
  await new Promise((r) => setTimeout(r, 250));
  const frozenAt = performance.now();
  fake.hang();
  const outcome = await holding;
  const lostAt = performance.now();
  assert.equal(outcome, 'lost');
  assert.equal(elector.isLeader, false);
  assert.deepEqual(
    changes.map(([l]) => l),
    [true, false],
  );
  // the last successful renewal started at most a retry period (plus timer slack) before the freeze
  const sinceFreeze = lostAt - frozenAt;
  assert.ok(sinceFreeze <= options.renewDeadlineMs + 250, `lost ${sinceFreeze} ms after the freeze`);
  assert.ok(sinceFreeze >= options.renewDeadlineMs - options.retryPeriodMs - 250, `lost ${sinceFreeze} ms too early`);
  assert.ok(fake.aborts.length >= 1, 'the hanging request was aborted');
  assert.ok(
    fake.aborts.every((t) => t <= lostAt + 1),
    'aborted by the deadline, not later',
  );
  stop.abort();
});

test('a renewal that answers only after the deadline does not count', async () => {
  const { fake, elector, stop } = await leading();
  fake.slow(options.renewDeadlineMs + 200); // each call answers late, ignoring its signal
  const started = performance.now();
  assert.equal(await elector.hold(stop.signal), 'lost');
  const took = performance.now() - started;
  assert.ok(took <= options.renewDeadlineMs + 250, `lost after ${took} ms`);
  assert.equal(elector.isLeader, false);
  await elector.release(); // not leading: writes nothing
  stop.abort();
});

test('release() gives the lease up only while leading, and hold() stops cleanly on its signal', async () => {
  const { fake, elector, stop } = await leading();
  const holding = elector.hold(stop.signal);
  await new Promise((r) => setTimeout(r, 150));
  stop.abort();
  assert.equal(await holding, 'stopped');
  await elector.release();
  assert.equal(elector.isLeader, false);
  const lease = (await fake.client.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' }, 'ns', 'lease')) as {
    spec: { holderIdentity: string };
  };
  assert.equal(lease.spec.holderIdentity, '');
});

test('a leader that finds the lease held by another candidate reports the loss at once', async () => {
  const { fake, elector, stop } = await leading();
  fake.takeOver('someone-else');
  const started = performance.now();
  assert.equal(await elector.hold(stop.signal), 'lost');
  const took = performance.now() - started;
  assert.ok(took < options.retryPeriodMs + 250, `lost after ${took} ms, not at the deadline`);
  assert.equal(elector.isLeader, false);
});
