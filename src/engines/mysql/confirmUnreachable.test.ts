import assert from 'node:assert/strict';
import { test } from 'node:test';
import { confirmUnreachable } from './confirmUnreachable.ts';

test('unreachable only after every probe of the window failed', async () => {
  let calls = 0;
  const r = await confirmUnreachable(
    async () => {
      calls++;
      throw new Error('connect ETIMEDOUT');
    },
    { probes: 3, windowMs: 100 },
  );
  assert.equal(r.unreachable, true);
  assert.equal(calls, 3);
  assert.ok(r.elapsedMs >= 95, `the probes span the window (${r.elapsedMs} ms)`);
  assert.equal(r.lastError, 'connect ETIMEDOUT');
});

test('one answer within the window: not unreachable, no further probes', async () => {
  let calls = 0;
  const r = await confirmUnreachable(
    async () => {
      if (++calls < 2) throw new Error('paused');
    },
    { probes: 4, windowMs: 60 },
  );
  assert.deepEqual([r.unreachable, r.probes, calls], [false, 2, 2]);
});

test('an aborted signal ends the wait', async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 20);
  await assert.rejects(
    confirmUnreachable(
      async () => {
        throw new Error('down');
      },
      { probes: 2, windowMs: 10_000, signal: ac.signal },
    ),
    /abort/i,
  );
});
