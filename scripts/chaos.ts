/**
 * `npm run chaos`: the reliability suites (test/chaos, issue 17) at full size, plus the database fault tests that
 * already exist for each engine (R6), against one local control plane started for the run (or the one in
 * STATECRAFT_TEST_CLUSTER_DIR). Prints one table — suite, runs, passed, key figure — and ends with one JSON line
 * holding every suite's figures. Exit code 0 only when every suite passed.
 *
 *   npm run chaos                 every suite, full size
 *   npm run chaos -- R3 R4        only these suites
 *   STATECRAFT_CHAOS=fast npm run chaos    the sizes `npm test` uses
 *
 * The same files run in `npm test` at their fast size; each suite sizes itself with test/chaos/support.ts `size`.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterDown, clusterUp, readState } from '../src/devcluster/cluster.ts';
import { KubeClient, loadKubeConfig } from '../src/runtime/index.ts';

interface Suite {
  id: string;
  title: string;
  files: string[];
}

// R5 last: it scans what every suite before it left (operator logs) for every secret they used
const SUITES: Suite[] = [
  { id: 'R4', title: 'R4 fuzzed CRs', files: ['test/chaos/r4-fuzz.test.ts'] },
  { id: 'R3', title: 'R3 leader loss', files: ['test/chaos/r3-leader-loss.test.ts'] },
  { id: 'R2', title: 'R2 API server restart', files: ['test/chaos/r2-apiserver-restart.test.ts'] },
  { id: 'R1', title: 'R1 operator kills', files: ['test/chaos/r1-operator-kills.test.ts'] },
  {
    id: 'R6',
    title: 'R6 database faults',
    // the fault toolkit's suites, one per engine that has one (MySQL dialect on MariaDB, PostgreSQL, Redis)
    files: [
      'test/faults/mysql-faults.test.ts',
      'test/postgres/faults.test.ts',
      'test/redis/replication-rejoin.test.ts',
    ],
  },
  { id: 'R5', title: 'R5 secret scan', files: ['test/chaos/r5-secrets.test.ts'] },
];

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const suites = wanted.length ? SUITES.filter((s) => wanted.includes(s.id)) : SUITES;
const work = await mkdtemp(join(tmpdir(), 'statecraft-chaos-'));
const env = {
  ...process.env,
  STATECRAFT_CHAOS: process.env.STATECRAFT_CHAOS ?? 'full',
  STATECRAFT_CHAOS_FIGURES: join(work, 'figures.jsonl'),
  STATECRAFT_CHAOS_SECRETS: join(work, 'secrets.jsonl'),
  STATECRAFT_CHAOS_LOGS: join(work, 'operator-logs'),
};

let clusterDir = process.env.STATECRAFT_TEST_CLUSTER_DIR;
let ownCluster = false;
if (!clusterDir) {
  clusterDir = join(work, 'cluster');
  ownCluster = true;
  const { seconds } = await clusterUp({ dir: clusterDir, progress: (l) => console.error(`[cluster] ${l}`) });
  console.error(`[cluster] ready in ${seconds.toFixed(1)} s (${clusterDir})`);
}

interface FileResult {
  file: string;
  pass: number;
  fail: number;
  seconds: number;
  log: string;
}

/** One test file on node's runner (TAP to a log file); the counts come from TAP's closing `# pass` / `# fail`. */
async function runFile(file: string): Promise<FileResult> {
  const started = Date.now();
  const log = join(work, `${file.replaceAll('/', '_')}.tap`);
  const out = createWriteStream(log);
  const child = spawn(
    process.execPath,
    ['--test', '--test-reporter=tap', '--test-concurrency=1', '--test-timeout=1800000', file],
    { env: { ...env, STATECRAFT_TEST_CLUSTER_DIR: clusterDir }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.pipe(out);
  child.stderr.pipe(out, { end: false });
  await new Promise((resolve) => child.on('close', resolve));
  const tap = await readFile(log, 'utf8');
  const count = (what: string) => Number(tap.match(new RegExp(`^# ${what} (\\d+)$`, 'm'))?.[1] ?? 0);
  // a file that died before its closing lines counts as one failure
  const fail = count('fail') + (child.exitCode !== 0 && count('fail') === 0 ? 1 : 0);
  return { file, pass: count('pass'), fail, seconds: (Date.now() - started) / 1000, log };
}

/**
 * Waits (at most 3 minutes) until the namespaces the suite left are deleted: a hundred objects and their pods
 * still being torn down would otherwise load the next suite's cluster and skew its figures.
 */
async function namespacesGone(): Promise<void> {
  const state = await readState(clusterDir!);
  if (!state) return;
  const client = new KubeClient(loadKubeConfig({ path: state.kubeconfig }));
  try {
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const list = await client.list(
        { apiVersion: 'v1', kind: 'Namespace' },
        { labelSelector: 'statecraft.dev/test=true' },
      );
      if (!list.items.length) return;
      await new Promise((r) => setTimeout(r, 2000));
    }
    console.error('[chaos] test namespaces still terminating after 3 minutes; going on');
  } finally {
    client.close();
  }
}

interface Row {
  id: string;
  title: string;
  runs: number;
  passed: number;
  key: string;
  ok: boolean;
  seconds: number;
  figures: unknown;
}

const rows: Row[] = [];
const started = Date.now();
try {
  for (const suite of suites) {
    console.error(`[chaos] ${suite.title}: ${suite.files.join(', ')}`);
    const results: FileResult[] = [];
    for (const f of suite.files) results.push(await runFile(f));
    const figures = (await readFile(env.STATECRAFT_CHAOS_FIGURES, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { suite: string; runs: number; passed: number; key: string })
      .filter((f) => f.suite === suite.title);
    const ok = results.every((r) => r.fail === 0);
    const seconds = results.reduce((s, r) => s + r.seconds, 0);
    const fromFigures = figures.length > 0;
    const testsPassed = results.reduce((s, r) => s + r.pass, 0);
    const tests = results.reduce((s, r) => s + r.pass + r.fail, 0);
    rows.push({
      id: suite.id,
      title: suite.title,
      runs: fromFigures ? figures.reduce((s, f) => s + f.runs, 0) : tests,
      passed: fromFigures ? figures.reduce((s, f) => s + f.passed, 0) : testsPassed,
      key: fromFigures
        ? figures.map((f) => f.key).join('; ')
        : `${testsPassed}/${tests} tests in ${results.map((r) => r.file).join(', ')}`,
      ok,
      seconds,
      figures: { files: results, suites: figures },
    });
    for (const r of results) console.error(`[chaos]   ${r.file}: ${r.pass} passed, ${r.fail} failed (${r.log})`);
    await namespacesGone();
  }
} finally {
  if (ownCluster && clusterDir) await clusterDown(clusterDir);
}

const header = ['test', 'runs', 'passed', 'result', 'time', 'key figure'];
const table = rows.map((r) => [
  r.title,
  String(r.runs),
  String(r.passed),
  r.ok ? 'PASS' : 'FAIL',
  `${Math.round(r.seconds)} s`,
  r.key,
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table) console.log(line(row));
const allOk = rows.every((r) => r.ok);
console.log(
  JSON.stringify({
    chaos: allOk ? 'pass' : 'fail',
    seconds: Math.round((Date.now() - started) / 1000),
    work,
    suites: Object.fromEntries(rows.map((r) => [r.id, r])),
  }),
);
if (ownCluster) await rm(join(work, 'cluster'), { recursive: true, force: true }).catch(() => {});
process.exit(allOk ? 0 : 1);
