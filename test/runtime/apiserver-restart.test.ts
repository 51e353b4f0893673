/**
 * Kills and restarts kube-apiserver under a running informer. Uses a PRIVATE cluster so that parallel test files
 * on the shared one are not disturbed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { apiserverReady, clusterDown, clusterUp } from '../../src/devcluster/cluster.ts';
import { startDetached } from '../../src/devcluster/processes.ts';
import { Informer, KubeClient, type KubeObject, keyOf } from '../../src/runtime/index.ts';
import { eventually } from '../support/wait.ts';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };

test('a watch survives a kube-apiserver restart', { timeout: 240_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'statecraft-rt-restart-'));
  t.after(async () => {
    await clusterDown(dir);
    await rm(dir, { recursive: true, force: true });
  });
  const { state } = await clusterUp({ dir });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  const client = new KubeClient(kc);
  const stop = new AbortController();
  t.after(() => {
    stop.abort();
    client.close();
  });
  const ns = 'default';
  const make = (name: string) =>
    client.create({ ...CM, metadata: { name, namespace: ns, labels: { rt: 'restart' } } } as KubeObject);
  await make('before');
  const inf = new Informer(client, CM, true, {
    namespaces: [ns],
    labelSelector: 'rt=restart',
    log: pino({ level: 'silent' }),
  });
  const seen = new Set<string>();
  inf.addEventHandler({ added: (o) => seen.add(keyOf(o)), deleted: (o) => seen.delete(keyOf(o)) });
  inf.start(stop.signal);
  await inf.waitForSync(30_000);
  assert.ok(seen.has(`${ns}/before`));

  // Restart: same binary, same arguments, read from /proc before the kill.
  const entry = state.processes.find((p) => p.name === 'kube-apiserver');
  assert.ok(entry, 'cluster state lists kube-apiserver');
  const argv = readFileSync(`/proc/${entry.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  process.kill(entry.pid, 'SIGKILL');
  await eventually(
    'kube-apiserver to exit',
    async () => !(await apiserverReady(state.server, join(dir, 'pki')).catch(() => false)),
    20_000,
    100,
  );
  const restarted = startDetached('kube-apiserver', argv[0], argv.slice(1), entry.logPath);
  // record the new pid so clusterDown stops it
  entry.pid = restarted.pid;
  await writeFile(join(dir, 'state.json'), JSON.stringify(state, null, 2));
  await eventually(
    'kube-apiserver to be ready again',
    () => apiserverReady(state.server, join(dir, 'pki')).catch(() => false),
    90_000,
    500,
  );

  await eventually('creating an object after the restart', async () => (await make('after'), true), 30_000, 500);
  await eventually(
    'the informer to see the object created after the restart',
    async () => seen.has(`${ns}/after`),
    60_000,
  );
  assert.ok(seen.has(`${ns}/before`), 'objects from before are still there');
  assert.ok(inf.reflectors[0].stats.errors >= 1, 'the reflector saw the outage and recovered');
});
