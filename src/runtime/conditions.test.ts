import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findCondition, isConditionTrue, setCondition } from './conditions.ts';
import { deepEqual, isSubset } from './equality.ts';

test('lastTransitionTime moves only when the status changes', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const t1 = new Date('2026-01-01T00:05:00Z');
  const t2 = new Date('2026-01-01T00:10:00Z');
  let c = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Starting', message: 'a' }, t0);
  assert.equal(c[0].lastTransitionTime, '2026-01-01T00:00:00Z');
  c = setCondition(c, { type: 'Ready', status: 'False', reason: 'Waiting', message: 'b', observedGeneration: 2 }, t1);
  assert.equal(c[0].lastTransitionTime, '2026-01-01T00:00:00Z', 'same status keeps the time');
  assert.equal(c[0].reason, 'Waiting');
  assert.equal(c[0].observedGeneration, 2);
  c = setCondition(c, { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok', observedGeneration: 2 }, t2);
  assert.equal(c[0].lastTransitionTime, '2026-01-01T00:10:00Z');
  assert.ok(isConditionTrue(c, 'Ready'));
  c = setCondition(c, { type: 'Degraded', status: 'False', reason: 'None', message: '' }, t2);
  assert.equal(c.length, 2);
  assert.equal(findCondition(c, 'Degraded')?.status, 'False');
});

test('setCondition does not mutate its input', () => {
  const before = setCondition([], { type: 'A', status: 'True', reason: 'R', message: '' });
  const copy = structuredClone(before);
  setCondition(before, { type: 'A', status: 'False', reason: 'R', message: '' });
  assert.deepEqual(before, copy);
});

test('isSubset ignores fields the server added; deepEqual does not', () => {
  const desired = { metadata: { name: 'a', labels: { x: '1' } }, data: { k: 'v' }, list: [{ name: 'c' }] };
  const live = {
    metadata: { name: 'a', labels: { x: '1' }, uid: 'u', resourceVersion: '5' },
    data: { k: 'v' },
    list: [{ name: 'c', imagePullPolicy: 'Always' }],
  };
  assert.ok(isSubset(desired, live));
  assert.ok(!isSubset({ ...desired, data: { k: 'w' } }, live));
  assert.ok(!isSubset({ ...desired, list: [{ name: 'c' }, { name: 'd' }] }, live));
  assert.ok(!deepEqual(desired, live));
  assert.ok(deepEqual({ a: [1, { b: 2 }], c: undefined }, { a: [1, { b: 2 }] }));
});
