/**
 * The web view in a real browser (Debian's headless Chromium driven by playwright-core) on a real MysqlReplication
 * (three MariaDB pods run by the node agent): the operator's view (`run --ui-bind-address`) shows the three nodes
 * with db-0 as source and arrows to db-1 and db-2; after a switchover by spec patch the SVG shows db-1 as source
 * without a reload (server-sent events); a ShazamqCluster beside it shows its three brokers. `statecraft ui` (standalone, own informers) serves the same model. A
 * screenshot is written (docs/ui.png with UPDATE_SCREENSHOT=1, else a temp file).
 *
 * Chromium missing is a failure, not a skip: `.ci/run` installs it from deploy/system-packages.txt.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { type Browser, chromium } from 'playwright-core';
import { stringify } from 'yaml';
import { installCrds } from '../../src/apis/install.ts';
import { controllers } from '../../src/controllers/index.ts';
import { serveFromManager } from '../../src/observe/web/index.ts';
import { sampleIn } from '../brokers/support.ts';
import { apply, readyPod } from '../devcluster/pods.ts';
import { startManager } from '../runtime/support.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { GROUP, mysqlReplicationCr, patchSwitchover, replicationFixture } from '../support/mysqlReplicationFixture.ts';
import { eventually } from '../support/wait.ts';

const NODES = ['db-0', 'db-1', 'db-2'];
/** the browser's globals inside page.evaluate (the project compiles without the DOM library) */
// biome-ignore lint/suspicious/noExplicitAny: typed by the browser, not by this project
type BrowserGlobals = any;

/** Chromium's absolute path (playwright needs one): $CHROMIUM_PATH, else `chromium` on the PATH; it must run. */
function chromiumPath(): string {
  const name = process.env.CHROMIUM_PATH ?? 'chromium';
  const path = isAbsolute(name)
    ? name
    : (process.env.PATH ?? '')
        .split(delimiter)
        .map((d) => join(d, name))
        .find((p) => existsSync(p));
  try {
    if (!path) throw new Error(`'${name}' is not on the PATH`);
    execFileSync(path, ['--version'], { stdio: 'pipe', timeout: 30_000 });
  } catch (err) {
    throw new Error(
      `Chromium is needed for the web view test and did not run (${(err as Error).message.split('\n')[0]}): apt-get install -y chromium (deploy/system-packages.txt), or set CHROMIUM_PATH`,
    );
  }
  return path;
}

/** `statecraft status KIND/NAME --live -o json`: one JSON line per change; `lines` fills as they come. */
function liveStatus(kubeconfig: string, ns: string) {
  const child = spawn(
    process.execPath,
    [
      'bin/statecraft.js',
      'status',
      'mysqlreplication/mr',
      '-n',
      ns,
      '--kubeconfig',
      kubeconfig,
      '--live',
      '-o',
      'json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Array<{ nodes?: Array<{ name: string; role: string }> }> = [];
  let buf = '';
  child.stdout.on('data', (b) => {
    buf += b;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      lines.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

/** `statecraft ui` as a user runs it; resolves to its address once it printed it. */
async function standaloneUi(t: { after(fn: () => void): void }, kubeconfig: string, ns: string): Promise<string> {
  const child = spawn(
    process.execPath,
    ['bin/statecraft.js', 'ui', '--kubeconfig', kubeconfig, '-n', ns, '--bind-address', '127.0.0.1:0'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  t.after(() => child.kill('SIGTERM'));
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (b) => {
      out += b;
      const m = /http:\/\/([^/\s]+)\//.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr.on('data', (b) => {
      out += b;
    });
    child.once('exit', (code) => reject(new Error(`statecraft ui exited ${code}: ${out}`)));
  });
}

test('the web view shows a MysqlReplication topology and follows a switchover live in Chromium', async (t) => {
  const executablePath = chromiumPath();
  const ns = await testNamespace(t, 'web');
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  await apply(ns, replicationFixture(NODES));
  const browser: Browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  t.after(() => browser.close());
  await Promise.all(NODES.map((n) => readyPod(ns, n, { timeoutMs: 180_000 })));
  let address = '';
  await startManager(
    t,
    async (m) => {
      m.add(
        ...controllers({
          addressMode: 'pod-ip',
          mysqlReplication: { resyncMs: 1000 },
          only: ['mysqlreplication', 'shazamqcluster'],
        }),
      );
      const view = await serveFromManager(m, '127.0.0.1:0', pino({ level: 'silent' }));
      address = view?.address ?? '';
    },
    { namespaces: [ns] },
  );
  await eventually('the web view to listen', async () => address !== '', 10_000);
  // a broker kind beside it: its card draws the broker pods
  await cluster.kubectl(['apply', '-f', '-'], stringify(await sampleIn('shazamq-my-cluster.yaml', ns)));
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: 'v1alpha1',
    namespace: ns,
    plural: 'mysqlreplications',
    body: mysqlReplicationCr('mr', ns, 'db-0', ['db-1', 'db-2']),
  });

  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('dialog', (d) => problems.push(`dialog: ${d.message()}`));
  await page.goto(`http://${address}/`);
  const card = `section.cr[data-key="MysqlReplication/${ns}/mr"]`;
  /** The diagram as the browser shows it: each node's role, each arrow's ends. */
  const diagram = () =>
    page.evaluate((sel) => {
      const root = (globalThis as BrowserGlobals).document.querySelector(sel);
      const data = (q: string, a: string, b: string): string[][] =>
        [...(root?.querySelectorAll(q) ?? [])].map((g: BrowserGlobals) => [g.dataset[a], g.dataset[b]]);
      return {
        nodes: data('svg g.node', 'node', 'role'),
        links: data('svg g.link', 'from', 'to'),
        ready: (root?.querySelector('h2 .state')?.textContent ?? '') as string,
      };
    }, card);
  const shows = (source: string, replicas: string[]) =>
    eventually(
      `the page shows ${source} as source of ${replicas.join(', ')}`,
      async () => {
        const d = await diagram();
        const ok =
          d.ready.startsWith('Ready') &&
          d.nodes.length === 3 &&
          d.nodes.find((n) => n[0] === source)?.[1] === 'source' &&
          replicas.every((r) => d.nodes.find((n) => n[0] === r)?.[1] === 'replica') &&
          JSON.stringify(d.links.sort()) === JSON.stringify(replicas.map((r) => [source, r]).sort());
        return ok && d;
      },
      120_000,
      250,
    );
  await shows('db-0', ['db-1', 'db-2']);
  assert.equal(await page.locator(`${card} svg g.node[data-node="db-0"] g.badge.rw`).count(), 1, 'RW badge on db-0');
  assert.match((await page.locator(`${card} svg g.link`).first().textContent()) ?? '', /\d+ s/, 'lag on the arrow');
  assert.match((await page.locator('#conn').textContent()) ?? '', /live/);

  const watching = liveStatus(cluster.kubeconfigPath, ns);
  t.after(() => watching.child.kill('SIGKILL'));
  const sourceIn = (l: (typeof watching.lines)[number]) => l?.nodes?.find((n) => n.role === 'source')?.name;
  await eventually(
    'status --live prints db-0 as source',
    async () => watching.lines.some((l) => sourceIn(l) === 'db-0'),
    30_000,
    250,
  );

  // mark the document: a reload would lose the mark
  await page.evaluate(() => {
    (globalThis as BrowserGlobals).mark = 'same document';
  });
  const updates = () => page.evaluate(() => Number((globalThis as BrowserGlobals).document.body.dataset.updates ?? 0));
  const updatesBefore = await updates();
  const started = performance.now();
  await patchSwitchover(custom, ns, 'mr', 'db-1', ['db-0', 'db-2']);
  await shows('db-1', ['db-0', 'db-2']);
  const seenMs = Math.round(performance.now() - started);
  assert.equal(await page.evaluate(() => (globalThis as BrowserGlobals).mark), 'same document', 'no reload');
  assert.ok((await updates()) > updatesBefore, 'updated by server-sent events');
  assert.equal(await page.locator(`${card} svg g.node[data-node="db-1"] g.badge.rw`).count(), 1, 'RW moved');
  await eventually(
    'status --live prints db-1 as source',
    async () => sourceIn(watching.lines.at(-1) ?? {}) === 'db-1',
    30_000,
    250,
  );
  watching.child.kill('SIGINT');
  assert.equal(await watching.exited, 0, 'status --live ends cleanly on Ctrl-C');
  console.log(`switchover visible in the browser ${seenMs} ms after the spec patch`);

  const brokers = `section.cr[data-key="ShazamqCluster/${ns}/my-cluster"] svg g.pod[data-ready="true"]`;
  await eventually(
    'the ShazamqCluster card shows three ready brokers',
    async () => (await page.locator(brokers).count()) === 3,
    60_000,
    250,
  );

  const shot = process.env.UPDATE_SCREENSHOT
    ? 'docs/ui.png'
    : join(await mkdtemp(join(tmpdir(), 'statecraft-ui-')), 'ui.png');
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok((await stat(shot)).size > 10_000, `screenshot written to ${shot}`);

  // the page only reads: no write verb is served
  const post = await fetch(`http://${address}/`, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  for (const path of ['/', '/api/status']) {
    const body = await fetch(`http://${address}${path}`).then((r) => r.text());
    assert.doesNotMatch(body, /R3pl-pw|Adm'n-pw|k3y-0123/, `no secret in ${path}`);
  }
  assert.deepEqual(problems, [], 'no script error, CSP violation or dialog on the page');

  // `statecraft ui`: the standalone server with informers of its own shows the same roles
  const standalone = await standaloneUi(t, cluster.kubeconfigPath, ns);
  type Report = {
    name: string;
    nodes?: Array<{ name: string }>;
    pods?: unknown[];
    services: Array<{ role: string; selects?: string[] }>;
  };
  const reports = await eventually(
    'statecraft ui serves the new roles',
    async () => {
      const r = (await fetch(`http://${standalone}/api/status`).then((res) => res.json())) as Report[];
      const mr = r.find((x) => x.name === 'mr');
      return mr?.nodes?.[0]?.name === 'db-1' && mr.pods?.length === 3 && r;
    },
    30_000,
    250,
  );
  const mr = reports.find((x) => x.name === 'mr') as Report;
  assert.deepEqual(
    mr.services.map((s) => [s.role, s.selects]),
    [
      ['readwrite', ['db-1']],
      ['readonly', ['db-0', 'db-2']],
    ],
    'each role Service selects the right pods',
  );
  const page2 = await browser.newPage();
  await page2.goto(`http://${standalone}/`);
  await page2.waitForSelector(`${card} svg g.node[data-node="db-1"][data-role="source"]`, { timeout: 10_000 });
});
