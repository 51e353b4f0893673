import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1StatefulSet } from '@kubernetes/client-node';
import { type BrokerObservation, brokerStatus } from './status.ts';

const now = new Date('2026-01-01T00:00:00Z');
function sts(status: NonNullable<V1StatefulSet['status']>, generation = 1): V1StatefulSet {
  return { metadata: { generation }, spec: { selector: {}, serviceName: 'x', template: {} }, status };
}
const steady = {
  replicas: 3,
  readyReplicas: 3,
  updatedReplicas: 3,
  currentRevision: 'a',
  updateRevision: 'a',
  observedGeneration: 1,
};
function obs(over: Partial<BrokerObservation>): BrokerObservation {
  return {
    generation: 2,
    desiredReplicas: 3,
    pods: [],
    missingSecrets: [],
    serviceMonitor: { wanted: false, crdInstalled: false },
    selector: 'a=b',
    now,
    ...over,
  };
}
const cond = (s: ReturnType<typeof brokerStatus>, type: string) => s.conditions.find((c) => c.type === type);

test('running when every broker is ready and rolled out', () => {
  const s = brokerStatus(obs({ statefulSet: sts(steady) }), 'ns');
  assert.equal(s.phase, 'Running');
  assert.equal(s.readyReplicas, 3);
  assert.equal(s.observedGeneration, 2);
  assert.equal(cond(s, 'Ready')?.status, 'True');
  assert.equal(cond(s, 'Degraded')?.status, 'False');
});

test('a missing Secret is Degraded and names the Secret and the field', () => {
  const s = brokerStatus(
    obs({ missingSecrets: [{ field: 'spec.tieredStorage.s3.credentialsSecret', name: 'aws', keys: [] }] }),
    'ns',
  );
  assert.equal(s.phase, 'Degraded');
  assert.equal(cond(s, 'Degraded')?.reason, 'SecretMissing');
  assert.match(cond(s, 'Ready')!.message, /Secret ns\/aws \(spec\.tieredStorage\.s3\.credentialsSecret\) not found/);
  const k = brokerStatus(obs({ missingSecrets: [{ field: 'f', name: 'tls', keys: ['tls.key'] }] }), 'ns');
  assert.match(cond(k, 'Degraded')!.message, /lacks key tls\.key/);
});

test('creating first, then updating during a roll or a scale, degraded when pods fail later', () => {
  const starting = sts({ ...steady, readyReplicas: 1 });
  assert.equal(brokerStatus(obs({ statefulSet: starting }), 'ns').phase, 'Creating');
  const rolling = sts({ ...steady, updateRevision: 'b', updatedReplicas: 1, readyReplicas: 2 });
  const r = brokerStatus(obs({ statefulSet: rolling, previousPhase: 'Running' }), 'ns');
  assert.equal(r.phase, 'Updating');
  assert.equal(cond(r, 'Ready')?.reason, 'RollingUpdate');
  const scaling = brokerStatus(obs({ statefulSet: sts(steady), desiredReplicas: 5, previousPhase: 'Running' }), 'ns');
  assert.equal(scaling.phase, 'Updating');
  assert.equal(cond(scaling, 'Ready')?.reason, 'Scaling');
  const failing = brokerStatus(
    obs({ statefulSet: sts({ ...steady, readyReplicas: 2 }), previousPhase: 'Running' }),
    'ns',
  );
  assert.equal(failing.phase, 'Degraded');
  assert.equal(cond(failing, 'Degraded')?.reason, 'BrokersNotReady');
  assert.equal(brokerStatus(obs({}), 'ns').phase, 'Pending');
  assert.equal(brokerStatus(obs({ invalidSpec: 'spec.image.tag is required' }), 'ns').phase, 'Failed');
});

test('ServiceMonitor condition says when it was skipped; lastTransitionTime only moves on change', () => {
  const skipped = brokerStatus(
    obs({ statefulSet: sts(steady), serviceMonitor: { wanted: true, crdInstalled: false } }),
    'ns',
  );
  assert.equal(cond(skipped, 'ServiceMonitorReady')?.reason, 'CRDNotInstalled');
  const later = brokerStatus(
    obs({
      statefulSet: sts(steady),
      serviceMonitor: { wanted: true, crdInstalled: false },
      previousConditions: skipped.conditions,
      now: new Date('2026-01-02T00:00:00Z'),
    }),
    'ns',
  );
  assert.deepEqual(later.conditions, skipped.conditions);
  const none = brokerStatus(obs({ statefulSet: sts(steady), previousConditions: skipped.conditions }), 'ns');
  assert.equal(cond(none, 'ServiceMonitorReady'), undefined);
});

test('an update the API server rejects is Degraded with its message, the brokers still ready', () => {
  const s = brokerStatus(
    obs({ statefulSet: sts(steady), rejectedUpdate: 'StatefulSet x update rejected: forbidden' }),
    'ns',
  );
  assert.equal(s.phase, 'Degraded');
  assert.equal(cond(s, 'Degraded')?.reason, 'UpdateRejected');
  assert.equal(cond(s, 'Ready')?.status, 'True');
});
