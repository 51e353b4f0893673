import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podAddress } from './addresses.ts';

const pod = { metadata: { name: 'm-db-replica-1', namespace: 'ns' }, status: { podIP: '127.0.3.4' } };

test('address modes: cluster DNS in a cluster, pod IPs outside', () => {
  assert.deepEqual(podAddress(pod, 'host', 'm-db-replica'), { host: 'm-db-replica-1.m-db-replica.ns.svc', port: 3306 });
  assert.deepEqual(podAddress(pod, 'pod-ip', 'm-db-replica'), { host: '127.0.3.4', port: 3306 });
  assert.equal(podAddress({ metadata: pod.metadata, status: {} }, 'pod-ip', 'x'), undefined);
});
