/** The chart renders and lints cleanly for the value combinations users pick (helm built from its Go module). */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { helmBinary } from '../../src/devcluster/build.ts';
import { KUBERNETES_VERSION } from '../../src/devcluster/versions.ts';
import { CHART_DIR } from '../../src/install/generated.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
type Obj = {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
} & Record<string, unknown>;

async function render(...sets: string[]): Promise<Obj[]> {
  const helm = await helmBinary();
  const { stdout } = await run(
    helm,
    [
      'template',
      'statecraft',
      CHART_DIR,
      '-n',
      'ops',
      '--kube-version',
      KUBERNETES_VERSION.slice(1),
      ...sets.flatMap((s) => ['--set', s]),
    ],
    { cwd: ROOT, maxBuffer: 64 << 20 },
  );
  return parseAllDocuments(stdout)
    .map((d) => d.toJSON() as Obj)
    .filter(Boolean);
}

test('helm lint is clean (strict)', async () => {
  const { stdout } = await run(await helmBinary(), ['lint', '--strict', CHART_DIR], { cwd: ROOT });
  assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

test('defaults: CRDs kept, cluster-wide binding, 2 replicas with leader election, PDB, hardened pod', async () => {
  const objs = await render();
  const kinds = (k: string) => objs.filter((o) => o.kind === k);
  assert.equal(kinds('CustomResourceDefinition').length, 10);
  assert.ok(
    kinds('CustomResourceDefinition').every((c) => c.metadata.annotations?.['helm.sh/resource-policy'] === 'keep'),
  );
  assert.equal(kinds('ClusterRoleBinding').length, 1);
  assert.equal(kinds('PodDisruptionBudget').length, 1);
  const [dep] = kinds('Deployment') as unknown as {
    spec: {
      replicas: number;
      template: { spec: { containers: { args: string[]; securityContext: Record<string, unknown> }[] } };
    };
  }[];
  assert.equal(dep.spec.replicas, 2);
  const c = dep.spec.template.spec.containers[0];
  assert.ok(c.args.includes('--leader-elect') && c.args.includes('--no-install-crds'));
  assert.deepEqual(c.securityContext, {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
  const [secret] = kinds('Secret') as unknown as {
    metadata: { annotations: Record<string, string> };
    data: Record<string, string>;
  }[];
  assert.equal(Buffer.from(secret.data.AES_SECRET_KEY, 'base64').length, 32);
  assert.equal(secret.metadata.annotations['helm.sh/resource-policy'], 'keep');
});

test('watchNamespace: RoleBindings (and the AES key) in each namespace, no ClusterRoleBinding, --watch-namespace flags', async () => {
  const objs = await render('watchNamespace=team-a\\,team-b');
  assert.equal(objs.filter((o) => o.kind === 'ClusterRoleBinding').length, 0);
  const bindings = objs.filter((o) => o.kind === 'RoleBinding' && o.metadata.name === 'statecraft-manager');
  assert.deepEqual(bindings.map((b) => b.metadata.namespace).sort(), ['team-a', 'team-b']);
  assert.deepEqual(
    objs
      .filter((o) => o.kind === 'Secret')
      .map((s) => s.metadata.namespace)
      .sort(),
    ['ops', 'team-a', 'team-b'],
  );
  const dep = objs.find((o) => o.kind === 'Deployment') as unknown as {
    spec: { template: { spec: { containers: { args: string[] }[] } } };
  };
  const args = dep.spec.template.spec.containers[0].args;
  assert.deepEqual(
    args.filter((a) => a.startsWith('--watch-namespace')),
    ['--watch-namespace=team-a', '--watch-namespace=team-b'],
  );
});

test('options: one replica has no PDB; ServiceMonitor on request; crds.install=false; an existing AES Secret', async () => {
  const objs = await render(
    'replicaCount=1',
    'metrics.serviceMonitor.enabled=true',
    'crds.install=false',
    'aesKey.existingSecret=mine',
  );
  const has = (k: string) => objs.some((o) => o.kind === k);
  assert.equal(has('PodDisruptionBudget'), false);
  assert.equal(has('ServiceMonitor'), true);
  assert.equal(has('CustomResourceDefinition'), false);
  assert.equal(has('Secret'), false);
});
