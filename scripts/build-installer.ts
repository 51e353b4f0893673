/** `npm run build-installer`: renders the Helm chart into dist/install.yaml (helm is built and cached on first use). */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { helmBinary } from '../src/devcluster/build.ts';
import { renderInstaller } from '../src/install/installer.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const helm = await helmBinary((line) => console.error(line));
const text = await renderInstaller(helm, root);
await mkdir(join(root, 'dist'), { recursive: true });
await writeFile(join(root, 'dist', 'install.yaml'), text);
console.log(`wrote dist/install.yaml (${text.split('\n---\n').length} objects)`);
