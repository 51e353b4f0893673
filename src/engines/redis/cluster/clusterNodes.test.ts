import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClusterNodes } from './clusterNodes.ts';

test('CLUSTER NODES: roles, masters, slots, open slots, failure flags, hostnames', () => {
  const text = [
    'a1 127.1.0.5:6379@16379,redis-0 myself,master - 0 0 3 connected 0-5460 5462 [5461->-b2] [7000-<-c3]',
    'b2 127.1.0.6:6379@16379 master - 0 1700000000000 4 connected 5463-10922',
    'd4 127.1.0.7:6379@16379 slave a1 0 1700000000000 3 connected',
    'c3 127.1.0.8:6379@16379 master,fail - 1700000000000 1700000000000 2 disconnected',
    'e5 :0@0 handshake,noaddr - 0 0 0 disconnected',
    '',
  ].join('\n');
  const [me, b, replica, failed, hs] = parseClusterNodes(text);
  assert.deepEqual(
    [me.id, me.host, me.port, me.busPort, me.myself, me.master, me.configEpoch],
    ['a1', '127.1.0.5', 6379, 16379, true, true, 3],
  );
  assert.deepEqual(me.slots, [
    [0, 5460],
    [5462, 5462],
  ]);
  assert.deepEqual(me.migrating, [{ slot: 5461, to: 'b2' }]);
  assert.deepEqual(me.importing, [{ slot: 7000, from: 'c3' }]);
  assert.equal(b.linkConnected, true);
  assert.deepEqual([replica.master, replica.masterId], [false, 'a1']);
  assert.deepEqual([failed.failed, failed.pfail, failed.linkConnected], [true, false, false]);
  assert.deepEqual([hs.handshake, hs.noaddr, hs.host], [true, true, '']);
});
