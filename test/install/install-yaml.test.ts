/**
 * dist/install.yaml: current with the chart, and — through `statecraft dev --operator pod`, which applies the same
 * rendered objects (on the pod network with the chart's default address mode, so the operator dials the samples'
 * host names through cluster DNS as in production; on a loopback cluster with --address-mode=pod-ip) — an operator
 * that runs in two pods with only the generated RBAC and brings every sample to its ready state. Its own cluster: an operator watching every
 * namespace must not meet the other test files' objects.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { helmBinary } from '../../src/devcluster/build.ts';
import { clusterDown, readState } from '../../src/devcluster/cluster.ts';
import { INSTALL_NAMESPACE, renderInstaller } from '../../src/install/installer.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');

test('dist/install.yaml is the chart rendered with its defaults (run `npm run build-installer` when this fails)', async () => {
  const expected = await renderInstaller(await helmBinary(), ROOT);
  assert.equal(await readFile(join(ROOT, 'dist', 'install.yaml'), 'utf8'), expected);
  assert.match(expected, /^kind: Namespace$/m);
  assert.doesNotMatch(expected, /AES_SECRET_KEY:/, 'no AES key in a file that is re-applied');
});

test('the installed operator (2 pods, generated RBAC only) brings every sample to its ready state', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'statecraft-install-e2e-'));
  const child = spawn(
    process.execPath,
    [join(ROOT, 'src/cli/main.ts'), 'dev', '--dir', dir, '--operator', 'pod', '--exit-after', '300'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await clusterDown(dir);
    await rm(dir, { recursive: true, force: true });
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  assert.equal(code, 0, `dev --operator pod exited ${code}:\n${out}`);
  assert.match(out, /^operator running in pods: deployment statecraft-system\/statecraft/m);
  assert.match(out, /^all \d+ samples converged in [\d.]+ s$/m);

  const state = (await readState(dir))!;
  const kubectl = async (...args: string[]) =>
    (await run(state.binaries.kubectl, [`--kubeconfig=${state.kubeconfig}`, ...args])).stdout.trim();
  const args = await kubectl(
    '-n',
    INSTALL_NAMESPACE,
    'get',
    'deployment',
    'statecraft',
    '-o',
    'jsonpath={.spec.template.spec.containers[0].args}',
  );
  // auto: host names when the operator runs in a pod (src/controllers/address-mode.ts)
  if (state.network) assert.match(args, /--address-mode=auto/, 'on the pod network the operator pods dial host names');
  const pods = JSON.parse(
    await kubectl('-n', INSTALL_NAMESPACE, 'get', 'pods', '-l', 'app.kubernetes.io/name=statecraft', '-o', 'json'),
  ).items as { metadata: { name: string }; spec: { serviceAccountName: string } }[];
  assert.equal(pods.length, 2);
  const holder = await kubectl(
    '-n',
    INSTALL_NAMESPACE,
    'get',
    'lease',
    'statecraft-leader',
    '-o',
    'jsonpath={.spec.holderIdentity}',
  );
  assert.ok(
    pods.some((p) => holder.startsWith(`${p.metadata.name}_`)),
    `one operator pod leads (${holder})`,
  );
  const sa = `--as=system:serviceaccount:${INSTALL_NAMESPACE}:${pods[0].spec.serviceAccountName}`;
  const can = (...args: string[]) => kubectl('auth', 'can-i', ...args, sa).catch((e) => String(e.stdout ?? e).trim());
  assert.equal(await can('*', '*'), 'no', 'not cluster-admin');
  assert.equal(await can('delete', 'namespaces'), 'no');
  assert.equal(await can('create', 'pods', '-n', 'default'), 'no');
  assert.equal(await can('patch', 'pods', '-n', 'default'), 'yes');
});
