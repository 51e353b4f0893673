/**
 * RedisReplication fault paths on real redis pods: a wrong password, a wrong AES key and an unreachable node each
 * give a False TopologyReady naming the cause, and no password (right or wrong) appears in the operator's logs,
 * the events or the status.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { installCrds } from '../../src/apis/install.ts';
import { controllers } from '../../src/controllers/index.ts';
import { encryptCredential } from '../../src/credentials/index.ts';
import { apply, readyPod } from '../devcluster/pods.ts';
import { startManager } from '../runtime/support.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import {
  AES_KEY,
  REDIS_PW,
  redisNodeSpec,
  redisReplicationCr,
  redisReplicationFixture,
  redisReplications,
} from '../support/redisReplicationFixture.ts';
import { eventually } from '../support/wait.ts';

const WRONG_PW = 'Wr0ng-pa55word';
const WRONG_AES = 'wrong-key-0123456789abcdef012345';

test('RedisReplication faults: wrong password, wrong AES key, unreachable node → False condition naming the cause, no password anywhere', async (t) => {
  const ns = await testNamespace(t, 'rr-faults');
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const core = cluster.kc.makeApiClient(k8s.CoreV1Api);
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  await apply(ns, [
    ...redisReplicationFixture(['f-0', 'f-1']),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bad-credentials' },
      data: { redis: encryptCredential(WRONG_PW, AES_KEY).toString('base64') },
    },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'wrong-aes' }, stringData: { AES_SECRET_KEY: WRONG_AES } },
  ]);
  await Promise.all(['f-0', 'f-1'].map((n) => readyPod(ns, n)));
  const logs: string[] = [];
  await startManager(
    t,
    controllers({
      addressMode: 'pod-ip',
      redisReplication: { resyncMs: 1000, connectTimeoutMs: 1000 },
      only: ['redisreplication'],
    }),
    {
      namespaces: [ns],
      logger: pino(
        { level: 'debug' },
        new Writable({
          write(chunk, _enc, done) {
            logs.push(String(chunk));
            done();
          },
        }),
      ),
    },
  );
  const crs = redisReplications(custom, ns);
  const wrongPw = redisReplicationCr('wrong-pw', ns, 'f-0', []) as { spec: Record<string, unknown> };
  wrongPw.spec.secret = { name: 'bad-credentials', redis: 'redis' };
  await crs.create(wrongPw);
  await crs.create(redisReplicationCr('wrong-aes', ns, 'f-0', [], { aesSecret: { name: 'wrong-aes' } }));
  await crs.create(
    redisReplicationCr('unreachable', ns, 'f-0', [], {
      replica: [redisNodeSpec('f-1', ns, 6390)],
    }),
  );

  const failed = (name: string) =>
    eventually(
      `${name}: TopologyReady False`,
      async () => {
        const o = await crs.get(name);
        const c = o.status?.conditions?.find((x) => x.type === 'TopologyReady');
        return c?.status === 'False' && o.status?.ready === false && c;
      },
      30_000,
      100,
    );
  const pw = await failed('wrong-pw');
  assert.equal(pw.reason, 'AuthFailed');
  assert.match(pw.message, /f-0/);
  const aes = await failed('wrong-aes');
  assert.equal(aes.reason, 'WrongAesKey');
  assert.match(aes.message, /redis-credentials/);
  const unreachable = await failed('unreachable');
  assert.equal(unreachable.reason, 'NodeUnreachable');
  assert.match(unreachable.message, /f-1: .*:6390/);
  const status = (await crs.get('unreachable')).status;
  assert.equal(status?.topology?.['f-1']?.status, 'Failed');
  assert.equal(status?.topology?.['f-0']?.status, 'Healthy', 'the reachable node is still observed');

  const events = (await core.listNamespacedEvent({ namespace: ns })).items;
  assert.ok(events.some((e) => e.reason === 'ErrSynced'));
  const everything = [
    ...logs,
    JSON.stringify(events),
    ...(await Promise.all(['wrong-pw', 'wrong-aes', 'unreachable'].map(async (n) => JSON.stringify(await crs.get(n))))),
  ].join('\n');
  assert.ok(logs.length > 0, 'the operator logged');
  for (const secret of [REDIS_PW, WRONG_PW]) assert.ok(!everything.includes(secret), 'a password leaked');
});
