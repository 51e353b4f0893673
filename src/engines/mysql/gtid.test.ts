import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatMariadbGtidList, gtidsNotCovered, parseMariadbGtidList, positionNotReached } from './gtid.ts';

test('parses and formats MariaDB GTID lists (64-bit sequence numbers)', () => {
  const list = parseMariadbGtidList('0-1-100, 0-2-18446744073709551615,7-3-1');
  assert.deepEqual(list[1], { domain: 0, serverId: 2, seq: 18446744073709551615n });
  assert.equal(formatMariadbGtidList(list), '0-1-100,0-2-18446744073709551615,7-3-1');
  assert.deepEqual(parseMariadbGtidList(''), []);
  assert.deepEqual(parseMariadbGtidList(null), []);
  assert.throws(() => parseMariadbGtidList('0-1'), /not a MariaDB GTID: '0-1'/);
});

const cases: Array<[string, string, string, string]> = [
  // [name, have (source), want (replica), errant]
  ['replica equal to source', '0-1-100', '0-1-100', ''],
  ['replica behind source', '0-1-100', '0-1-90', ''],
  ['fresh replica', '0-1-100', '', ''],
  ['replica wrote with its own server id', '0-1-100', '0-1-100,0-3-101', '0-3-101'],
  ['replica wrote in another domain', '0-1-100', '0-1-100,5-3-1', '5-3-1'],
  ['former source kept writes the new source lacks', '0-1-100,0-2-150', '0-1-120,0-2-150', '0-1-120'],
  ['after switchovers both sides hold both server ids', '0-1-200,0-2-150', '0-1-199,0-2-150', ''],
];
for (const [name, have, want, errant] of cases) {
  test(`gtidsNotCovered: ${name}`, () => {
    assert.equal(formatMariadbGtidList(gtidsNotCovered(have, want)), errant);
  });
}

test('positionNotReached: per domain, whatever server id wrote the last GTID', () => {
  // a candidate whose binary log was reset (or without log_slave_updates) still reached the source's position
  assert.equal(formatMariadbGtidList(positionNotReached('0-1-100', '0-1-100')), '');
  assert.equal(formatMariadbGtidList(positionNotReached('0-1-101', '0-1-100')), '');
  assert.equal(formatMariadbGtidList(positionNotReached('0-2-100', '0-1-100')), '');
  assert.equal(formatMariadbGtidList(positionNotReached('0-1-99', '0-1-100')), '0-1-100');
  assert.equal(formatMariadbGtidList(positionNotReached('0-1-100', '0-1-100,1-1-5')), '1-1-5');
  assert.equal(formatMariadbGtidList(positionNotReached('', '')), '');
});
