import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeState, replicationState } from '../../../test/fixtures/mysql-node-state.ts';
import type { MysqlReplication } from '../../apis/mysqlreplication.ts';
import type { NodeState } from '../../engines/mysql/index.ts';
import {
  buildServices,
  desiredTopology,
  judgeNodes,
  NAME_LABEL,
  nodesOf,
  podLabels,
  READONLY_LABEL,
  topologyStatus,
} from './build.ts';

function cr(over: Partial<MysqlReplication['spec']> = {}): MysqlReplication {
  return {
    apiVersion: 'upm.syntropycloud.io/v1alpha1',
    kind: 'MysqlReplication',
    metadata: { name: 'mr', namespace: 'ns', uid: 'u-1', generation: 3 },
    spec: {
      mode: 'rpl_async',
      secret: { name: 'creds', mysql: 'mysql', replication: 'replication' },
      source: { name: 'n0', host: 'n0.ns.svc', port: 3306 },
      replica: [
        { name: 'n1', host: 'n1.ns.svc', port: 3306, isolated: false },
        { name: 'n2', host: 'n2.ns.svc', port: 3306, isolated: false },
      ],
      service: { type: 'ClusterIP' },
      ...over,
    } as MysqlReplication['spec'],
  };
}
const addresses = {
  n0: { host: '10.0.0.1', port: 3306 },
  n1: { host: '10.0.0.2', port: 3306 },
  n2: { host: '10.0.0.3', port: 3306 },
};

function state(over: Partial<NodeState>): NodeState {
  return nodeState({
    version: '10.11',
    gtid: { executed: '0-1-5', binlogState: '0-1-5', binlogPos: '0-1-5', replicaPos: '' },
    semiSync: {
      available: true,
      sourceEnabled: false,
      replicaEnabled: false,
      timeoutMs: 1,
      waitPoint: null,
      clients: 0,
    },
    ...over,
  });
}
const replica = (lag: number | null, over: Partial<NodeState> = {}) =>
  state({
    role: 'Replica',
    readOnly: true,
    replication: replicationState('10.0.0.1', {
      sourceUser: 'replication',
      secondsBehindSource: lag,
      sourceLogFile: 'b.000001',
      readSourceLogPos: 10,
      execSourceLogPos: 10,
    }),
    ...over,
  });

test('Services: readwrite always, readonly only with non-isolated replicas; selector, port, owner', () => {
  const { apply, remove } = buildServices(cr());
  assert.deepEqual(
    apply.map((s) => (s.metadata as { name: string }).name),
    ['mr-readwrite', 'mr-readonly'],
  );
  assert.deepEqual(remove, []);
  const rw = apply[0] as {
    spec: { selector: Record<string, string>; ports: unknown[]; type: string };
    metadata: { ownerReferences: Array<{ uid: string; controller: boolean }> };
  };
  assert.deepEqual(rw.spec.selector, { [READONLY_LABEL]: 'false', [NAME_LABEL]: 'mr' });
  assert.deepEqual(rw.spec.ports, [{ name: 'mysql', port: 3306, targetPort: 3306, protocol: 'TCP' }]);
  assert.equal(rw.metadata.ownerReferences[0].uid, 'u-1');
  assert.equal(rw.metadata.ownerReferences[0].controller, true);
  const alone = buildServices(cr({ replica: [{ name: 'n1', host: 'h', port: 3306, isolated: true }] }));
  assert.equal(alone.apply.length, 1);
  assert.deepEqual(alone.remove, ['mr-readonly']);
});

test('labels: writable source readonly=false, healthy replicas readonly=true; lagging/errant/isolated lose it', () => {
  const c = cr({
    maxLagSeconds: 30,
    replica: [
      { name: 'n1', host: 'h1', port: 3306, isolated: false },
      { name: 'n2', host: 'h2', port: 3306, isolated: false },
      { name: 'n3', host: 'h3', port: 3306, isolated: true },
    ],
  });
  const observed = {
    n0: state({}),
    n1: replica(2),
    n2: replica(120),
    n3: state({ serverId: 4 }),
  };
  const verdicts = judgeNodes(c, observed, { ...addresses, n3: { host: '10.0.0.4', port: 3306 } });
  assert.equal(verdicts.n2.ready, true);
  assert.equal(verdicts.n2.serveReads, false);
  assert.match(verdicts.n2.reason ?? '', /lag 120 s exceeds maxLagSeconds 30/);
  assert.deepEqual(podLabels(c, verdicts), {
    n0: { [NAME_LABEL]: 'mr', [READONLY_LABEL]: 'false' },
    n1: { [NAME_LABEL]: 'mr', [READONLY_LABEL]: 'true' },
    n2: { [NAME_LABEL]: 'mr' },
    n3: {},
  });
  const errant = judgeNodes(
    cr(),
    {
      n0: state({}),
      n1: replica(0, { gtid: { executed: '', binlogState: '0-1-5,0-2-1', binlogPos: '', replicaPos: '' } }),
      n2: replica(0),
    },
    addresses,
  );
  assert.equal(errant.n1.ready, false);
  assert.equal(errant.n1.errant, '0-2-1');
  // an unreachable or read-only source gets no read-write label: the Service fails closed
  assert.deepEqual(podLabels(cr(), judgeNodes(cr(), { n0: state({ readOnly: true }) }, addresses)).n0, {
    [NAME_LABEL]: 'mr',
  });
});

test('status topology mirrors upstream fields plus gtidExecuted / errantTransactions', () => {
  const c = cr();
  const observed = { n0: state({}), n1: replica(3), n2: undefined };
  const topo = topologyStatus(c, observed, judgeNodes(c, observed, addresses), addresses);
  assert.deepEqual(topo.n0, {
    host: '10.0.0.1',
    port: 3306,
    role: 'Source',
    status: 'Healthy',
    ready: true,
    readonly: false,
    gtidExecuted: '0-1-5',
  });
  assert.equal(topo.n1.role, 'Replica');
  assert.equal(topo.n1.secondsBehindSource, 3);
  assert.equal(topo.n1.replicaIO, 'Yes');
  assert.equal(topo.n1.sourceHost, '10.0.0.1');
  assert.deepEqual(topo.n2, { host: '10.0.0.3', port: 3306, role: 'None', status: 'Failed', ready: false });
});

test('desired topology for the engine', () => {
  const d = desiredTopology(cr({ mode: 'rpl_semi_sync' }), addresses, 'replication');
  assert.equal(d.source, 'n0');
  assert.equal(d.mode, 'semisync');
  assert.deepEqual(d.replicas, [
    { name: 'n1', isolated: false },
    { name: 'n2', isolated: false },
  ]);
  assert.equal(nodesOf(cr()).length, 3);
});

test('a source stalled by a fence left from an earlier attempt is not ready, and says why', () => {
  const v = judgeNodes(cr(), { n0: nodeState({ fenceHolder: 77 }) }, addresses);
  assert.equal(v.n0.ready, false);
  assert.match(v.n0.reason ?? '', /connection 77 holds a switchover fence/);
  assert.equal(judgeNodes(cr(), { n0: nodeState() }, addresses).n0.ready, true);
});

test('while the spec source is not yet the source, the one writable source in fact keeps the read-write label', () => {
  // a switchover to n1 refused: n0 (now listed as a replica) is still the writable source
  const c = cr({
    source: { name: 'n1', host: 'n1.ns.svc', port: 3306 },
    replica: [
      { name: 'n0', host: 'n0.ns.svc', port: 3306, isolated: false },
      { name: 'n2', host: 'n2.ns.svc', port: 3306, isolated: false },
    ],
  });
  const observed = { n0: nodeState(), n1: replica(0), n2: replica(0) };
  const labels = podLabels(c, judgeNodes(c, observed, addresses));
  assert.equal(labels.n0[READONLY_LABEL], 'false');
  assert.equal(labels.n1[READONLY_LABEL], undefined);
  // once n1 is the writable source, only n1; a fenced n0 never
  const after = { n0: nodeState({ readOnly: true }), n1: nodeState(), n2: replica(0) };
  const l2 = podLabels(c, judgeNodes(c, after, addresses));
  assert.deepEqual([l2.n0[READONLY_LABEL], l2.n1[READONLY_LABEL]], [undefined, 'false']);
  // both writable (an old source answering before its fence): the spec's source only
  const both = podLabels(c, judgeNodes(c, { n0: nodeState(), n1: nodeState(), n2: replica(0) }, addresses));
  assert.deepEqual([both.n0[READONLY_LABEL], both.n1[READONLY_LABEL]], [undefined, 'false']);
});
