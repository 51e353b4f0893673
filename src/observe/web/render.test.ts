import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusReport } from '../statusReport.ts';
import { esc, levels, renderCard, renderPage, snapshot, topologySvg } from './render.ts';

const node = (role: string, extra: object = {}) => ({ role, status: 'Healthy', ready: true, port: 3306, ...extra });
const mysql = (name: string, source: string, replicas: string[]) => ({
  apiVersion: 'upm.syntropycloud.io/v1alpha1',
  kind: 'MysqlReplication',
  metadata: { name, namespace: 'ns', uid: 'u1' },
  status: {
    ready: true,
    readwriteService: `${name}-readwrite`,
    readonlyService: `${name}-readonly`,
    topology: {
      [source]: node('Source', { host: source }),
      ...Object.fromEntries(
        replicas.map((r) => [
          r,
          node('Replica', {
            host: r,
            sourceHost: source,
            sourcePort: 3306,
            secondsBehindSource: 3,
            replicaIO: 'Yes',
            replicaSQL: 'Yes',
          }),
        ]),
      ),
    },
    conditions: [{ type: 'TopologyReady', status: 'True', reason: 'Ready' }],
  },
});

test('the topology SVG: the source on top, an arrow source → each replica with its lag, RW/RO badges', () => {
  const svg = topologySvg(statusReport(mysql('mr', 'db-1', ['db-0', 'db-2'])));
  assert.match(svg, /<g class="node source healthy" data-node="db-1" data-role="source"/);
  assert.match(svg, /data-node="db-0" data-role="replica"/);
  assert.deepEqual(
    [...svg.matchAll(/class="link (\w+)" data-from="([^"]+)" data-to="([^"]+)"/g)].map((m) => m.slice(1)),
    [
      ['up', 'db-1', 'db-0'],
      ['up', 'db-1', 'db-2'],
    ],
  );
  assert.match(svg, /<text class="lag"[^>]*>3 s<\/text>/);
  const source = svg.slice(svg.indexOf('data-node="db-1"'), svg.indexOf('</g></g>', svg.indexOf('data-node="db-1"')));
  assert.match(source, />RW</);
  assert.doesNotMatch(source, />RO</);
});

test('a cascading replica sits one row below the replica it follows', () => {
  const cr = mysql('mr', 'a', ['b']);
  (cr.status.topology as Record<string, object>).c = node('Replica', { host: 'c', sourceHost: 'b', sourcePort: 3306 });
  assert.deepEqual(
    levels(statusReport(cr).nodes ?? []).map((row) => row.map((n) => n.name)),
    [['a'], ['b'], ['c']],
  );
});

test('every string from the cluster is escaped: a hostile name renders as text', () => {
  const evil = '<script>alert(1)</script>';
  const cr = mysql('x', `db"><img src=x onerror=alert(1)>`, [evil]);
  (cr.metadata as { name: string }).name = `n'${evil}`;
  cr.status.conditions[0].reason = '<b>bad</b>';
  const snap = snapshot([statusReport(cr)]);
  // the keys are data for the client's Map, never markup; the fragments are what reaches innerHTML
  const html = renderPage([statusReport(cr)]) + snap.summary + snap.cards.map((c) => c.html).join('');
  assert.ok(!html.includes('<script>alert'), 'no script element from a CR name');
  assert.ok(!html.includes('<img'), 'no element from a node name');
  assert.ok(!html.includes('<b>bad'), 'no markup from a condition');
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.equal(esc(`a&<>"'`), 'a&amp;&lt;&gt;&quot;&#39;');
});

test('app kinds: pods as boxes with readiness and claims; services list the pods they select', () => {
  const ms = {
    apiVersion: 'upm.syntropycloud.io/v1alpha1',
    kind: 'MusicService',
    metadata: { name: 'm', namespace: 'ns', uid: 'u2' },
    spec: { replicas: 2 },
    status: { readyReplicas: 1, conditions: [{ type: 'Ready', status: 'False', reason: 'Scaling' }] },
  };
  const pod = (name: string, ready: boolean) => ({
    metadata: {
      name,
      namespace: 'ns',
      labels: { 'app.kubernetes.io/instance': 'm', app: 'm', component: 'music-service' },
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [{ restartCount: 1 }],
    },
  });
  const r = statusReport(ms as never, {
    pods: [pod('m-0', true), pod('m-1', false), { metadata: { name: 'other', namespace: 'ns' } }] as never,
    services: [
      {
        metadata: { name: 'm', namespace: 'ns', ownerReferences: [{ uid: 'u2' }] },
        spec: { selector: { app: 'm', component: 'music-service' } },
      },
    ] as never,
    pvcs: [
      { metadata: { name: 'data-m-0', namespace: 'ns' }, status: { phase: 'Bound', capacity: { storage: '1Gi' } } },
    ] as never,
    hpas: [
      {
        metadata: { name: 'm', namespace: 'ns', ownerReferences: [{ uid: 'u2' }] },
        spec: { minReplicas: 1, maxReplicas: 4, scaleTargetRef: { kind: 'StatefulSet', name: 'm' } },
        status: { currentReplicas: 2, desiredReplicas: 2 },
      },
    ] as never,
  });
  assert.deepEqual(
    r.pods?.map((p) => [p.name, p.ready, p.restarts]),
    [
      ['m-0', true, 1],
      ['m-1', false, 1],
    ],
  );
  assert.deepEqual(r.services, [{ role: 'service', name: 'm', selects: ['m-0', 'm-1'] }]);
  assert.deepEqual(
    r.claims?.map((c) => c.capacity),
    ['1Gi'],
  );
  assert.equal(r.autoscalers?.[0].max, 4);
  const card = renderCard(r);
  assert.match(card, /data-pod="m-0" data-ready="true"/);
  assert.match(card, /data-pod="m-1" data-ready="false"/);
  assert.match(card, /pvc 1Gi/);
  assert.match(card, /HPA m: 2 → 2 \(min 1, max 4\)/);
  assert.match(card, /1\/2 replicas/);
});

test('the last role change and its write stall come from the Switchover condition', () => {
  const cr = mysql('mr', 'db-1', ['db-0']);
  (cr.status.conditions as object[]).push({
    type: 'Switchover',
    status: 'True',
    reason: 'SwitchoverCompleted',
    lastTransitionTime: '2026-12-02T15:00:00Z',
    message: 'db-1 promoted after db-0 was fenced at 0-1-9; writes stalled 312 ms (catch-up 3 ms)',
  });
  const r = statusReport(cr);
  assert.deepEqual(r.lastRoleChange?.writeUnavailableMs, 312);
  assert.match(renderCard(r), /last role change: SwitchoverCompleted, writes unavailable 312 ms/);
});

test('RedisCluster: replicas sit under their masters in the masters order (no crossing arrows)', () => {
  const rc = {
    kind: 'RedisCluster',
    metadata: { name: 'rc', namespace: 'ns' },
    status: {
      topology: {
        'rc-a': { id: 'A', role: 'Master', status: 'Healthy', ready: true, shard: 0 },
        'rc-b': { id: 'B', role: 'Master', status: 'Healthy', ready: true, shard: 1 },
        'rc-a1': { id: 'A1', role: 'Replica', masterRef: 'A', status: 'Healthy', ready: true },
        'rc-b1': { id: 'B1', role: 'Replica', masterRef: 'B', status: 'Healthy', ready: true },
      },
    },
  };
  const nodes = statusReport(rc as never).nodes ?? [];
  assert.deepEqual(
    levels(nodes).map((row) => row.map((n) => n.name)),
    [
      ['rc-a', 'rc-b'],
      ['rc-a1', 'rc-b1'],
    ],
  );
  assert.match(topologySvg(statusReport(rc as never)), /data-from="rc-b" data-to="rc-b1"/);
});

test('events: only those about the CR count; the newest role change wins, with its write stall', () => {
  const cr = mysql('mr', 'db-0', ['db-1']);
  const ev = (name: string, reason: string, time: string, note: string) => ({
    metadata: { name: `${name}.${time}`, namespace: 'ns' },
    regarding: { kind: 'MysqlReplication', name },
    reason,
    note,
    eventTime: time,
  });
  const r = statusReport(cr, {
    events: [
      ev('mr', 'SwitchoverCompleted', '2026-12-02T10:00:00.000000Z', 'writes stalled 50 ms'),
      ev('mr', 'SwitchoverCompleted', '2026-12-02T11:00:00.000000Z', 'db-1 promoted; writes stalled 70 ms'),
      ev('other', 'FailedOver', '2026-12-02T12:00:00.000000Z', 'writes unavailable 999 ms'),
    ] as never,
  });
  assert.equal(r.events.length, 2, 'the other CR’s event is left out');
  assert.deepEqual([r.lastRoleChange?.reason, r.lastRoleChange?.writeUnavailableMs], ['SwitchoverCompleted', 70]);
});
