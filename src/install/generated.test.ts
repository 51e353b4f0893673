import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './generated.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('generated files (CRDs, RBAC, the chart copies) are up to date (run `npm run gen` when this fails)', async () => {
  for (const [rel, files] of generatedFiles()) {
    const present = (await readdir(join(ROOT, rel))).filter((f) => f.endsWith('.yaml')).sort();
    assert.deepEqual(present, [...files.keys()].sort(), `the set of files in ${rel}`);
    for (const [name, text] of files) {
      assert.equal(await readFile(join(ROOT, rel, name), 'utf8'), text, `${rel}/${name} is stale`);
    }
  }
});
