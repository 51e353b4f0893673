import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTextLine } from './logger.ts';

test('text log format: time, level, controller and object, message, then fields', () => {
  const line = JSON.stringify({
    level: 30,
    time: '2026-12-02T06:00:00.000Z',
    pid: 1,
    controller: 'mysqlreplication',
    namespace: 'default',
    name: 'db',
    msg: 'applying topology steps',
    steps: ['switchover'],
    reconcileID: 'abc',
  });
  assert.equal(
    formatTextLine(line),
    '2026-12-02T06:00:00.000Z INFO  [mysqlreplication default/db] applying topology steps steps=["switchover"] reconcileID=abc\n',
  );
  assert.equal(formatTextLine('not json'), 'not json');
});
