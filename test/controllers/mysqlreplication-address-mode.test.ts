/**
 * The manager's address mode reaches MysqlReplication as an option: in `host` mode the operator dials the hosts
 * the CR names (cluster DNS names, which do not resolve outside a cluster), never the pods' IPs — and says so.
 * (`pod-ip` mode is what every other MysqlReplication test runs.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { installCrds } from '../../src/apis/install.ts';
import { controllers } from '../../src/controllers/index.ts';
import { apply } from '../devcluster/pods.ts';
import { startManager } from '../runtime/support.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { credentialSecrets, mysqlReplicationCr, mysqlReplications } from '../support/mysqlReplicationFixture.ts';
import { eventually } from '../support/wait.ts';

test('address mode host: MysqlReplication dials the CR hosts (cluster DNS) and names them when unreachable', async (t) => {
  const ns = await testNamespace(t, 'mr-host');
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  await apply(ns, credentialSecrets());
  await startManager(
    t,
    controllers({ addressMode: 'host', mysqlReplication: { connectTimeoutMs: 1000 }, only: ['mysqlreplication'] }),
    { namespaces: [ns] },
  );
  const crs = mysqlReplications(custom, ns);
  await crs.create(mysqlReplicationCr('hm', ns, 'hm-0', ['hm-1']));
  const cond = await eventually(
    'TopologyReady False naming the DNS host',
    async () => {
      const o = await crs.get('hm');
      const c = o.status?.conditions?.find((x) => x.type === 'TopologyReady');
      return c?.status === 'False' && c.message.includes(`hm-0.${ns}.svc.cluster.local`) && { c, o };
    },
    30_000,
  );
  assert.equal(cond.c.reason, 'NodeUnreachable');
  // pod-ip mode would have said the pod has no IP: host mode never looks at pods
  assert.doesNotMatch(cond.c.message, /has no IP/);
  assert.equal(cond.o.status?.topology?.['hm-0']?.host, `hm-0.${ns}.svc.cluster.local`);
});
