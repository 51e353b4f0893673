import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExponentialBackoff, ItemBackoff, TokenBucket } from './backoff.ts';
import { WorkQueue } from './queue.ts';

test('adds of a queued key are deduplicated', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.length, 0);
});

test('a key being processed is not handed out again until done, then exactly once', async () => {
  const q = new WorkQueue();
  q.add('a');
  const first = await q.get();
  q.add('a');
  q.add('a');
  assert.equal(q.length, 0, 'held back while in flight');
  let second: string | undefined;
  q.get().then((k) => {
    second = k;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(second, undefined);
  q.done(first!);
  await new Promise((r) => setImmediate(r));
  assert.equal(second, 'a');
  q.done('a');
  assert.equal(q.length, 0);
});

test('addAfter delays the key and keeps the earliest deadline', async () => {
  const q = new WorkQueue();
  const start = Date.now();
  q.addAfter('a', 200);
  q.addAfter('a', 60);
  q.addAfter('a', 500);
  assert.equal(await q.get(), 'a');
  const waited = Date.now() - start;
  assert.ok(waited >= 55 && waited < 190, `waited ${waited} ms`);
});

test('per-key backoff doubles from 5 ms, caps at 1000 s, and forget resets it', () => {
  const b = new ItemBackoff<string>();
  assert.deepEqual(
    Array.from({ length: 6 }, () => b.when('k')),
    [5, 10, 20, 40, 80, 160],
  );
  for (let i = 0; i < 40; i++) b.when('k');
  assert.equal(b.when('k'), 1_000_000);
  assert.equal(b.when('other'), 5, 'keys are independent');
  b.forget('k');
  assert.equal(b.when('k'), 5);
});

test('addRateLimited uses growing delays and counts requeues', () => {
  const q = new WorkQueue();
  const delays = [q.addRateLimited('k'), q.addRateLimited('k'), q.addRateLimited('k')];
  assert.deepEqual(delays, [5, 10, 20]);
  assert.equal(q.numRequeues('k'), 3);
  q.forget('k');
  assert.equal(q.numRequeues('k'), 0);
  return q.shutdown();
});

test('the overall token bucket allows a burst then spaces retries at qps', () => {
  let now = 0;
  const bucket = new TokenBucket(10, 3, () => now);
  assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 0, 0]);
  assert.equal(bucket.reserve(), 100);
  now = 1000;
  assert.equal(bucket.reserve(), 0);
});

test('reflector backoff grows with jitter and is capped', () => {
  const b = new ExponentialBackoff(800, 30_000, () => 1);
  assert.deepEqual(
    Array.from({ length: 8 }, () => b.next()),
    [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000],
  );
  const low = new ExponentialBackoff(800, 30_000, () => 0);
  assert.equal(low.next(), 400, 'jitter goes down to half the cap');
  b.reset();
  assert.equal(b.next(), 800);
});

test('shutdown wakes idle workers and waits for in-flight keys (drain)', async () => {
  const q = new WorkQueue();
  q.add('busy');
  const key = await q.get();
  const idle = q.get();
  q.addAfter('later', 10_000);
  let drained = false;
  const stopping = q.shutdown().then(() => {
    drained = true;
  });
  assert.equal(await idle, undefined);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(drained, false, 'still waiting for the in-flight key');
  q.add('new');
  assert.equal(q.length, 0, 'no adds after shutdown');
  q.done(key!);
  await stopping;
  assert.equal(drained, true);
});
