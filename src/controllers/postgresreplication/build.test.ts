import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PostgresReplication } from '../../apis/postgresreplication.ts';
import { type NodeState, slotName } from '../../engines/postgres/index.ts';
import {
  buildServices,
  desiredTopology,
  judgeNodes,
  LABELS,
  podLabels,
  REBUILD_ANNOTATION,
  topologyStatus,
} from './build.ts';

const cr = (o: Partial<PostgresReplication['spec']> = {}, annotations?: Record<string, string>): PostgresReplication =>
  ({
    apiVersion: 'upm.syntropycloud.io/v1alpha1',
    kind: 'PostgresReplication',
    metadata: { name: 'pr', namespace: 'ns', uid: 'u1', generation: 1, annotations },
    spec: {
      mode: 'rpl_async',
      secret: { name: 'postgres-credentials', postgres: 'postgresql', replication: 'replication' },
      primary: { name: 'pg-0', host: 'pg-0.ns', port: 5432 },
      standby: [
        { name: 'pg-1', host: 'pg-1.ns', port: 5432 },
        { name: 'pg-2', host: 'pg-2.ns', port: 5432, isolated: true },
      ],
      service: { type: 'ClusterIP' },
      ...o,
    },
  }) as PostgresReplication;
const addresses = {
  'pg-0': { host: '10.0.0.1', port: 5432 },
  'pg-1': { host: '10.0.0.2', port: 5432 },
  'pg-2': { host: '10.0.0.3', port: 5432 },
};
const base: NodeState = {
  version: 150018,
  inRecovery: false,
  timeline: 2,
  currentLsn: 0x5000000n,
  receiveLsn: undefined,
  replayLsn: undefined,
  replayAgeSeconds: undefined,
  checkpoint: { timeline: 2, lsn: 1n, redoLsn: 1n },
  upstream: undefined,
  primarySlotName: '',
  synchronousStandbyNames: '',
  defaultReadOnly: false,
  walReceiver: undefined,
  replication: [
    {
      applicationName: 'pg_1',
      state: 'streaming',
      syncState: 'async',
      sentLsn: 0x5000000n,
      flushLsn: 0x5000000n,
      replayLsn: 0x4f00000n,
      replayLagSeconds: 0.25,
    },
  ],
  slots: [],
  history: [],
  systemIdentifier: '1',
  looksEmpty: false,
  replicationRoleOk: true,
  hbaAllowsReplication: true,
};
const standby = (o: Partial<NodeState> = {}): NodeState => ({
  ...base,
  inRecovery: true,
  currentLsn: undefined,
  receiveLsn: 0x5000000n,
  replayLsn: 0x4f00000n,
  upstream: { ...addresses['pg-0'], applicationName: 'pg_1' },
  primarySlotName: slotName('pg-1'),
  walReceiver: {
    status: 'streaming',
    receivedTli: 2,
    flushedLsn: 0x5000000n,
    senderHost: '10.0.0.1',
    senderPort: 5432,
    slotName: slotName('pg-1'),
  },
  replication: [],
  ...o,
});

test('labels: read-write on a writable primary, read-only on streaming standbys, none on isolated ones', () => {
  const c = cr();
  const v = judgeNodes(c, { 'pg-0': base, 'pg-1': standby(), 'pg-2': standby({ walReceiver: undefined }) }, addresses);
  assert.deepEqual(podLabels(c, v), {
    'pg-0': { [LABELS.name]: 'pr', [LABELS.readonly]: 'false' },
    'pg-1': { [LABELS.name]: 'pr', [LABELS.readonly]: 'true' },
    'pg-2': {},
  });
  // a primary fenced read-only or still in recovery loses the read-write label: the Service fails closed
  const fenced = judgeNodes(c, { 'pg-0': { ...base, defaultReadOnly: true }, 'pg-1': standby() }, addresses);
  assert.deepEqual(podLabels(c, fenced)['pg-0'], { [LABELS.name]: 'pr' });
  const down = judgeNodes(c, { 'pg-1': standby() }, addresses);
  assert.deepEqual(podLabels(c, down)['pg-0'], { [LABELS.name]: 'pr' });
});

test('Services: read-write always, read-only while a standby is not isolated; port named postgresql', () => {
  const s = buildServices(cr());
  assert.deepEqual(
    s.apply.map((x) => (x as { metadata: { name: string } }).metadata.name),
    ['pr-readwrite', 'pr-readonly'],
  );
  const spec = (s.apply[0] as { spec: { selector: object; ports: { name: string; port: number }[] } }).spec;
  assert.deepEqual(spec.selector, { [LABELS.readonly]: 'false', [LABELS.name]: 'pr' });
  assert.equal(spec.ports[0].name, 'postgresql');
  const none = buildServices(cr({ standby: [{ name: 'pg-1', host: 'h', port: 5432, isolated: true }] }));
  assert.deepEqual(none.remove, ['pr-readonly']);
});

test('status: lag against the primary current LSN, walDiff from the standby, Diverged with the rebuild command', () => {
  const c = cr();
  const observed = { 'pg-0': base, 'pg-1': standby(), 'pg-2': standby() };
  const v = judgeNodes(c, observed, addresses);
  const t = topologyStatus(c, observed, v, addresses);
  assert.equal(t['pg-0'].role, 'Primary');
  assert.equal(t['pg-1'].role, 'Standby');
  assert.equal(t['pg-1'].walDiff, 0x100000);
  assert.equal(t['pg-1'].lagBytes, 0x100000);
  assert.equal(t['pg-1'].lagSeconds, 0.25);
  assert.equal(t['pg-1'].ready, true);

  // follows the primary, does not stream, has WAL of timeline 1 past the fork: Diverged
  const diverged = standby({
    timeline: 1,
    walReceiver: undefined,
    receiveLsn: undefined,
    replayLsn: 0x3000100n,
  });
  const primary = { ...base, history: [{ tli: 1, switchpoint: 0x3000000n }] };
  const o2 = { 'pg-0': primary, 'pg-1': diverged };
  const t2 = topologyStatus(c, o2, judgeNodes(c, o2, addresses), addresses);
  assert.equal(t2['pg-1'].ready, false);
  assert.match(t2['pg-1'].diverged!, new RegExp(`kubectl annotate postgresreplication pr ${REBUILD_ANNOTATION}=true`));
  assert.equal(t2['pg-2'].status, 'Failed');
});

test('desired topology: modes, isolated standbys and the rebuild opt-in', () => {
  const d = desiredTopology(cr({ mode: 'rpl_sync' }), addresses, 'replication');
  assert.equal(d.mode, 'sync');
  assert.deepEqual(d.standbys, [
    { name: 'pg-1', isolated: false },
    { name: 'pg-2', isolated: true },
  ]);
  assert.equal(d.rebuildDiverged, false);
  assert.equal(desiredTopology(cr({}, { [REBUILD_ANNOTATION]: 'true' }), addresses, 'r').rebuildDiverged, true);
});
