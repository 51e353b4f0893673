#!/usr/bin/env node
// Statecraft's source is TypeScript run directly by Node 24's type stripping; older Nodes cannot load it.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(
    `statecraft needs Node.js 24 or newer (this is ${process.version}); run it through npm (npx statecraft) so the project's Node 24 is used`,
  );
  process.exit(1);
}

const [command] = process.argv.slice(2);

// Memory: during a burst of reconciles V8 grows its young generation up to 64 MB (two 32 MB semi-spaces on a
// 64-bit machine with plenty of RAM) and those pages stay resident after it shrinks back: bench:musicservice ended
// at 160-165 MB with a young generation of 1 MB. `statecraft run` caps a semi-space at 4 MB by re-executing itself
// with the flag (process.execve: the same process and pid, so signals and PID 1 behave as before) unless the
// caller chose a size (node flag or NODE_OPTIONS). Measured cost: none visible in bench:runtime's convergence time.
const OPERATOR_NODE_FLAGS = ['--max-semi-space-size=4'];
const chosen = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('--max-semi-space-size'));
if (command === 'run' && !chosen && typeof process.execve === 'function') {
  try {
    process.execve(process.execPath, [
      process.execPath,
      ...OPERATOR_NODE_FLAGS,
      ...process.execArgv,
      ...process.argv.slice(1),
    ]);
  } catch {} // not supported here (Windows): run without the cap
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
if (command === 'run' && enabled.includes(status) && !process.env.STATECRAFT_COMPILE_CACHE_WARM_UP) {
  const { warmCompileCache } = await import('./compile-cache.js');
  warmCompileCache(cacheDir, [command, '--help']);
}
await import('../src/cli/main.ts');
