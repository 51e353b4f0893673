/**
 * A leader whose API server connection freezes (a network partition: a proxy between it and the API server
 * black-holes both directions) must stop writing before a peer can acquire the lease — and once the partition
 * heals, nothing it still tries to write may reach the API server.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { type GroupVersionKind, KubeClient, type KubeObject } from '../../src/runtime/index.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { startFreezableProxy } from '../support/freezableProxy.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/manager-process.ts', import.meta.url));
const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' };
const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const LEASE_NAME = 'rt-frozen';
const WRITES = 'rt-writes';

type Event = { event: string; at: number } & Record<string, unknown>;

interface Candidate {
  child: ChildProcess;
  events: Event[];
  /** the first event (already received or coming) that matches, or undefined after `timeoutMs` */
  next(match: (e: Event) => boolean, timeoutMs: number): Promise<Event | undefined>;
  exited: Promise<number | null>;
}

async function candidate(kubeconfig: string, ns: string, args: string[]): Promise<Candidate> {
  const child = spawn(process.execPath, [FIXTURE, kubeconfig, ns, LEASE_NAME, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const events: Event[] = [];
  const waiters = new Set<() => void>();
  const lines = createInterface(child.stdout!);
  const ready = new Promise<void>((resolve, reject) => {
    lines.once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`manager process exited (${code}) before it was ready`)));
  });
  await ready;
  lines.on('line', (line) => {
    events.push(JSON.parse(line) as Event);
    for (const w of waiters) w();
  });
  const next = (match: (e: Event) => boolean, timeoutMs: number) =>
    new Promise<Event | undefined>((resolve) => {
      const check = () => {
        const e = events.find(match);
        if (!e) return;
        finish(e);
      };
      const finish = (e: Event | undefined) => {
        waiters.delete(check);
        clearTimeout(timer);
        resolve(e);
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      waiters.add(check);
      check();
    });
  return { child, events, next, exited };
}

interface Seen<T> {
  type: string;
  object: T;
  seenAt: number;
}

/** Records every change of the objects matching `fieldSelector`, straight from the API server. */
function recordChanges<T extends KubeObject>(
  client: KubeClient,
  gvk: GroupVersionKind,
  namespace: string,
  fieldSelector: string,
  signal: AbortSignal,
): Seen<T>[] {
  const seen: Seen<T>[] = [];
  void (async () => {
    let resourceVersion: string | undefined;
    while (!signal.aborted) {
      try {
        for await (const e of client.watch<T>(gvk, { namespace, fieldSelector, resourceVersion, signal })) {
          if (e.type === 'BOOKMARK') continue;
          seen.push({ type: e.type, object: e.object, seenAt: Date.now() });
          resourceVersion = e.object.metadata?.resourceVersion;
        }
      } catch {
        if (!signal.aborted) await sleep(100);
      }
    }
  })();
  return seen;
}

/** Lease and Event times are RFC 3339 with microseconds; Date.parse wants milliseconds. */
const parseMicroTime = (s: string): number => Date.parse(s.replace(/(\.\d{3})\d*Z$/, '$1Z'));
const rv = (o: KubeObject): bigint => BigInt(o.metadata?.resourceVersion ?? '0');

type LeaseObject = KubeObject & { spec?: { holderIdentity?: string; acquireTime?: string } };
type ConfigMap = KubeObject & { metadata: { annotations?: Record<string, string> } };

test('a leader whose API server connection is frozen stops writing before a peer can acquire the lease', {
  timeout: 110_000,
}, async (t) => {
  const cluster = await testCluster();
  const ns = await testNamespace(t, 'rt-frozen');
  const client = new KubeClient(cluster.kc);
  const watching = new AbortController();
  const dir = await mkdtemp(join(tmpdir(), 'statecraft-frozen-'));
  const server = new URL(cluster.kc.getCurrentCluster()!.server);
  const proxy = await startFreezableProxy({ host: server.hostname, port: Number(server.port) });
  const processes: Candidate[] = [];
  t.after(async () => {
    for (const c of processes) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    watching.abort();
    client.close();
    await proxy.close();
    await rm(dir, { recursive: true, force: true });
  });

  // candidate A reaches the API server only through the proxy (TLS passes through; the certificate has 127.0.0.1)
  const config = parse(await readFile(cluster.kubeconfigPath, 'utf8')) as {
    clusters: { cluster: { server: string } }[];
  };
  for (const c of config.clusters) c.cluster.server = proxy.url;
  const kubeconfigA = join(dir, 'kubeconfig-a');
  await writeFile(kubeconfigA, stringify(config));

  await client.create({ ...CM, metadata: { name: WRITES, namespace: ns } });
  const leaseChanges = recordChanges<LeaseObject>(client, LEASE, ns, `metadata.name=${LEASE_NAME}`, watching.signal);
  const writes = recordChanges<ConfigMap>(client, CM, ns, `metadata.name=${WRITES}`, watching.signal);
  const writer = (s: Seen<ConfigMap>) => s.object.metadata.annotations?.writer;

  const a = await candidate(kubeconfigA, ns, ['--identity', 'A', '--write', WRITES, '--keep-writing']);
  processes.push(a);
  assert.ok(await a.next((e) => e.event === 'leading' && e.leading === true, 30_000), 'A leads');
  const b = await candidate(cluster.kubeconfigPath, ns, ['--identity', 'B', '--write', WRITES]);
  processes.push(b);
  // A writes through the proxy; B, connected directly, is a standby that has seen the lease
  const aWritesBefore = async (n: number) => {
    const deadline = Date.now() + 20_000;
    while (writes.filter((s) => writer(s) === 'A').length < n && Date.now() < deadline) await sleep(50);
    return writes.filter((s) => writer(s) === 'A').length;
  };
  assert.ok((await aWritesBefore(3)) >= 3, 'A writes while it leads');
  await sleep(2500); // B's first retry periods: it has observed A's lease
  assert.equal(b.events.filter((e) => e.event === 'leading' && e.leading).length, 0, 'B does not lead yet');

  const frozenAt = Date.now();
  proxy.freeze();

  // B takes the lease once A's last renewal is a lease duration old (15 s, plus B's retry period)
  const findAcquisition = () => leaseChanges.find((s) => s.object.spec?.holderIdentity === 'B');
  const acquireBy = Date.now() + 40_000;
  while (!findAcquisition() && Date.now() < acquireBy) await sleep(20);
  const acquired = findAcquisition();
  assert.ok(acquired, 'B acquired the lease within 40 s of the freeze');
  const acquireTime = parseMicroTime(acquired.object.spec!.acquireTime!);
  const acquiredRV = rv(acquired.object);
  // the partition heals right after the takeover
  proxy.thaw();
  const thawedAt = Date.now();

  // An implementation that only notices the loss when its hanging request times out reports it later: wait long
  // enough to see that, and measure everything before asserting so a failure shows the whole picture.
  const lost = await a.next((e) => e.event === 'leading' && e.leading === false, 20_000);
  const fenced = await a.next((e) => e.event === 'fenced', 1_000);
  const stopped = await a.next((e) => e.event === 'stopped', 1_000);
  // A keeps trying to write for a few seconds over the healed network
  await sleep(Math.max(0, thawedAt + 4_000 - Date.now()));
  a.child.kill('SIGTERM');
  const exitCode = await a.exited;
  const report = a.events.find((e) => e.event === 'attempts') as
    | (Event & { attempts: { at: number; outcome: string }[] })
    | undefined;
  const afterThaw = (report?.attempts ?? []).filter((x) => x.at > thawedAt);
  const outcomes = [...new Set(afterThaw.map((x) => x.outcome))];
  await sleep(500); // the last of them to show up in the watch
  const lateA = writes.filter((s) => writer(s) === 'A' && rv(s.object) > acquiredRV);
  const byB = writes.filter((s) => writer(s) === 'B' && rv(s.object) > acquiredRV);
  const ms = (e: Event | undefined) => (e ? `${e.at - frozenAt} ms` : 'never');
  t.diagnostic(
    `after the freeze: A lost leadership ${ms(lost)}, fenced its client ${ms(fenced)}; B's acquireTime ` +
      `${acquireTime - frozenAt} ms (watch saw it ${acquired.seenAt - frozenAt} ms)` +
      (lost ? `; A stopped ${acquireTime - lost.at} ms before B acquired` : ''),
  );
  t.diagnostic(
    `after the takeover: ${lateA.length} writes by A, ${byB.length} by B; A's write attempts after the partition ` +
      `healed: ${afterThaw.length} (${outcomes.join(', ')}); A exited ${exitCode}`,
  );

  // (a) A reported the loss — and fenced its client — before B's acquisition
  assert.ok(lost, 'A reported leadership lost (within 20 s of the takeover)');
  assert.ok(lost.at < acquireTime, `A reported the loss ${lost.at - acquireTime} ms after B's acquireTime`);
  assert.ok(fenced, 'A fenced its client');
  assert.ok(fenced.at < acquireTime, `A fenced its client ${fenced.at - acquireTime} ms after B's acquireTime`);
  assert.equal(stopped?.error, 'LeadershipLostError', 'A stopped with LeadershipLostError');
  assert.ok(lost.at - frozenAt <= 10_000 + 1_000, `A noticed ${lost.at - frozenAt} ms after the freeze`);
  // (b) nothing A tried after the partition healed reached the API server
  assert.deepEqual(
    lateA.map((s) => s.object.metadata.annotations),
    [],
    'no write by A has a resourceVersion later than the takeover',
  );
  assert.ok(afterThaw.length >= 20, `A tried to write after the partition healed (${afterThaw.length} attempts)`);
  assert.deepEqual(outcomes, ['ERR_WRITE_FENCED'], 'every such write was refused by the fence');
  assert.equal(exitCode, 1, 'A exits with the LeadershipLostError exit code');
  assert.ok(byB.length >= 5, `B writes once it leads (${byB.length})`);

  b.child.kill('SIGTERM');
  assert.equal(await b.exited, 0, 'B stops gracefully');
});
