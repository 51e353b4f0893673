/**
 * `statecraft status` and the statecraft_* metrics on a real MysqlReplication (three MariaDB pods run by the node
 * agent): three nodes with roles and lag, new roles after a switchover, `-o json` parses, the switchover counter
 * and duration histogram moved, a lag gauge per replica.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { installCrds } from '../../src/apis/install.ts';
import { controllers } from '../../src/controllers/index.ts';
import { registerStatecraftMetrics } from '../../src/observe/metrics.ts';
import { apply, readyPod } from '../devcluster/pods.ts';
import { startManager } from '../runtime/support.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { GROUP, mysqlReplicationCr, patchSwitchover, replicationFixture } from '../support/mysqlReplicationFixture.ts';
import { eventually } from '../support/wait.ts';

const NODES = ['db-0', 'db-1', 'db-2'];
const run = promisify(execFile);

test('statecraft status and metrics follow a MysqlReplication through a switchover', async (t) => {
  const ns = await testNamespace(t, 'obs');
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  await apply(ns, replicationFixture(NODES));
  await Promise.all(NODES.map((n) => readyPod(ns, n, { timeoutMs: 180_000 })));
  const mgr = await startManager(
    t,
    (m) => {
      m.add(
        ...controllers({ addressMode: 'pod-ip', mysqlReplication: { resyncMs: 1000 }, only: ['mysqlreplication'] }),
      );
      registerStatecraftMetrics(m);
    },
    { namespaces: [ns] },
  );
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: 'v1alpha1',
    namespace: ns,
    plural: 'mysqlreplications',
    body: mysqlReplicationCr('mr', ns, 'db-0', ['db-1', 'db-2']),
  });
  const status = async (...args: string[]) =>
    (
      await run(
        process.execPath,
        [
          'bin/statecraft.js',
          'status',
          'mysqlreplication/mr',
          '-n',
          ns,
          '--kubeconfig',
          cluster.kubeconfigPath,
          ...args,
        ],
        { env: { ...process.env, NO_COLOR: '1' } },
      )
    ).stdout;
  const rolesAre = (source: string) =>
    eventually(
      `status shows ${source} as source`,
      async () => {
        const r = JSON.parse(await status('-o', 'json'));
        const ok =
          r.ready === true &&
          r.nodes.length === 3 &&
          r.nodes[0].name === source &&
          r.nodes[0].role === 'source' &&
          r.nodes
            .slice(1)
            .every((n: { role: string; lagSeconds?: number }) => n.role === 'replica' && n.lagSeconds !== undefined);
        return ok && r;
      },
      120_000,
      500,
    );
  await rolesAre('db-0');
  const text = await status();
  assert.match(text, /db-0\s+Source\s+Healthy\s+yes/);
  assert.match(text, /db-1\s+Replica\s+Healthy\s+yes\s+db-0\s+\d+/);

  await patchSwitchover(custom, ns, 'mr', 'db-1', ['db-0', 'db-2']);
  const after = await rolesAre('db-1');
  assert.deepEqual(
    after.nodes.map((n: { name: string; source?: string }) => [n.name, n.source]),
    [
      ['db-1', undefined],
      ['db-0', 'db-1'],
      ['db-2', 'db-1'],
    ],
  );
  assert.match(await status(), /db-1\s+Source/);

  const scrape = await eventually(
    'metrics show the switchover and per-replica lag for db-0 and db-2',
    async () => {
      const m = await fetch(`http://${mgr.metricsAddress}/metrics`).then((r) => r.text());
      const lagged = ['db-0', 'db-2'].every((n) =>
        new RegExp(
          `statecraft_replication_lag_seconds\\{kind="MysqlReplication",namespace="${ns}",name="mr",node="${n}"\\} \\d+`,
        ).test(m),
      );
      return lagged && m;
    },
    30_000,
    500,
  );
  assert.match(
    scrape,
    new RegExp(
      `statecraft_switchovers_total\\{kind="MysqlReplication",namespace="${ns}",name="mr",outcome="promoted"\\} 1`,
    ),
  );
  assert.match(scrape, /statecraft_switchover_duration_seconds_count\{kind="MysqlReplication"\} 1/);
  assert.match(
    scrape,
    new RegExp(`statecraft_node_is_source\\{kind="MysqlReplication",namespace="${ns}",name="mr",node="db-1"\\} 1`),
  );
  assert.doesNotMatch(scrape, /R3pl-pw|Adm'n-pw/, 'no secret in the metrics');
});
