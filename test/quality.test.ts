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

/** The shape rules of the code base, checked so they stay true. */
test('src/runtime imports nothing from the rest of src; src/controllers keeps no module-global state', async () => {
  const { readFile, glob } = await import('node:fs/promises');
  const problems: string[] = [];
  for await (const file of glob('src/runtime/**/*.ts')) {
    if (file.endsWith('.test.ts')) continue;
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/from '(\.\.\/[^']+)'/g)) problems.push(`${file} imports ${m[1]}`);
  }
  for await (const file of glob('src/controllers/**/*.ts')) {
    if (file.endsWith('.test.ts')) continue;
    const text = await readFile(file, 'utf8');
    // top-level mutable state: `let x`, or a module-level Map/Set/array written by reconciles
    for (const m of text.matchAll(/^(?:export )?(?:let |const \w+ = new (?:Map|Set|WeakMap)\b)/gm)) {
      problems.push(`${file}: module-global state: ${m[0]}`);
    }
  }
  assert.deepEqual(problems, []);
});
