import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podOrdinal } from './pods.ts';

test('pod ordinals come from the name suffix; anything else is not an ordinal', () => {
  const pod = (name?: string) => ({ metadata: { name } });
  assert.equal(podOrdinal(pod('m-db-replica-12')), 12);
  assert.equal(podOrdinal(pod('c1-0')), 0);
  for (const name of ['c1', 'c1-', 'c1-x', undefined]) assert.ok(Number.isNaN(podOrdinal(pod(name))), String(name));
});
