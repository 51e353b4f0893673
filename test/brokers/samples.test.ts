/**
 * The four seed samples applied verbatim: Secrets they name are missing first (Degraded, naming the Secret, no
 * StatefulSet), then created (Running without restarting the operator), every pod Ready, brokers/endpoints filled.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testCluster } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import {
  apis,
  clusterPods,
  condition,
  fakeNodes,
  getCr,
  SHAZAMQ,
  STREAMBUS,
  sampleText,
  startManager,
} from './support.ts';

const SAMPLE_FILES = [
  'shazamq-my-cluster.yaml',
  'shazamq-production.yaml',
  'streambus-minimal.yaml',
  'streambus-full.yaml',
];

test('the four broker samples apply verbatim and become Running once their Secrets exist', async (t) => {
  const cluster = await testCluster();
  const { core, apps } = await apis();
  await core.createNamespace({ body: { metadata: { name: 'messaging' } } }).catch(() => {});
  // after-hooks run in registration order: remove the clusters before the nodes their pods run on
  t.after(async () => {
    for (const f of SAMPLE_FILES) {
      await cluster.kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], await sampleText(f));
    }
    for (const s of ['aws-credentials', 'kafka-credentials'])
      await core.deleteNamespacedSecret({ name: s, namespace: 'messaging' }).catch(() => {});
    for (const s of ['streambus-tls-certs', 'streambus-ca-cert'])
      await core.deleteNamespacedSecret({ name: s, namespace: 'default' }).catch(() => {});
    await Promise.all(
      [
        ['messaging', 'my-cluster'],
        ['messaging', 'prod-cluster'],
        ['default', 'streambus-minimal'],
        ['default', 'my-cluster'],
      ].map(async ([ns, inst]) => {
        await eventually(
          `${ns}/${inst} StatefulSet gone`,
          async () => !(await apps.readNamespacedStatefulSet({ name: inst, namespace: ns }).catch(() => undefined)),
          60_000,
        ).catch(() => {});
        await core
          .deleteCollectionNamespacedPersistentVolumeClaim({
            namespace: ns,
            labelSelector: `app.kubernetes.io/instance=${inst}`,
          })
          .catch(() => {});
      }),
    );
  });

  // shazamq-production: nodeSelector workload=messaging,disk=nvme, toleration messaging=true, one pod per node;
  // streambus-full: nodeSelector workload=streaming, toleration dedicated=streambus, one pod per node
  await fakeNodes(t, 'brokers-messaging', 3, { workload: 'messaging', disk: 'nvme' }, [
    { key: 'messaging', value: 'true', effect: 'NoSchedule' },
  ]);
  await fakeNodes(t, 'brokers-streaming', 3, { workload: 'streaming' }, [
    { key: 'dedicated', value: 'streambus', effect: 'NoSchedule' },
  ]);
  const mgr = await startManager(t, ['messaging', 'default']);

  for (const f of SAMPLE_FILES) await cluster.kubectl(['apply', '-f', '-'], await sampleText(f));

  await t.test('without their Secrets the production clusters are Degraded and name what is missing', async () => {
    const prod = await eventually('prod-cluster Degraded', async () => {
      const cr = await getCr(SHAZAMQ, 'messaging', 'prod-cluster');
      return cr?.status?.phase === 'Degraded' && cr;
    });
    const msg = condition(prod, 'Degraded')?.message ?? '';
    assert.equal(condition(prod, 'Degraded')?.reason, 'SecretMissing');
    assert.match(msg, /messaging\/aws-credentials \(spec\.tieredStorage\.s3\.credentialsSecret\) not found/);
    assert.match(msg, /messaging\/kafka-credentials \(spec\.mirror\.sources\[0\]\.credentialsSecret\) not found/);
    const full = await eventually('streambus my-cluster Degraded', async () => {
      const cr = await getCr(STREAMBUS, 'default', 'my-cluster');
      return cr?.status?.phase === 'Degraded' && cr;
    });
    assert.match(
      condition(full, 'Ready')?.message ?? '',
      /default\/streambus-tls-certs \(spec\.security\.tls\.certSecretName\) not found/,
    );
    assert.match(condition(full, 'Ready')?.message ?? '', /default\/streambus-ca-cert/);
    // the brokers are held back, the rest exists
    assert.equal(
      await apps.readNamespacedStatefulSet({ name: 'prod-cluster', namespace: 'messaging' }).catch(() => undefined),
      undefined,
    );
    assert.ok(await core.readNamespacedConfigMap({ name: 'prod-cluster-config', namespace: 'messaging' }));
    const events = await core.listNamespacedEvent({
      namespace: 'messaging',
      fieldSelector: 'involvedObject.name=prod-cluster',
    });
    assert.ok(events.items.some((e) => e.reason === 'SecretMissing' && /aws-credentials/.test(e.message ?? '')));
  });

  await t.test('the clusters without Secrets run at once', async () => {
    for (const [kind, ns, name] of [
      [SHAZAMQ, 'messaging', 'my-cluster'],
      [STREAMBUS, 'default', 'streambus-minimal'],
    ] as const) {
      await eventually(
        `${name} Running`,
        async () => (await getCr(kind, ns, name))?.status?.phase === 'Running',
        90_000,
      );
    }
  });

  await t.test('creating the Secrets makes the production clusters Running without an operator restart', async () => {
    const secret = (namespace: string, name: string, type: string, data: Record<string, string>) =>
      core.createNamespacedSecret({
        namespace,
        body: { metadata: { name }, type, stringData: data },
      });
    await secret('messaging', 'aws-credentials', 'Opaque', {
      'access-key-id': 'AKIAIOSFODNN7EXAMPLE',
      'secret-access-key': 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });
    await secret('messaging', 'kafka-credentials', 'Opaque', { username: 'mirror', password: 'secret-pw' });
    await secret('default', 'streambus-tls-certs', 'kubernetes.io/tls', { 'tls.crt': 'CERT', 'tls.key': 'KEY' });
    await secret('default', 'streambus-ca-cert', 'Opaque', { 'ca.crt': 'CA' });
    for (const [kind, ns, name] of [
      [SHAZAMQ, 'messaging', 'prod-cluster'],
      [STREAMBUS, 'default', 'my-cluster'],
    ] as const) {
      await eventually(
        `${name} Running`,
        async () => (await getCr(kind, ns, name))?.status?.phase === 'Running',
        90_000,
      );
    }
    const cm = await core.readNamespacedConfigMap({ name: 'prod-cluster-config', namespace: 'messaging' });
    assert.doesNotMatch(
      cm.data?.['config.toml'] ?? '',
      /AKIA|wJalr|secret-pw/,
      'credentials never reach the ConfigMap',
    );
  });

  await t.test('every pod is Ready, on the nodes the samples ask for, and status lists brokers/endpoints', async () => {
    for (const [kind, ns, name] of [
      [SHAZAMQ, 'messaging', 'my-cluster'],
      [SHAZAMQ, 'messaging', 'prod-cluster'],
      [STREAMBUS, 'default', 'streambus-minimal'],
      [STREAMBUS, 'default', 'my-cluster'],
    ] as const) {
      const cr = await getCr(kind, ns, name);
      assert.equal(cr?.status?.phase, 'Running', `${ns}/${name}`);
      assert.equal(cr?.status?.readyReplicas, 3);
      assert.equal(cr?.status?.observedGeneration, cr?.metadata?.generation);
      assert.equal(condition(cr, 'Ready')?.status, 'True');
      const pods = (await clusterPods(ns, name)).filter((p) => p.name.startsWith(`${name}-`));
      assert.equal(pods.length, 3);
      assert.ok(pods.every((p) => p.ready));
      if (kind === SHAZAMQ) {
        assert.deepEqual(
          cr?.status?.brokers,
          [0, 1, 2].map((id) => ({ id, pod: `${name}-${id}`, ready: true })),
        );
      } else {
        assert.deepEqual(
          cr?.status?.endpoints,
          [0, 1, 2].map((i) => `${name}-${i}.${name}-headless.${ns}.svc:9092`),
        );
      }
      if (name === 'prod-cluster') {
        assert.equal(new Set(pods.map((p) => p.node)).size, 3, 'required anti-affinity: one broker per node');
        assert.ok(pods.every((p) => p.node?.startsWith('brokers-messaging-')));
      }
    }
    const full = await getCr(STREAMBUS, 'default', 'my-cluster');
    // CRDNotInstalled on a cluster without the Prometheus Operator (service-monitor.test.ts may install a stand-in)
    assert.ok(['CRDNotInstalled', 'Created'].includes(condition(full, 'ServiceMonitorReady')?.reason ?? ''));
    for (const kind of ['NetworkPolicy', 'ResourceQuota']) {
      const out = await cluster.kubectl([
        'get',
        kind.toLowerCase(),
        '-n',
        'default',
        '-l',
        'app.kubernetes.io/instance=my-cluster',
        '-o',
        'name',
      ]);
      assert.ok(out.trim(), `${kind} of the multi-tenant cluster exists`);
    }
  });

  await t.test('the StreamBus operator metrics are on the manager /metrics', async () => {
    const body = await (await fetch(`http://${mgr.metricsAddress}/metrics`)).text();
    const total = Number(/streambus_operator_reconcile_total\{result="success"\} (\d+)/.exec(body)?.[1]);
    assert.ok(total > 0, 'reconcile_total counts StreamBus reconciles');
    assert.match(body, /streambus_operator_reconcile_errors_total \d+/);
    assert.match(body, /streambus_operator_reconcile_duration_seconds_count \d+/);
  });
});
