import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const main = resolve('src/cli/main.ts');
const KEY = '0123456789abcdef0123456789abcdef';

test('statecraft aes: encrypt -u writes USERNAME.bin that decrypt -f reads back; --stdout; wrong key refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'aes-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) => run(process.execPath, [main, 'aes', ...args], { cwd: dir, encoding: 'buffer' });

  await cli('encrypt', '-k', KEY, '-p', 'mysql_root_password', '-u', 'mysql');
  const bin = await readFile(join(dir, 'mysql.bin'));
  assert.equal(bin.length, 16 + 'mysql_root_password'.length);
  const { stdout } = await cli('decrypt', '--key', KEY, '--file', 'mysql.bin');
  assert.equal(stdout.toString().trim(), 'mysql_root_password');

  const raw = await cli('encrypt', '--key', KEY, '--plaintext', 'pw', '--stdout');
  assert.equal(raw.stdout.length, 18);

  await assert.rejects(
    cli('decrypt', '-k', 'x'.repeat(32), '-f', 'mysql.bin'),
    (err: { stderr: Buffer; code: number }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr.toString(), /wrong AES key\?/);
      assert.ok(!err.stderr.toString().includes('mysql_root_password'));
      return true;
    },
  );
});
