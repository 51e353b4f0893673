/**
 * StreamBusCluster controller: the shared broker-cluster reconciler with StreamBus's build, `status.endpoints`, and
 * the operator metrics the StreamBus README documents, on the manager's /metrics:
 * streambus_operator_reconcile_total{result}, streambus_operator_reconcile_errors_total,
 * streambus_operator_reconcile_duration_seconds.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { StreamBusCluster } from '../../apis/streambuscluster.ts';
import type { ControllerRegistration } from '../../runtime/index.ts';
import { podOrdinal } from '../../workloads/pods.ts';
import { headlessServiceName } from '../../workloads/statefulset-cluster.ts';
import { type BrokerCR, brokerClusterController } from '../broker-cluster/controller.ts';
import { crIdentity } from '../broker-cluster/desired.ts';
import { buildStreamBus, streamBusPorts } from './build.ts';

export const STREAMBUS_GVK = { apiVersion: 'streambus.io/v1alpha1', kind: 'StreamBusCluster' } as const;

/** status.endpoints: the stable client address of every broker pod, `{pod}.{name}-headless.{ns}.svc:{port}`. */
export function streamBusEndpoints(cr: StreamBusCluster, pods: V1Pod[]): string[] {
  const port = streamBusPorts(cr.spec).port;
  const { name, namespace } = crIdentity(cr);
  const headless = headlessServiceName(name);
  return pods
    .filter((p) => Number.isInteger(podOrdinal(p)))
    .sort((a, b) => podOrdinal(a) - podOrdinal(b))
    .map((p) => `${p.metadata?.name}.${headless}.${namespace}.svc:${port}`);
}

export function streamBusClusterController(): ControllerRegistration {
  let metrics: ReturnType<typeof streamBusMetrics> | undefined;
  const broker = brokerClusterController<BrokerCR>({
    controller: 'streambuscluster',
    gvk: STREAMBUS_GVK,
    build: (cr, observed) => buildStreamBus(cr as unknown as StreamBusCluster, observed),
    extraStatus: (cr, pods) => ({ endpoints: streamBusEndpoints(cr as unknown as StreamBusCluster, pods) }),
    observeReconcile: (result, seconds) => metrics?.observe(result, seconds),
  });
  return {
    name: broker.name,
    register(mgr) {
      metrics = streamBusMetrics(mgr.metrics.registry);
      broker.register(mgr);
    },
  };
}

/** The operator metrics the StreamBus README documents, on the manager's registry. */
function streamBusMetrics(registry: Registry) {
  const registers = [registry];
  const total = new Counter({
    name: 'streambus_operator_reconcile_total',
    help: 'StreamBusCluster reconciles, by result (success, error)',
    labelNames: ['result'],
    registers,
  });
  const errors = new Counter({
    name: 'streambus_operator_reconcile_errors_total',
    help: 'StreamBusCluster reconciles that failed',
    registers,
  });
  const duration = new Histogram({
    name: 'streambus_operator_reconcile_duration_seconds',
    help: 'Time spent in one StreamBusCluster reconcile',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  for (const result of ['success', 'error']) total.inc({ result }, 0);
  errors.inc(0);
  return {
    observe(result: 'success' | 'error', seconds: number) {
      total.inc({ result });
      if (result === 'error') errors.inc();
      duration.observe(seconds);
    },
  };
}
