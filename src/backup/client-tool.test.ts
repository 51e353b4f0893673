import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runClientTool } from './client-tool.ts';

test('a missing client tool names the package to install', async () => {
  const tool = runClientTool('statecraft-no-such-dump-tool', [], 'pw', ['ignore', 'ignore', 'pipe']);
  await assert.rejects(tool.done, /statecraft-no-such-dump-tool is not installed \(Debian package mariadb-client/);
});

test('a failing tool: its exit code and the tail of its stderr', async () => {
  const tool = runClientTool('sh', ['-c', 'echo "Access denied" >&2; exit 3'], 'pw', ['ignore', 'ignore', 'pipe']);
  await assert.rejects(tool.done, /sh exited with code 3: Access denied/);
});

test('the password reaches the tool in MYSQL_PWD, not in its arguments', async () => {
  // the script compares against its own environment, so the password appears in no argument at all
  process.env.STATECRAFT_TEST_EXPECTED_PWD = 's3cret';
  const tool = runClientTool('sh', ['-c', 'test "$MYSQL_PWD" = "$STATECRAFT_TEST_EXPECTED_PWD"'], 's3cret', [
    'ignore',
    'ignore',
    'pipe',
  ]);
  await tool.done;
  assert.ok(!tool.child.spawnargs.some((a) => a.includes('s3cret')));
});
