import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TerminalError } from './errors.ts';
import { WorkQueue } from './queue.ts';
import { done, requeueAfter, retry, settle, terminal, toResult } from './result.ts';

test('each outcome maps to one queue action and label', async () => {
  const cases = [
    { result: done(), label: 'success', requeues: 0, delayed: false },
    { result: requeueAfter(50), label: 'requeue_after', requeues: 0, delayed: true },
    { result: retry(new Error('x')), label: 'error', requeues: 1, delayed: true },
    { result: terminal(new Error('x')), label: 'error', requeues: 0, delayed: false },
  ];
  for (const c of cases) {
    const q = new WorkQueue();
    q.addRateLimited('k'); // a previous failure: success/requeueAfter/terminal forget it
    q.forget('k');
    q.backoff.when('k');
    const before = q.numRequeues('k');
    const { label } = settle(q, 'k', c.result);
    assert.equal(label, c.label, c.result.outcome);
    if (c.result.outcome === 'error') assert.equal(q.numRequeues('k'), before + 1);
    else assert.equal(q.numRequeues('k'), 0, `${c.result.outcome} forgets the backoff`);
    if (c.delayed) {
      const got = await Promise.race([q.get(), new Promise((r) => setTimeout(() => r('none'), 300))]);
      assert.equal(got, 'k', `${c.result.outcome} requeues`);
      q.done('k');
    }
    await q.shutdown();
  }
});

test('returned and thrown values normalise to results', () => {
  assert.equal(toResult(undefined).outcome, 'done');
  assert.equal(toResult(requeueAfter(5)).outcome, 'requeueAfter');
  assert.equal(toResult(undefined, { error: new Error('boom') }).outcome, 'error');
  assert.equal(toResult(undefined, { error: new TerminalError('bad spec') }).outcome, 'terminal');
  assert.equal(toResult(undefined, { error: 'a string' }).outcome, 'error');
});
