/**
 * The operator stops (or loses leadership) in the middle of a switchover, after the old source was fenced: the
 * reconcile's abort signal makes the engine promote nothing and give the old source back its writes — the same
 * state it found, so the next leader starts from one writable source and one replica, never two writers.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { observeNode } from '../../src/engines/mysql/index.ts';
import { type MariadbServer, startMariadbServers } from '../support/mariadb.ts';
import { harness } from './mysqlHarness.ts';

const servers: MariadbServer[] = await startMariadbServers(2, { cleanup: after });
const h = harness(servers);
after(() => h.close());

test('aborted between the fence and the promotion: no promotion, the old source is writable again', async () => {
  assert.ok((await h.converge(h.desired('node-0', ['node-1']))).every((r) => r.ok));
  const stop = new AbortController();
  const results = await h.converge(h.desired('node-1', ['node-0']), {
    signal: stop.signal,
    maxPasses: 1,
    // the operator is told to stop right after the fence took hold
    log: (m) => {
      if (m.startsWith('fenced')) stop.abort();
    },
  });
  const sw = results.find((r) => r.step.kind === 'switchover');
  assert.equal(sw?.ok, false, JSON.stringify(results));
  assert.equal(sw?.code, 'ERR_MYSQL_ABORTED');
  const [oldSource, candidate] = [await h.open('node-0'), await h.open('node-1')];
  try {
    const o = await observeNode(oldSource);
    const c = await observeNode(candidate);
    assert.equal(o.role, 'Source');
    assert.equal(o.readOnly, false, 'the old source takes writes again');
    assert.equal(c.role, 'Replica', 'the candidate was not promoted');
    assert.equal(c.readOnly, true);
  } finally {
    await Promise.all([oldSource.close(), candidate.close()]);
  }
  // and with the signal gone, the same switchover goes through
  const again = await h.converge(h.desired('node-1', ['node-0']));
  assert.ok(again.find((r) => r.step.kind === 'switchover')?.ok, JSON.stringify(again));
});
