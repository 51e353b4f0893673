/** ShazamqCluster controller: the shared broker-cluster reconciler with Shazamq's build and `status.brokers`. */
import type { V1Pod } from '@kubernetes/client-node';
import type { ShazamqCluster } from '../../apis/shazamqcluster.ts';
import type { ControllerRegistration } from '../../runtime/index.ts';
import { podOrdinal } from '../../workloads/pods.ts';
import { type BrokerCR, brokerClusterController } from '../broker-cluster/controller.ts';
import { podReady } from '../broker-cluster/status.ts';
import { buildShazamq } from './build.ts';

export const SHAZAMQ_GVK = { apiVersion: 'shazamq.io/v1alpha1', kind: 'ShazamqCluster' } as const;

/** status.brokers: one entry per broker pod, by ordinal (the broker id). */
export function shazamqBrokers(pods: V1Pod[]) {
  return pods
    .map((p) => ({ id: podOrdinal(p), pod: p.metadata?.name ?? '', ready: podReady(p) }))
    .filter((b) => Number.isInteger(b.id))
    .sort((a, b) => a.id - b.id);
}

export function shazamqClusterController(): ControllerRegistration {
  return brokerClusterController<BrokerCR>({
    controller: 'shazamqcluster',
    gvk: SHAZAMQ_GVK,
    build: (cr, observed) => buildShazamq(cr as unknown as ShazamqCluster, observed),
    extraStatus: (_cr, pods) => ({ brokers: shazamqBrokers(pods) }),
  });
}
