#!/usr/bin/env node
// Statecraft's source is TypeScript run directly by Node 24's type stripping; older Nodes cannot load it.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(
    `statecraft needs Node.js 24 or newer (this is ${process.version}); run it through npm (npx statecraft) so the project's Node 24 is used`,
  );
  process.exit(1);
}

// Memory: Node's compile cache also keeps the output of type stripping, so with a warm cache the process never
// loads Node's TypeScript stripper (swc built to WebAssembly) — for `statecraft run` that is ~26 MB of RSS
// (measured: 111 → 85 MB after importing its modules). A cold cache is first filled by a short-lived child that
// loads the same modules (`statecraft run --help`), so the long-running operator itself never strips; a stamp
// per source tree and Node version skips that child once done. The cache lives in $NODE_COMPILE_CACHE, else the
// system temp directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off (Node then strips in-process, as before).
const { enableCompileCache, constants } = await import('node:module');
const { tmpdir } = await import('node:os');
const cacheDir = process.env.NODE_COMPILE_CACHE || `${tmpdir()}/node-compile-cache`;
const { status } = enableCompileCache(cacheDir);
const enabled = [constants.compileCacheStatus.ENABLED, constants.compileCacheStatus.ALREADY_ENABLED];
const [command] = process.argv.slice(2);
if (command === 'run' && enabled.includes(status) && !process.env.STATECRAFT_COMPILE_CACHE_WARM_UP) {
  const { warmCompileCache } = await import('./compile-cache.js');
  warmCompileCache(cacheDir, [command, '--help']);
}
await import('../src/cli/main.ts');
