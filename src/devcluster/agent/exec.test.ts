import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitStatus, parseExecQuery } from './exec.ts';
import { parseFrame } from './websocket.ts';

test('exec query as the API server forwards pods/exec', () => {
  const q = parseExecQuery(new URLSearchParams('command=psql&command=-c&command=select+1&input=1&output=1&error=1'));
  assert.deepEqual(q, { command: ['psql', '-c', 'select 1'], stdin: true, stdout: true, stderr: true, tty: false });
});

test('the v4/v5 status channel carries the exit code the way kubectl reads it', () => {
  assert.deepEqual(exitStatus(0, null), { metadata: {}, status: 'Success' });
  const s = exitStatus(3, null) as { reason: string; details: { causes: { reason: string; message: string }[] } };
  assert.equal(s.reason, 'NonZeroExitCode');
  assert.deepEqual(s.details.causes, [{ reason: 'ExitCode', message: '3' }]);
});

test('client frames are unmasked; incomplete frames wait for more bytes', () => {
  const payload = Buffer.from([0, 104, 105]);
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  const frame = Buffer.concat([Buffer.from([0x82, 0x80 | payload.length]), mask, masked]);
  assert.equal(parseFrame(frame.subarray(0, 5)), undefined);
  const f = parseFrame(frame)!;
  assert.deepEqual([f.fin, f.opcode, [...f.payload], f.size], [true, 2, [0, 104, 105], frame.length]);
});
