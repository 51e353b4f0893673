import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalQuantity, parseQuantity } from './quantity.ts';
import { canonicalResources } from './resources.ts';

test('quantities', () => {
  assert.equal(parseQuantity('50Gi'), 50 * 2 ** 30);
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.throws(() => parseQuantity('12 apples', 'storage.size'), /storage.size/);
});

test('canonical quantities as the API server writes them', () => {
  const cases: [string | number, string][] = [
    ['1000m', '1'],
    ['500m', '500m'],
    [0.5, '500m'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['512Mi', '512Mi'],
    [1, '1'],
    ['1000', '1k'],
    ['1.5', '1500m'],
    ['0.5Ki', '512'],
    ['20Gi', '20Gi'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, String(input));
});

test('canonical resources: every limit and request canonical, other fields kept', () => {
  assert.deepEqual(
    canonicalResources({ limits: { cpu: '1000m', memory: '1024Mi' }, requests: { cpu: 0.5 }, claims: [{ name: 'g' }] }),
    { claims: [{ name: 'g' }], limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } },
  );
});
