import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { Informer, KubeClient, type KubeObject, keyOf } from '../../src/runtime/index.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };

/** What a consumer sees: a map rebuilt only from the informer's events. */
function mirror(inf: Informer) {
  const m = new Map<string, string>();
  const deleted: string[] = [];
  inf.addEventHandler({
    added: (o) => m.set(keyOf(o), o.metadata!.resourceVersion!),
    updated: (_, o) => m.set(keyOf(o), o.metadata!.resourceVersion!),
    deleted: (o) => {
      m.delete(keyOf(o));
      deleted.push(keyOf(o));
    },
  });
  return { m, deleted };
}

test('a forced 410 leads to a relist with no missed and no phantom objects', async (t) => {
  const { kc } = await testCluster();
  const ns = await testNamespace(t, 'rt-gone');
  const client = new KubeClient(kc);
  const stop = new AbortController();
  t.after(() => {
    stop.abort();
    client.close();
  });
  const create = (name: string) =>
    client.create({ ...CM, metadata: { name, namespace: ns, labels: { rt: 'gone' } }, data: { v: '1' } } as KubeObject);
  await Promise.all(['a', 'b', 'c'].map(create));

  const inf = new Informer(client, CM, true, {
    namespaces: [ns],
    labelSelector: 'rt=gone', // leaves out the namespace's kube-root-ca.crt
    log: pino({ level: 'silent' }),
  });
  const seen = mirror(inf);
  inf.start(stop.signal);
  await inf.waitForSync(30_000);
  assert.deepEqual([...seen.m.keys()].sort(), [`${ns}/a`, `${ns}/b`, `${ns}/c`]);

  // Disconnect, change things while away, then resume from a compacted resourceVersion → 410 → relist.
  const reflector = inf.reflectors[0];
  reflector.interrupt({ holdMs: 2_000, resumeFrom: '1' });
  await client.delete(CM, ns, 'a');
  await client.patch(CM, ns, 'b', { data: { v: '2' } }, 'merge');
  await create('d');

  await eventually('a relist after 410', async () => reflector.stats.relistsOnGone >= 1, 30_000);
  const truth = await client.list(CM, { namespace: ns, labelSelector: 'rt=gone' });
  const expected = new Map(truth.items.map((o) => [keyOf(o), o.metadata!.resourceVersion!]));
  await eventually('the mirror to equal the server', async () => {
    return seen.m.size === expected.size && [...expected].every(([k, rv]) => seen.m.get(k) === rv);
  });
  assert.deepEqual(new Map(seen.m), expected, 'events rebuilt exactly the server state');
  assert.ok(seen.deleted.includes(`${ns}/a`), 'the object deleted while away was reported deleted');
  assert.deepEqual([...inf.store.keys()].sort(), [...expected.keys()].sort());

  // and the watch keeps working after the relist
  await create('e');
  await eventually('a later object', async () => seen.m.has(`${ns}/e`));
});

test('a silent watch is restarted by the watchdog and resumes without a relist', async (t) => {
  const { kc } = await testCluster();
  const ns = await testNamespace(t, 'rt-silent');
  const client = new KubeClient(kc);
  const stop = new AbortController();
  t.after(() => {
    stop.abort();
    client.close();
  });
  // server-side timeout far away, watchdog grace short: with no traffic the watch looks silent
  const inf = new Informer(client, CM, true, {
    namespaces: [ns],
    watchTimeoutSeconds: [0, 0],
    watchdogGraceMs: 1_500,
    log: pino({ level: 'silent' }),
  });
  const seen = mirror(inf);
  inf.start(stop.signal);
  await inf.waitForSync(30_000);
  const reflector = inf.reflectors[0];
  await eventually('the watchdog to restart the watch', async () => reflector.stats.watchdogKills >= 1, 20_000);
  await client.create({ ...CM, metadata: { name: 'after', namespace: ns } } as KubeObject);
  await eventually('an object created after the restart', async () => seen.m.has(`${ns}/after`));
  assert.equal(reflector.stats.lists, 1, 'resumed from the last resourceVersion, no relist');
});
