/**
 * The operator's address mode reaches MusicService. With `host` the operator connects to the database pods by their
 * cluster DNS names — `{pod}.{name}-db-master.{ns}.svc` — which do not resolve for an operator outside the cluster
 * (as here, against the local cluster): the database never becomes Ready and its condition names the address it
 * tried. With `pod-ip` (every other MusicService test, database.test.ts among them) it becomes Ready.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { getJson, sampleYaml, startOperator } from './operator.ts';

const ROOT_PASSWORD = 'miku-secret-pass'; // the sample's spec.database.rootPassword

test('address mode host: the primary is tried at its DNS name, the condition says so, the database is never Ready', async (t) => {
  const ns = await testNamespace(t, 'ms-addr');
  const { cluster } = await startOperator(t, ns, { addressMode: 'host' });
  await cluster.kubectl(['-n', ns, 'apply', '-f', '-'], await sampleYaml());

  const address = `miku-stream-db-master-0.miku-stream-db-master.${ns}.svc:3306`;
  const databaseReady = async () => {
    const o = await getJson(cluster, ns, 'musicservice/miku-stream');
    return { o, c: o?.status?.conditions?.find((x: { type: string }) => x.type === 'DatabaseReady') };
  };
  const { o: ms, c } = await eventually(
    `DatabaseReady naming ${address}`,
    async () => {
      const r = await databaseReady();
      return r.c?.message?.includes(address) && r;
    },
    240_000,
    500,
  );
  t.diagnostic(`DatabaseReady: ${c.message}`);
  assert.equal(c.status, 'False');
  assert.equal(c.reason, 'PrimaryNotReady');
  assert.ok(c.message.startsWith(`The primary miku-stream-db-master-0 does not answer at ${address}: `), c.message);
  assert.equal(ms.status.database.masterReady, false);
  assert.notEqual(ms.status.database.phase, 'Ready');

  // the server itself is up (its pod is Ready on its IP): only the address the operator uses keeps it from Ready
  await eventually(
    'the primary pod Ready',
    async () =>
      (await getJson(cluster, ns, 'pod/miku-stream-db-master-0'))?.status?.conditions?.some(
        (x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'True',
      ),
    120_000,
    500,
  );
  // and it stays so over further passes (while progressing the operator looks again every second)
  for (let i = 0; i < 5; i++) {
    await sleep(1000);
    const r = await databaseReady();
    assert.notEqual(r.o?.status?.database?.phase, 'Ready');
    assert.equal(r.c?.status, 'False');
    assert.ok(r.c?.message?.includes(address), r.c?.message);
  }

  const events = await cluster.kubectl(['-n', ns, 'get', 'events', '-o', 'json']);
  const status = JSON.stringify((await getJson(cluster, ns, 'musicservice/miku-stream'))?.status);
  for (const text of [status, events]) assert.ok(!text.includes(ROOT_PASSWORD), 'no password in status or events');
});
