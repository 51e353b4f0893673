import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The type-check and the linter are part of the suite, so `npm test` alone says whether main is healthy. */
for (const [name, command, args] of [
  ['TypeScript strict type-check passes', 'node_modules/.bin/tsc', ['--noEmit', '-p', '.']],
  ['biome lint and format check passes', 'node_modules/.bin/biome', ['check', '--colors=off', '.']],
] as const) {
  test(name, async () => {
    const result = await run(command, [...args], { maxBuffer: 64 * 1024 * 1024 }).then(
      () => ({ code: 0, output: '' }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({
        code: err.code ?? 1,
        output: `${err.stdout ?? ''}${err.stderr ?? ''}`,
      }),
    );
    assert.equal(result.code, 0, result.output.slice(0, 8000));
  });
}
