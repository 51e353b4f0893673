/** The streaming app's objects: its StatefulSet, its Services and its HPA. Pure. */
import type { V1Service, V1StatefulSet, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { MusicService } from '../../apis/musicservice.ts';
import { canonicalResources } from '../../workloads/resources.ts';
import {
  APP_VOLUME,
  type AutoscalingSpec,
  childAutoscaler,
  childLabels,
  childMeta,
  childNames,
  childService,
  claimTemplate,
  REQUESTED_REPLICAS_ANNOTATION,
  replicaCount,
  selectorLabels,
} from './children.ts';

/**
 * The streaming app: StatefulSet `{name}`, container `music-service` listening on spec.port, streaming settings as
 * env, one `music-data` PVC per pod mounted at /data. Its governing Service is the headless `{name}-headless`
 * (upstream pointed serviceName at the ClusterIP Service, which gives pods no DNS names).
 */
export function buildAppStatefulSet(ms: MusicService, observed?: V1StatefulSet): V1StatefulSet {
  const name = ms.metadata.name!;
  const names = childNames(name);
  const labels = childLabels(name, 'music-service');
  const { spec } = ms;
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      ...childMeta(ms, names.app, 'music-service'),
      annotations: { [REQUESTED_REPLICAS_ANNOTATION]: String(spec.replicas) },
    },
    spec: {
      replicas: replicaCount(spec.replicas, spec.autoscaling, observed),
      serviceName: names.appHeadless,
      // pods are independent streaming servers: start and replace them side by side, not one by one
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selectorLabels(name, 'music-service') },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'music-service',
              image: spec.image,
              ports: [{ name: 'http', containerPort: spec.port, protocol: 'TCP' }],
              env: [
                { name: 'STREAMING_BITRATE', value: spec.streaming.bitrate },
                { name: 'MAX_CONNECTIONS', value: String(spec.streaming.maxConnections) },
              ],
              ...(spec.resources ? { resources: canonicalResources(spec.resources) } : {}),
              volumeMounts: [{ name: APP_VOLUME, mountPath: '/data' }],
            },
          ],
        },
      },
      volumeClaimTemplates: [claimTemplate(APP_VOLUME, labels, spec.storage.size, observed)],
    },
  };
}

/** Service `{name}`: ClusterIP on spec.port, forwarding to the container's spec.port (upstream forced 80). */
export function buildAppService(ms: MusicService): V1Service {
  const http = { name: 'http', port: ms.spec.port };
  return childService(ms, childNames(ms.metadata.name!).app, 'music-service', 'music-service', http, false);
}

/** Headless `{name}-headless`: the app StatefulSet's governing Service, giving each pod a stable DNS name. */
export function buildAppHeadlessService(ms: MusicService): V1Service {
  const http = { name: 'http', port: ms.spec.port };
  return childService(ms, childNames(ms.metadata.name!).appHeadless, 'music-service', 'music-service', http, true);
}

/** HPA `{name}-autoscaler` on the app StatefulSet. */
export function buildAppAutoscaler(ms: MusicService, spec: AutoscalingSpec): V2HorizontalPodAutoscaler {
  const names = childNames(ms.metadata.name!);
  return childAutoscaler(ms, names.appAutoscaler, 'music-service', names.app, spec);
}
