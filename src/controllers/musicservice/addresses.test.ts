import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultAddressMode, podAddress, podOrdinal } from './addresses.ts';

const pod = { metadata: { name: 'm-db-replica-1', namespace: 'ns' }, status: { podIP: '127.0.3.4' } };

test('address modes: cluster DNS in a cluster, pod IPs outside', () => {
  assert.deepEqual(podAddress(pod, 'dns', 'm-db-replica'), { host: 'm-db-replica-1.m-db-replica.ns.svc', port: 3306 });
  assert.deepEqual(podAddress(pod, 'podIP', 'm-db-replica'), { host: '127.0.3.4', port: 3306 });
  assert.equal(podAddress({ metadata: pod.metadata, status: {} }, 'podIP', 'x'), undefined);
  assert.equal(defaultAddressMode({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }), 'dns');
  assert.equal(defaultAddressMode({}), 'podIP');
  assert.equal(podOrdinal('m-db-replica-12'), 12);
});
