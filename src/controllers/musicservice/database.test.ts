import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1StatefulSet } from '@kubernetes/client-node';
import { sampleMusicService } from '../../../test/fixtures/musicservice.ts';
import {
  buildDbConfigMap,
  buildDbMasterStatefulSet,
  buildDbReplicaStatefulSet,
  databaseSettings,
  podAddress,
  replicaServerId,
} from './database.ts';

/** The database objects of a MusicService as the builders make them. */
function dbObjects(ms = sampleMusicService()) {
  const db = databaseSettings(ms);
  return {
    master: buildDbMasterStatefulSet(ms, db),
    replica: buildDbReplicaStatefulSet(ms, db),
    configMap: buildDbConfigMap(ms, db),
  };
}

const pod = { metadata: { name: 'm-db-replica-1', namespace: 'ns' }, status: { podIP: '127.0.3.4' } };

test('address modes: cluster DNS in a cluster, pod IPs outside', () => {
  assert.deepEqual(podAddress(pod, 'host', 'm-db-replica'), { host: 'm-db-replica-1.m-db-replica.ns.svc', port: 3306 });
  assert.deepEqual(podAddress(pod, 'pod-ip', 'm-db-replica'), { host: '127.0.3.4', port: 3306 });
  assert.equal(podAddress({ metadata: pod.metadata, status: {} }, 'pod-ip', 'x'), undefined);
});

test('database StatefulSets: root password from the Secret, server ids, role config, no sidecars', () => {
  const { master, replica, configMap: cm } = dbObjects();
  assert.equal(master.spec?.replicas, 1);
  assert.equal(replica.spec?.replicas, 2);
  for (const sts of [master, replica]) {
    const pod = sts.spec!.template.spec!;
    assert.equal(pod.containers.length, 1, 'one container, no replication sidecar');
    assert.equal(pod.initContainers, undefined);
    const c = pod.containers[0]!;
    assert.equal(c.image, 'mariadb:10.11');
    const root = c.env?.find((e) => e.name === 'MARIADB_ROOT_PASSWORD');
    assert.equal(root?.value, undefined, 'never a plain env value');
    assert.deepEqual(root?.valueFrom?.secretKeyRef, { name: 'miku-stream-db-root', key: 'password' });
    assert.equal(sts.spec?.volumeClaimTemplates?.[0]?.metadata?.name, 'db-data');
    assert.equal(sts.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage, '20Gi');
  }
  assert.deepEqual(master.spec?.template.spec?.containers[0]?.args, ['--server-id=1']);
  assert.deepEqual(replica.spec?.template.spec?.containers[0]?.args, ['--server-id=20$(POD_INDEX)']);
  assert.equal(replicaServerId(0), 200);
  assert.equal(replicaServerId(9), 209);
  assert.equal(replica.spec?.template.spec?.volumes?.[0]?.configMap?.items?.[0]?.key, 'replica.cnf');
  assert.match(cm.data!['primary.cnf']!, /log_bin=mysql-bin/);
  assert.match(cm.data!['primary.cnf']!, /gtid_strict_mode=ON/);
  assert.doesNotMatch(cm.data!['primary.cnf']!, /read_only/);
  assert.match(cm.data!['replica.cnf']!, /read_only=ON/);
});

test('a config change changes the pod template hash (rolls the servers)', () => {
  const ms = sampleMusicService();
  const before = dbObjects(ms).replica;
  ms.spec.database!.replication!.gtid = false;
  const after = dbObjects(ms).replica;
  assert.notEqual(
    before.spec?.template.metadata?.annotations?.['music.mixcorp.org/config-hash'],
    after.spec?.template.metadata?.annotations?.['music.mixcorp.org/config-hash'],
  );
});

test('only the primary creates the database; replicas start empty for seeding', () => {
  const { master, replica } = dbObjects();
  const env = (sts: V1StatefulSet) => sts.spec?.template.spec?.containers[0]?.env?.map((e) => e.name);
  assert.ok(env(master)?.includes('MARIADB_DATABASE'));
  assert.ok(!env(replica)?.includes('MARIADB_DATABASE'));
});
