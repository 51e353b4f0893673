import type { V1StatefulSet } from '@kubernetes/client-node';
import { canonicalResources } from '../../workloads/resources.ts';
import { claimTemplate } from './claimTemplate.ts';
import { childLabels, childMeta, selectorLabels } from './labels.ts';
import { APP_VOLUME, childNames } from './names.ts';
import { REQUESTED_REPLICAS_ANNOTATION, replicaCount } from './replicaCount.ts';
import type { MusicService } from './types.ts';

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
