import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chooseOctet,
  clusterNetwork,
  MAX_POD_SLOT,
  podIpOfSlot,
  podLinkNames,
  renderCorefile,
  renderPodHosts,
  renderResolvConf,
  slotOfPodIp,
} from './plan.ts';

describe('cluster pod network plan', () => {
  it('derives names and ranges from the cluster directory, within Linux name limits', () => {
    const a = clusterNetwork('/tmp/cluster-a', chooseOctet('/tmp/cluster-a'));
    const b = clusterNetwork('/tmp/cluster-b', chooseOctet('/tmp/cluster-b'));
    assert.notEqual(a.bridge, b.bridge);
    assert.notEqual(a.netnsPrefix, b.netnsPrefix);
    assert.ok(a.bridge.length <= 15);
    assert.ok(podLinkNames(a, MAX_POD_SLOT).hostVeth.length <= 15);
    assert.equal(a.gateway, `10.${a.octet}.0.1`);
    assert.equal(a.podCidr, `10.${a.octet}.0.0/17`);
    assert.equal(a.serviceCidr, `10.${a.octet}.128.0/18`);
    assert.ok(a.uplink.length <= 15);
    assert.equal(a.hostIp, `10.${a.octet}.255.254`);
  });

  it('skips octets another cluster routes and the reserved ones', () => {
    const first = chooseOctet('/x');
    const next = chooseOctet('/x', new Set([first]));
    assert.notEqual(next, first);
    const all = new Set(Array.from({ length: 240 }, (_, i) => 10 + i));
    assert.throws(() => chooseOctet('/x', all), /no free/);
    for (let i = 0; i < 50; i++) assert.ok(![0, 244].includes(chooseOctet(`/d${i}`)));
  });

  it('maps pod slots to addresses and back, never the gateway, only its own octet', () => {
    const net = clusterNetwork('/c', 42);
    assert.equal(podIpOfSlot(net, 1), '10.42.0.2');
    assert.equal(podIpOfSlot(net, 255), '10.42.1.0');
    assert.equal(podIpOfSlot(net, MAX_POD_SLOT), '10.42.127.254');
    for (const slot of [1, 254, 255, 4000, MAX_POD_SLOT]) assert.equal(slotOfPodIp(net, podIpOfSlot(net, slot)), slot);
    assert.equal(slotOfPodIp(net, '10.42.0.1'), undefined);
    assert.equal(slotOfPodIp(net, '10.43.0.2'), undefined);
    assert.equal(slotOfPodIp(net, '10.42.128.5'), undefined);
    assert.equal(slotOfPodIp(net, '127.0.0.1'), undefined);
    assert.throws(() => podIpOfSlot(net, 0));
  });

  it('writes resolv.conf, hosts and the Corefile as a kubelet and a cluster would', () => {
    const net = clusterNetwork('/c', 42);
    assert.equal(
      renderResolvConf(net, 'shop'),
      'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.42.255.254\noptions ndots:5\n',
    );
    const hosts = renderPodHosts(
      net,
      { name: 'db-0', namespace: 'shop', hostname: 'db-0', subdomain: 'db' },
      '10.42.0.7',
    );
    assert.match(hosts, /^10\.42\.0\.7\tdb-0\.db\.shop\.svc\.cluster\.local\tdb-0$/m);
    assert.match(hosts, /^127\.0\.0\.1\tlocalhost$/m);
    const corefile = renderCorefile(net, { kubeconfig: '/k', readyPort: 9 });
    assert.match(corefile, /bind 10\.42\.255\.254/);
    assert.match(corefile, /kubernetes cluster\.local in-addr\.arpa ip6\.arpa \{\n\s+kubeconfig \/k/);
  });
});
