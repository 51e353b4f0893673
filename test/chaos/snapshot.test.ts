/** compare() (pure): what R1 reports when a disturbed run differs from the undisturbed one. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compare, type Snapshot } from './snapshot.ts';

const snap = (children: [string, string][], orphans: string[] = []): Snapshot => ({
  crs: new Map([['StreamBusCluster/w0', '{"conditions":["Ready=True/Ready"]}']]),
  children: new Map(children),
  pvcs: new Map(),
  orphans,
});

test('compare: equal runs agree; a missing, extra, changed or orphaned child is named', () => {
  const reference = snap([
    ['StatefulSet/w0', '{"replicas":1}'],
    ['Service/w0', '{}'],
  ]);
  assert.deepEqual(compare(reference, reference), []);
  const disturbed = snap(
    [
      ['StatefulSet/w0', '{"replicas":2}'],
      ['ConfigMap/w0-config', '{}'],
    ],
    ['ConfigMap/w9 → StreamBusCluster/w9'],
  );
  assert.deepEqual(compare(disturbed, reference), [
    'different child StatefulSet/w0: {"replicas":2} vs {"replicas":1}',
    'missing child Service/w0',
    'extra child ConfigMap/w0-config',
    'orphan ConfigMap/w9 → StreamBusCluster/w9',
  ]);
});
