// Plain JavaScript on purpose: it runs before any TypeScript is loaded (see statecraft.js).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Identifies the TypeScript sources and the Node version: what the compile cache's entries depend on. */
function sourcesStamp() {
  const hash = createHash('sha256').update(process.version);
  const src = join(ROOT, 'src');
  const files = readdirSync(src, { recursive: true })
    .filter((f) => f.endsWith('.ts'))
    .sort();
  for (const f of files) {
    const s = statSync(join(src, f));
    hash.update(`\0${f}\0${s.size}\0${s.mtimeMs}`);
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * Fills Node's compile cache in `directory` for the modules `statecraft <args>` loads, in a child process, unless
 * that was done for these sources and this Node. Best effort: any failure leaves Node stripping in-process.
 */
export function warmCompileCache(directory, args) {
  try {
    const stamp = join(directory, `statecraft-${sourcesStamp()}`);
    if (existsSync(stamp)) return;
    const child = spawnSync(process.execPath, [join(ROOT, 'bin', 'statecraft.js'), ...args], {
      stdio: 'ignore',
      env: { ...process.env, NODE_COMPILE_CACHE: directory, STATECRAFT_COMPILE_CACHE_WARM_UP: '1' },
    });
    if (child.status === 0) writeFileSync(stamp, '');
  } catch {}
}
