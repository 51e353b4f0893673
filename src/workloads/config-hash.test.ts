import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configHash } from './config-hash.ts';

test('the config hash depends on content, not on key order', () => {
  assert.equal(configHash({ a: 1, b: { c: 'x', d: [1, 2] } }), configHash({ b: { d: [1, 2], c: 'x' }, a: 1 }));
  assert.notEqual(configHash({ a: 1 }), configHash({ a: 2 }));
  assert.notEqual(configHash('x', 'y'), configHash('xy'));
  assert.equal(configHash({ a: 1, b: undefined }), configHash({ a: 1 }));
  assert.match(configHash('x'), /^[0-9a-f]{16}$/);
});
