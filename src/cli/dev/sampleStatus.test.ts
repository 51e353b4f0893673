import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Condition, isProblem, type KubeObject, podProblem, sampleState, stateLine } from './sampleStatus.ts';

const obj = (kind: string, status: KubeObject['status'], generation = 1): KubeObject => ({
  kind,
  metadata: { name: 'x', namespace: 'default', generation },
  status,
});
const cond = (type: string, status: string, reason: string, message = ''): Condition => ({
  type,
  status,
  reason,
  message,
});

test('healthy brokers read Running; Degraded False (AsExpected) is not a problem', () => {
  const s = sampleState(
    obj('ShazamqCluster', {
      phase: 'Running',
      observedGeneration: 1,
      conditions: [cond('Ready', 'True', 'AllBrokersReady', '3/3'), cond('Degraded', 'False', 'AsExpected')],
    }),
  );
  assert.deepEqual(s, { converged: true, state: 'Running', notes: [] });
  assert.equal(stateLine(s), 'Running');
  assert.equal(isProblem(cond('Degraded', 'True', 'SecretMissing')), true);
  assert.equal(isProblem(cond('StorageWarningApp', 'True', 'ShrinkNotSupported')), true);
  assert.equal(isProblem(cond('Ready', 'True', 'x')), false);
});

test('a broker cluster that is not there yet names the condition that holds it, with reason and message', () => {
  const s = sampleState(
    obj('StreamBusCluster', {
      phase: 'Degraded',
      observedGeneration: 1,
      conditions: [
        cond('Degraded', 'True', 'SecretMissing', 'Secret default/ca (security.tls) not found'),
        cond('Ready', 'False', 'SecretMissing', 'Secret default/ca (security.tls) not found'),
      ],
    }),
  );
  assert.equal(s.converged, false);
  assert.equal(stateLine(s), 'Degraded — Ready False (SecretMissing): Secret default/ca (security.tls) not found');
  // a skipped ServiceMonitor is worth a note on a Running cluster, not a failure
  const running = sampleState(
    obj('StreamBusCluster', {
      phase: 'Running',
      conditions: [cond('ServiceMonitorReady', 'False', 'CRDNotInstalled', 'skipped')],
    }),
  );
  assert.equal(running.converged, true);
  assert.equal(stateLine(running), 'Running (note: ServiceMonitorReady False (CRDNotInstalled): skipped)');
});

test('MusicService converges at Available; before that the database condition says why', () => {
  const progressing = sampleState(
    obj('MusicService', {
      phase: 'Progressing',
      observedGeneration: 1,
      conditions: [
        cond('Reconciled', 'True', 'ReconcileSucceeded'),
        cond('Available', 'True', 'PodsReady'),
        cond('DatabaseReady', 'False', 'PrimaryNotReady', 'The primary does not answer'),
      ],
    }),
  );
  assert.equal(
    stateLine(progressing),
    'Progressing — DatabaseReady False (PrimaryNotReady): The primary does not answer',
  );
  assert.equal(sampleState(obj('MusicService', { phase: 'Available', observedGeneration: 1 })).converged, true);
  // Available for an older generation is not converged on the current spec
  const stale = sampleState(obj('MusicService', { phase: 'Available', observedGeneration: 1 }, 2));
  assert.equal(stale.converged, false);
  assert.match(stale.detail!, /not yet observed generation 2/);
});

test('MysqlReplication: status.ready, else TopologyReady with its reason; no status yet is said plainly', () => {
  const ready = sampleState(obj('MysqlReplication', { ready: true, conditions: [cond('TopologyReady', 'True', 'x')] }));
  assert.deepEqual([ready.converged, ready.state], [true, 'Ready']);
  const notReady = sampleState(
    obj('MysqlReplication', {
      ready: false,
      conditions: [
        cond('ResourceReady', 'True', 'SyncResourceSucceed'),
        cond('TopologyReady', 'False', 'NodeUnreachable', 'node-0: unreachable'),
      ],
    }),
  );
  assert.equal(stateLine(notReady), 'NotReady — TopologyReady False (NodeUnreachable): node-0: unreachable');
  assert.equal(stateLine(sampleState(obj('MysqlReplication', undefined))), "waiting for the operator's first status");
  const long = sampleState(
    obj('MysqlReplication', { ready: false, conditions: [cond('TopologyReady', 'False', 'R', 'x'.repeat(1000))] }),
  );
  assert.ok(stateLine(long).length < 300 && stateLine(long).endsWith('…'));
});

test('pod problems: waiting reasons other than a normal start, and failed exits', () => {
  const pod = (state: object) => ({ status: { containerStatuses: [{ name: 'mariadb', state }] } });
  assert.equal(podProblem(pod({ waiting: { reason: 'ContainerCreating' } })), undefined);
  assert.equal(podProblem(pod({ running: {} })), undefined);
  assert.equal(
    podProblem(
      pod({
        waiting: { reason: 'PackageNotInstalled', message: 'mariadbd (Debian package mariadb-server) ...\nmore' },
      }),
    ),
    'mariadb: PackageNotInstalled — mariadbd (Debian package mariadb-server) ...',
  );
  assert.equal(
    podProblem(pod({ terminated: { exitCode: 1, reason: 'Error' } })),
    'mariadb: terminated (Error, exit code 1)',
  );
});
