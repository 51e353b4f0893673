import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderToml } from './toml.ts';

test('TOML: scalars first, then tables and arrays of tables, with quoting', () => {
  const text = renderToml({
    top: 'v',
    broker: { host: '0.0.0.0', port: 9092, tls: false, list: ['a', 'b'], empty: [], skip: undefined },
    mirror: { enabled: true, sources: [{ name: 's1', n: 4 }, { name: 's"2' }] },
    'odd key': { x: 1.5 },
  });
  assert.equal(
    text,
    [
      'top = "v"',
      '',
      '[broker]',
      'host = "0.0.0.0"',
      'port = 9092',
      'tls = false',
      'list = ["a", "b"]',
      'empty = []',
      '',
      '[mirror]',
      'enabled = true',
      '',
      '[[mirror.sources]]',
      'name = "s1"',
      'n = 4',
      '',
      '[[mirror.sources]]',
      'name = "s\\"2"',
      '',
      '["odd key"]',
      'x = 1.5',
      '',
    ].join('\n'),
  );
  assert.throws(() => renderToml({ a: Number.NaN }), /a: NaN/);
});
