/** `npm run gen`: writes deploy/crds/*.yaml from the schemas in src/apis (and removes stale ones). */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdFiles } from '../src/apis/crd-yaml.ts';

const dir = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'deploy', 'crds');
await mkdir(dir, { recursive: true });
const files = crdFiles();
for (const existing of await readdir(dir)) {
  if (existing.endsWith('.yaml') && !files.has(existing)) await rm(join(dir, existing));
}
for (const [name, text] of files) await writeFile(join(dir, name), text);
console.log(`wrote ${files.size} CRDs to ${dir}`);
