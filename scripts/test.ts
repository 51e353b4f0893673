/**
 * `npm test`: starts one local control plane for the whole run, then runs every test file in parallel on Node's
 * built-in runner with STATECRAFT_TEST_CLUSTER_DIR pointing at it, and stops the cluster afterwards.
 *
 *   npm test                      all tests (unit + integration + e2e)
 *   npm test -- --unit            unit tests only (src/**), no cluster
 *   npm test -- test/x.test.ts    the named files only
 */
import { spawn } from 'node:child_process';
import { glob, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterDown, clusterUp } from '../src/devcluster/cluster.ts';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const named = args.filter((a) => !a.startsWith('--'));
const passThrough = args.filter((a) => a.startsWith('--') && a !== '--unit');

async function files(patterns: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of patterns) for await (const f of glob(p, { exclude: (n) => n.includes('node_modules') })) out.push(f);
  return out.sort();
}

const testFiles = named.length
  ? named
  : await files(unitOnly ? ['src/**/*.test.ts'] : ['src/**/*.test.ts', 'test/**/*.test.ts']);
console.error(`node ${process.version}; ${testFiles.length} test files`);

let clusterDir: string | undefined;
if (!unitOnly) {
  clusterDir = await mkdtemp(join(tmpdir(), 'statecraft-test-'));
  const { seconds } = await clusterUp({ dir: clusterDir, progress: (l) => console.error(`[cluster] ${l}`) });
  console.error(`[cluster] ready in ${seconds.toFixed(1)} s (${clusterDir})`);
}

const stop = async () => {
  if (!clusterDir) return;
  const dir = clusterDir;
  clusterDir = undefined;
  await clusterDown(dir);
  await rm(dir, { recursive: true, force: true }).catch(() => {});
};

const concurrency = process.env.STATECRAFT_TEST_CONCURRENCY ?? '4';
const child = spawn(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=900000', ...passThrough, ...testFiles],
  { stdio: 'inherit', env: { ...process.env, ...(clusterDir ? { STATECRAFT_TEST_CLUSTER_DIR: clusterDir } : {}) } },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => child.kill(signal));
}
const code: number = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
await stop();
process.exit(code);
