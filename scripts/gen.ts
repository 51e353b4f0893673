/**
 * `npm run gen`: writes what is generated from src/ — the CRDs (deploy/crds, and the chart's copy), the RBAC
 * from the controllers' declarations (deploy/rbac, the chart's rules) — and removes stale files there.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from '../src/install/generated.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
for (const [rel, files] of generatedFiles()) {
  const dir = join(root, rel);
  await mkdir(dir, { recursive: true });
  for (const existing of await readdir(dir)) {
    if (existing.endsWith('.yaml') && !files.has(existing)) await rm(join(dir, existing));
  }
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  console.log(`wrote ${files.size} file(s) to ${rel}`);
}
