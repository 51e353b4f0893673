import assert from 'node:assert/strict';
import { test } from 'node:test';
import { divergedFrom, formatLsn, parseLsn, parseTimelineHistory } from './lsn.ts';

test('LSNs parse and format both ways', () => {
  assert.equal(parseLsn('16/B374D848'), (0x16n << 32n) | 0xb374d848n);
  assert.equal(formatLsn(parseLsn('0/3000028')!), '0/3000028');
  assert.equal(parseLsn(''), undefined);
  assert.equal(parseLsn('nonsense'), undefined);
});

test('divergence: a node may follow a newer timeline only if it has no WAL past the fork', () => {
  const history = parseTimelineHistory('1\t0/5000060\tno recovery target specified\n\n2\t0/7000000\tpromoted\n');
  assert.deepEqual(history, [
    { tli: 1, switchpoint: 0x5000060n },
    { tli: 2, switchpoint: 0x7000000n },
  ]);
  const primary = { tli: 3, history };
  assert.equal(divergedFrom({ tli: 1, lsn: 0x5000060n }, primary), undefined, 'exactly at the fork: clean');
  assert.equal(divergedFrom({ tli: 2, lsn: 0x6000000n }, primary), undefined);
  assert.match(divergedFrom({ tli: 1, lsn: 0x5000100n }, primary)!, /past 0\/5000060/);
  assert.match(divergedFrom({ tli: 4, lsn: 1n }, primary)!, /newer/);
  assert.match(divergedFrom({ tli: 2, lsn: 1n }, { tli: 3, history: [] })!, /not in the primary's history/);
  assert.equal(divergedFrom({ tli: 3, lsn: 0x9000000n }, primary), undefined, 'same timeline');
});
