import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from './gvk.ts';
import { ignoreStatusOnlyUpdates } from './predicates.ts';
import { mergePatchOf, statusPatch } from './status.ts';

test('status patch: nested keys no longer reported are removed, not merged back', () => {
  const current = {
    ready: true,
    topology: {
      'db-0': { role: 'Replica', sourceHost: '10.0.0.2', replicaIO: 'Yes', errantTransactions: 'x:1' },
      'db-1': { role: 'Source' },
      gone: { role: 'Replica' },
    },
  };
  const desired = { topology: { 'db-0': { role: 'Source' }, 'db-1': { role: 'Replica', sourceHost: '10.0.0.1' } } };
  assert.deepEqual(statusPatch(current, desired), {
    topology: {
      'db-0': { role: 'Source', sourceHost: null, replicaIO: null, errantTransactions: null },
      'db-1': { role: 'Replica', sourceHost: '10.0.0.1' },
      gone: null,
    },
  });
});

test('status patch: an equal status (key order aside) is no patch; undefined removes; lists are replaced', () => {
  const current = { a: { x: 1, y: [1, 2] }, b: 'keep', c: 'drop' };
  assert.equal(statusPatch(current, { a: { y: [1, 2], x: 1 } }), undefined);
  assert.deepEqual(statusPatch(current, { c: undefined }), { c: null });
  assert.equal(statusPatch(current, { d: undefined }), undefined);
  assert.deepEqual(statusPatch(current, { a: { x: 1, y: [2] } }), { a: { y: [2] } });
  assert.deepEqual(mergePatchOf('x', { k: 1 }), { k: 1 });
});

test('status-only updates do not pass the default predicate; spec, label and data changes do', () => {
  const base = { apiVersion: 'v1', kind: 'X', metadata: { name: 'a', resourceVersion: '1' }, spec: { n: 1 } };
  const update = (o: KubeObject, n: KubeObject) => ({ type: 'update' as const, oldObject: o, object: n });
  const statusOnly = { ...base, metadata: { ...base.metadata, resourceVersion: '2' }, status: { gtid: 'a:1-9' } };
  assert.equal(ignoreStatusOnlyUpdates(update(base, statusOnly)), false);
  assert.equal(ignoreStatusOnlyUpdates(update(base, { ...statusOnly, spec: { n: 2 } })), true);
  const labelled = { ...statusOnly, metadata: { ...statusOnly.metadata, labels: { a: 'b' } } };
  assert.equal(ignoreStatusOnlyUpdates(update(base, labelled)), true);
  assert.equal(ignoreStatusOnlyUpdates(update({ ...base, data: { v: '1' } }, { ...base, data: { v: '2' } })), true);
  assert.equal(ignoreStatusOnlyUpdates({ type: 'create', object: base }), true);
});
