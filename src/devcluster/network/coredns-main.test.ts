import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COREDNS_PLUGINS, corednsMain } from '../build.ts';
import { clusterNetwork, renderCorefile } from './plan.ts';

test('the trimmed CoreDNS main imports exactly its plugins and runs them in plugin.cfg order', () => {
  const main = corednsMain(['bind', 'errors', 'kubernetes']);
  assert.match(main, /^package main$/m);
  assert.match(main, /"github\.com\/coredns\/coredns\/coremain"/);
  for (const p of ['bind', 'errors', 'kubernetes']) {
    assert.match(main, new RegExp(`_ "github\\.com/coredns/coredns/plugin/${p}"`));
  }
  assert.match(main, /dnsserver\.Directives = \[\]string\{"bind", "errors", "kubernetes"\}/);
  assert.match(main, /func main\(\) \{ coremain\.Run\(\) \}/);
  // every directive the pod network's Corefile uses is built in (an unknown one stops CoreDNS at start)
  const corefile = renderCorefile(clusterNetwork('/c', 42), { kubeconfig: '/k', readyPort: 1 });
  const directives = [...corefile.matchAll(/^ {4}(\w+)/gm)].map((m) => m[1]);
  assert.ok(directives.length >= 5, directives.join(' '));
  for (const used of directives) assert.ok(COREDNS_PLUGINS.includes(used), `plugin ${used} is built in`);
});
