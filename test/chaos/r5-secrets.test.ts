/**
 * R5 secrets. Runs the operator (its own process, all controllers) over objects that make it use passwords in
 * every way it does: a MysqlReplication on real MariaDB servers (the happy path: it logs in with the admin and
 * replication passwords and sets up replication), the same pods named by a CR whose Secret holds WRONG passwords
 * (the access-denied path), Redis and PostgreSQL CRs whose pods do not exist (connection errors while holding a
 * password), a wrong AES key, and a MusicService with a root password in its spec. Then scans the operator logs —
 * this file's and, under `npm run chaos`, every earlier suite's — all Events in the cluster, and the status of
 * every custom resource for every password and key used (plain, base64, URL-encoded): zero hits.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { generatedCrds, installCrds } from '../../src/apis/install.ts';
import { encryptCredential } from '../../src/credentials/index.ts';
import { KubeClient, type KubeObject } from '../../src/runtime/index.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import {
  ADMIN_PW,
  AES_KEY,
  APP,
  mysqlReplicationCr,
  REPL_PW,
  replicationFixture,
} from '../support/mysqlReplicationFixture.ts';
import { eventually } from '../support/wait.ts';
import { validBases } from './bases.ts';
import { allUsedSecrets, logDir, recordFigures, size, startOperator, useSecret } from './support.ts';

const WRONG_ADMIN = useSecret('Wr0ng-Adm1n/pw+@%');
const WRONG_REPL = useSecret('Wr0ng-r3pl:pw?&');
const REDIS_PW = useSecret('R3dis-s3cret=pw');
const PG_PW = useSecret('Pg-s3cret#pw');
const WRONG_AES = useSecret('wrong-aes-key-0123456789abcdef01');
for (const s of [ADMIN_PW, REPL_PW, AES_KEY, APP.password, 'root-pw']) useSecret(s);

/** Each secret as it could leak: as is, base64 (a Secret's data), URL-encoded (in a connection URL). */
function forms(secret: string): string[] {
  return [...new Set([secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)])];
}

test('R5: no password or key in operator logs, Events or custom resource status', { timeout: 400_000 }, async (t) => {
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const ns = await testNamespace(t, 'chaos-r5');
  const client = new KubeClient(cluster.kc);
  t.after(() => client.close());
  const enc = (pw: string, key = AES_KEY) => encryptCredential(pw, key).toString('base64');
  const musicPassword = useSecret(`mus1c-root-${Date.now().toString(36)}`);

  for (const o of replicationFixture(['db-0', 'db-1']))
    await client.create({
      ...(o as KubeObject),
      metadata: { ...(o as KubeObject).metadata, namespace: ns },
    } as KubeObject);
  await client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'wrong-credentials', namespace: ns },
    data: { mysql: enc(WRONG_ADMIN), replication: enc(WRONG_REPL), redis: enc(REDIS_PW), postgres: enc(PG_PW) },
  } as KubeObject);
  await client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'bad-aes', namespace: ns },
    stringData: { AES_SECRET_KEY: WRONG_AES },
  } as KubeObject);
  const op = await startOperator(cluster, ns, 'r5-operator');
  t.after(() => op.kill());

  const good = mysqlReplicationCr('mr-good', ns, 'db-0', ['db-1']) as KubeObject & { spec: Record<string, unknown> };
  await client.create(good);
  const wrong = mysqlReplicationCr('mr-wrong', ns, 'db-0', ['db-1']) as KubeObject & { spec: Record<string, unknown> };
  wrong.spec.secret = { name: 'wrong-credentials', mysql: 'mysql', replication: 'replication' };
  await client.create(wrong);
  const wrongKey = mysqlReplicationCr('mr-wrong-aes', ns, 'db-0', ['db-1']) as KubeObject & {
    spec: Record<string, unknown>;
  };
  wrongKey.spec.aesSecret = { name: 'bad-aes', key: 'AES_SECRET_KEY' };
  await client.create(wrongKey);
  for (const base of validBases()) {
    if (!['RedisReplication', 'RedisCluster', 'PostgresReplication'].includes(base.kind)) continue;
    base.metadata = { name: `missing-pods-${base.kind.toLowerCase()}`, namespace: ns };
    base.spec.secret = { name: 'wrong-credentials' };
    await client.create(base as KubeObject);
  }
  const music = validBases().find((b) => b.kind === 'MusicService')!;
  music.metadata = { name: 'music', namespace: ns };
  music.spec.database.rootPassword = musicPassword;
  await client.create(music as KubeObject);

  // the operator has used every password: the good CR replicates, the others carry a False condition
  const MR = { apiVersion: 'upm.syntropycloud.io/v1alpha1', kind: 'MysqlReplication' };
  type WithConditions = KubeObject & { status?: { conditions?: { type: string; status: string; reason?: string }[] } };
  const conditionsOf = async (name: string) => (await client.get<WithConditions>(MR, ns, name))?.status?.conditions;
  let seen: unknown;
  await eventually(
    'mr-good TopologyReady and mr-wrong / mr-wrong-aes answered with a reason',
    async () => {
      const g = await conditionsOf('mr-good');
      const w = await conditionsOf('mr-wrong');
      const k = await conditionsOf('mr-wrong-aes');
      seen = { good: g, wrong: w, wrongAes: k };
      const ready = g?.some((c) => c.type === 'TopologyReady' && c.status === 'True');
      const failed = (c?: { status: string; reason?: string }[]) => c?.some((x) => x.status === 'False' && x.reason);
      return (ready && failed(w) && failed(k)) || undefined;
    },
    180_000,
    1000,
  ).catch((err) => assert.fail(`${err.message}; conditions: ${JSON.stringify(seen)}`));
  await sleep(size(3_000, 10_000)); // a few more rounds of retries and polls, each a chance to leak

  const secrets = await allUsedSecrets();
  const needles = secrets.flatMap((s) => forms(s).map((f) => ({ secret: s, form: f })));
  const hits: string[] = [];
  const scan = (where: string, text: string) => {
    for (const n of needles) if (text.includes(n.form)) hits.push(`${where}: ${JSON.stringify(n.form)}`);
  };

  // operator logs: this file's process and every one the run kept
  const files = (await readdir(logDir())).filter((f) => f.endsWith('.log'));
  let logBytes = 0;
  for (const f of files) {
    const text = await readFile(join(logDir(), f), 'utf8');
    logBytes += text.length;
    scan(`log ${f}`, text);
  }
  scan('this operator', op.lines.join('\n'));
  // every Event in the cluster, both APIs
  let events = 0;
  for (const gvk of [
    { apiVersion: 'v1', kind: 'Event' },
    { apiVersion: 'events.k8s.io/v1', kind: 'Event' },
  ]) {
    const list = await client.list(gvk);
    events += list.items.length;
    for (const e of list.items) scan(`event ${e.metadata?.namespace}/${e.metadata?.name}`, JSON.stringify(e));
  }
  // the status of every custom resource of every kind, all namespaces
  let statuses = 0;
  type CrdView = KubeObject & {
    spec: { group: string; names: { kind: string }; versions: { name: string; served: boolean }[] };
  };
  for (const crd of (await generatedCrds()) as CrdView[]) {
    for (const v of crd.spec.versions.filter((x) => x.served)) {
      const list = await client.list<KubeObject & { status?: unknown }>({
        apiVersion: `${crd.spec.group}/${v.name}`,
        kind: crd.spec.names.kind,
      });
      for (const o of list.items) {
        statuses++;
        scan(`status ${o.kind} ${o.metadata?.namespace}/${o.metadata?.name}`, JSON.stringify(o.status ?? {}));
      }
    }
  }
  t.diagnostic(
    `scanned ${files.length} operator logs (${(logBytes / 1e6).toFixed(1)} MB), ${events} events, ${statuses} ` +
      `statuses for ${secrets.length} secrets × ${needles.length / Math.max(1, secrets.length)} forms: ${hits.length} hits`,
  );
  for (const h of hits.slice(0, 20)) t.diagnostic(`HIT ${h}`);
  recordFigures({
    suite: 'R5 secret scan',
    runs: secrets.length,
    passed: secrets.filter((s) => !hits.some((h) => forms(s).some((f) => h.endsWith(JSON.stringify(f))))).length,
    key: `${hits.length} hits in ${files.length} logs (${(logBytes / 1e6).toFixed(1)} MB), ${events} events, ${statuses} statuses`,
    figures: { secrets: secrets.length, logs: files.length, logBytes, events, statuses, hits },
  });
  assert.ok(logBytes > 0 && events > 0 && statuses > 0, 'there was something to scan');
  assert.deepEqual(hits, [], 'no secret in logs, events or statuses');
});
