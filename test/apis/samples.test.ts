/**
 * The generated CRDs on the real API server: every sample applies unchanged (server-side dry-run), and applied and
 * read back, every field of it survives (nothing pruned). `kubectl explain` and `kubectl scale` work.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { buildCrd, kindDefinition, kinds } from '../../src/apis/index.ts';
import { installCrds } from '../../src/apis/install.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';

const SAMPLES = join(import.meta.dirname, '..', '..', 'samples');
const PATCHES = new Set(['compose-mysqlreplication-switchover-patch.yaml']);

// started at load time (not in a hook) so a private cluster, when the file runs alone, lives as long as the file
const installed = testCluster().then((c) => installCrds(c.kc));

interface Sample {
  file: string;
  text: string;
  object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec: unknown };
}

async function samples(): Promise<Sample[]> {
  const files = (await readdir(SAMPLES)).filter((f) => f.endsWith('.yaml') && !PATCHES.has(f)).sort();
  const all = await Promise.all(
    files.map(async (file) => {
      const text = await readFile(join(SAMPLES, file), 'utf8');
      return { file, text, object: parse(text) };
    }),
  );
  return all;
}

/** Every [path, value] leaf of a parsed YAML value (null leaves, like `labels:` with nothing under it, skipped). */
function leaves(value: unknown, path: (string | number)[] = []): [(string | number)[], unknown][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  return value === null ? [] : [[path, value]];
}

function at(object: unknown, path: (string | number)[]): unknown {
  let o: unknown = object;
  for (const key of path) {
    if (o === null || typeof o !== 'object') return undefined;
    o = (o as Record<string | number, unknown>)[key];
  }
  return o;
}

async function ensureNamespace(kc: k8s.KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  // shared with other test files (e.g. the broker e2e tests apply the same samples), so never deleted here
  await core.createNamespace({ body: { metadata: { name } } }).catch((err: { code?: number }) => {
    if (err.code !== 409) throw err;
  });
}

test('every sample passes a server-side dry-run apply, unchanged', async () => {
  const cluster = await testCluster();
  await installed;
  const all = await samples();
  assert.ok(all.length >= 7, `found ${all.length} samples`);
  for (const { file, text, object } of all) {
    assert.ok(kindDefinition(object.apiVersion, object.kind), `${file}: ${object.kind} is a kind Statecraft serves`);
    if (object.metadata?.namespace) await ensureNamespace(cluster.kc, object.metadata.namespace);
    const out = await cluster.kubectl(
      ['apply', '--server-side', '--dry-run=server', '--field-manager=samples-test', '-f', '-', '-o', 'json'],
      text, // exactly as written (the default namespace when it names none)
    );
    assert.equal(JSON.parse(out).kind, object.kind, file);
  }
});

test('every field of every sample survives apply and read-back (no pruning)', async (t) => {
  const cluster = await testCluster();
  await installed;
  const ns = await testNamespace(t, 'samples');
  for (const { file, text, object } of await samples()) {
    // into this test's namespace, so parallel tests applying the same samples never collide
    await cluster.kubectl(
      ['apply', '--server-side', '--field-manager=samples-test', '-n', ns, '-f', '-'],
      text.replace(/^ {2}namespace: .*$/m, `  namespace: ${ns}`),
    );
    const stored = JSON.parse(
      await cluster.kubectl([
        'get',
        '-n',
        ns,
        `${object.kind}.${object.apiVersion.split('/')[0]}`,
        object.metadata.name,
        '-o',
        'json',
      ]),
    );
    for (const [path, value] of leaves(object.spec, ['spec'])) {
      assert.deepEqual(at(stored, path), value, `${file}: ${JSON.stringify(path)} survives`);
    }
  }
});

test("the seed's switchover merge patch applies to the semi-sync sample", async (t) => {
  const cluster = await testCluster();
  await installed;
  const ns = await testNamespace(t, 'switchover');
  const base = await readFile(join(SAMPLES, 'compose-mysqlreplication-semi-sync.yaml'), 'utf8');
  await cluster.kubectl(['apply', '--server-side', '-n', ns, '-f', '-'], base);
  const patch = parse(await readFile(join(SAMPLES, 'compose-mysqlreplication-switchover-patch.yaml'), 'utf8'));
  const name = 'mysql-replication-semi-sync-sample';
  await cluster.kubectl([
    'patch',
    '-n',
    ns,
    'mysqlreplication',
    name,
    '--type=merge',
    '--dry-run=server',
    '-p',
    JSON.stringify(patch),
  ]);
  await cluster.kubectl(['patch', '-n', ns, 'mysqlreplication', name, '--type=merge', '-p', JSON.stringify(patch)]);
  const stored = JSON.parse(await cluster.kubectl(['get', '-n', ns, 'mr', name, '-o', 'json']));
  assert.equal(stored.spec.source.name, 'mysql-semi-sync-node-1');
  assert.deepEqual(
    stored.spec.replica.map((r: { name: string }) => r.name),
    ['mysql-semi-sync-node-0', 'mysql-semi-sync-node-2'],
  );
  assert.equal(stored.spec.mode, 'rpl_semi_sync', 'fields the patch does not name are kept');
});

test('kubectl explain musicservice.spec.database prints the field descriptions', async () => {
  const cluster = await testCluster();
  await installed;
  const out = await cluster.kubectl(['explain', 'musicservice.spec.database']);
  assert.match(out, /The MariaDB database behind the service/);
  assert.match(out, /replicas\s+<integer>/);
  assert.match(out, /Number of read replicas beside the primary/);
  assert.match(out, /MariaDB container image/);
  const recursive = await cluster.kubectl(['explain', 'mysqlreplication.spec.maxLagSeconds']);
  assert.match(recursive, /Statecraft extension/);
});

test('kubectl scale works through the scale subresource of MusicService, ShazamqCluster and StreamBusCluster', async (t) => {
  const cluster = await testCluster();
  await installed;
  const ns = await testNamespace(t, 'scale');
  const scalable = (await samples()).filter((s) => kindDefinition(s.object.apiVersion, s.object.kind)?.scale);
  assert.deepEqual([...new Set(scalable.map((s) => s.object.kind))].sort(), [
    'MusicService',
    'ShazamqCluster',
    'StreamBusCluster',
  ]);
  for (const { text, object } of scalable) {
    const resource = `${object.kind}.${object.apiVersion.split('/')[0]}`;
    await cluster.kubectl(
      ['apply', '--server-side', '-n', ns, '-f', '-'],
      text.replace(/^ {2}namespace: .*$/m, `  namespace: ${ns}`),
    );
    await cluster.kubectl(['scale', '-n', ns, resource, object.metadata.name, '--replicas=5']);
    const stored = JSON.parse(await cluster.kubectl(['get', '-n', ns, resource, object.metadata.name, '-o', 'json']));
    assert.equal(stored.spec.replicas, 5, `${object.kind}/${object.metadata.name}`);
  }
  const table = await cluster.kubectl(['get', '-n', ns, 'musicservice']);
  assert.match(table.split('\n')[0], /^NAME\s+REPLICAS\s+READY\s+PHASE\s+AGE$/, 'printer columns as upstream');
  assert.match(table, /miku-stream\s+5\s/);
});

test('every short name resolves', async () => {
  const cluster = await testCluster();
  await installed;
  for (const def of kinds) {
    for (const short of def.shortNames ?? []) await cluster.kubectl(['get', short, '-A', '-o', 'name']);
  }
});

test('installCrds stores each CRD schema exactly as generated (nothing lost in the client)', async () => {
  const cluster = await testCluster();
  await installed;
  for (const def of kinds) {
    const wire = JSON.parse(await cluster.kubectl(['get', 'crd', def.crdName, '-o', 'json']));
    const expected = buildCrd(def) as { spec: { versions: { schema: unknown }[] } };
    assert.deepEqual(wire.spec.versions[0].schema, expected.spec.versions[0].schema, def.kind);
  }
});
