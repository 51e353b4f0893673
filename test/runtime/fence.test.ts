import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { type FencedError, isFenced, KubeClient } from '../../src/runtime/index.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { startFreezableProxy } from '../support/freezableProxy.ts';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const cm = (namespace: string, name: string) => ({ ...CM, metadata: { name, namespace }, data: { k: 'v' } });

test('a fenced client refuses every mutating request, sends none of them, and still reads and watches', async (t) => {
  const { kc } = await testCluster();
  const ns = await testNamespace(t, 'rt-fence');
  const fenced = new KubeClient(kc);
  const other = new KubeClient(kc);
  t.after(() => {
    fenced.close();
    other.close();
  });
  const live = await fenced.create(cm(ns, 'existing'));
  assert.equal(fenced.writesFenced.aborted, false);

  fenced.fence('leadership lost (test)');
  fenced.fence('a second reason is ignored');
  assert.equal(fenced.writesFenced.aborted, true);

  const writes: [string, () => Promise<unknown>][] = [
    ['POST', () => fenced.create(cm(ns, 'never'))],
    ['PUT', () => fenced.replace({ ...live, data: { k: 'changed' } })],
    ['PATCH', () => fenced.patch(CM, ns, 'existing', { data: { k: 'patched' } }, 'merge')],
    ['DELETE', () => fenced.delete(CM, ns, 'existing')],
    ['POST', () => fenced.request('POST', `/api/v1/namespaces/${ns}/configmaps`, { body: cm(ns, 'raw') })],
  ];
  for (const [method, write] of writes) {
    await assert.rejects(write, (err: unknown) => {
      assert.ok(isFenced(err), `${method}: ${err}`);
      assert.equal((err as FencedError).code, 'ERR_WRITE_FENCED');
      assert.equal((err as FencedError).reason, 'leadership lost (test)');
      assert.match((err as Error).message, new RegExp(`^${method} /api/v1/namespaces/${ns}/configmaps.*write refused`));
      return true;
    });
  }

  // nothing reached the server; reads and watches go on
  assert.equal(await other.get(CM, ns, 'never'), undefined);
  assert.equal(await other.get(CM, ns, 'raw'), undefined);
  assert.deepEqual((await other.get<typeof live>(CM, ns, 'existing'))?.data, { k: 'v' });
  assert.equal((await fenced.get<typeof live>(CM, ns, 'existing'))?.metadata?.name, 'existing');
  assert.equal((await fenced.list(CM, { namespace: ns })).items.length, 2); // ours and kube-root-ca.crt
  for await (const e of fenced.watch(CM, { namespace: ns })) {
    assert.equal(e.type, 'ADDED');
    break;
  }
});

test('a write guard refuses writes while it says so, without fencing the client', async (t) => {
  const { kc } = await testCluster();
  const ns = await testNamespace(t, 'rt-guard');
  const client = new KubeClient(kc);
  t.after(() => client.close());
  let refusing: string | undefined = 'not the leader (test)';
  client.guardWrites(() => refusing);
  await assert.rejects(client.create(cm(ns, 'a')), (err) => isFenced(err) && err.reason === 'not the leader (test)');
  assert.equal(client.writesFenced.aborted, false);
  refusing = undefined;
  await client.create(cm(ns, 'a'));
  assert.ok(await client.get(CM, ns, 'a'));
});

test('fencing cuts off a write in flight at once; it is never applied', async (t) => {
  const cluster = await testCluster();
  const ns = await testNamespace(t, 'rt-fence-inflight');
  const server = new URL(cluster.kc.getCurrentCluster()!.server);
  const proxy = await startFreezableProxy({ host: server.hostname, port: Number(server.port) });
  const config = JSON.parse(cluster.kc.exportConfig()) as { clusters: { cluster: { server: string } }[] };
  for (const c of config.clusters) c.cluster.server = proxy.url;
  const viaProxy = new KubeConfig();
  viaProxy.loadFromString(JSON.stringify(config));
  const client = new KubeClient(viaProxy);
  const direct = new KubeClient(cluster.kc);
  t.after(async () => {
    client.close();
    direct.close();
    await proxy.close();
  });
  await client.create(cm(ns, 'warm-up')); // discovery done and a connection open before the freeze

  proxy.freeze();
  const write = client.create(cm(ns, 'in-flight'));
  write.catch(() => {});
  await sleep(300);
  const fencedAt = performance.now();
  client.fence('leadership lost (test)');
  await assert.rejects(write, (err) => isFenced(err) && /cut off in flight/.test(err.message));
  const took = performance.now() - fencedAt;
  assert.ok(took < 100, `rejected ${took} ms after the fence`);

  proxy.thaw();
  await sleep(1000);
  assert.equal(await direct.get(CM, ns, 'in-flight'), undefined);
  // the client still reads once the network is back
  assert.ok(await client.get(CM, ns, 'warm-up'));
});
