import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podNetworkRequested } from './cluster-network.ts';

test('the pod network: asked for, refused, by environment, else on exactly when run as root', () => {
  assert.equal(podNetworkRequested(true, {}, false), true);
  assert.equal(podNetworkRequested(false, { STATECRAFT_POD_NETWORK: '1' }, true), false);
  assert.equal(podNetworkRequested(undefined, { STATECRAFT_POD_NETWORK: '0' }, true), false);
  assert.equal(podNetworkRequested(undefined, { STATECRAFT_POD_NETWORK: 'yes' }, false), true);
  assert.equal(podNetworkRequested(undefined, {}, true), true);
  assert.equal(podNetworkRequested(undefined, {}, false), false);
});
