import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commands } from './index.ts';

test('each listed command loads the command of that name and summary', async () => {
  for (const entry of commands) {
    const command = await entry.load();
    assert.equal(command.name, entry.name);
    assert.equal(command.summary, entry.summary);
  }
});
