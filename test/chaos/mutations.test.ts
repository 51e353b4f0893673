/** The mutation generator (pure): each class comes out of the schema features that call for it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mutations, type Schema } from './mutations.ts';

const schema: Schema = {
  type: 'object',
  required: ['spec'],
  properties: {
    spec: {
      type: 'object',
      required: ['port'],
      properties: {
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        mode: { type: 'string', enum: ['a', 'b'] },
        host: { type: 'string', maxLength: 253 },
        nodes: { type: 'array', maxItems: 3, items: { type: 'object', properties: { name: { type: 'string' } } } },
      },
    },
  },
};
const base = {
  apiVersion: 'x/v1',
  kind: 'X',
  metadata: { name: 'x' },
  spec: { port: 80, mode: 'a', host: 'h', nodes: [{ name: 'n0' }] },
};

test('mutations: one per class the schema calls for, each changing exactly its field', () => {
  const m = mutations(base, schema);
  const names = m.map((x) => x.name);
  for (const expected of [
    'missing-required spec.port',
    'out-of-range (min-1) spec.port',
    'out-of-range (max+1) spec.port',
    'unknown-enum spec.mode',
    'huge-string (254 chars) spec.host',
    'invalid-name-or-host spec.host',
    'duplicate-name spec.nodes',
    'item-count (maxItems+1) spec.nodes',
    'wrong-type (integer → string) spec.port',
    'invalid-name-or-host spec.nodes[0].name',
    'missing-required spec',
  ]) {
    assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
  }
  const dup = m.find((x) => x.class === 'duplicate-name')!;
  assert.deepEqual(dup.object.spec.nodes, [{ name: 'n0' }, { name: 'n0' }]);
  assert.equal(m.find((x) => x.name === 'out-of-range (max+1) spec.port')!.object.spec.port, 65536);
  assert.deepEqual(base.spec.nodes, [{ name: 'n0' }], 'the base is never changed');
});
