import type { V1Service } from '@kubernetes/client-node';
import { type Component, childMeta, selectorLabels } from './labels.ts';
import { childNames, DB_PORT } from './names.ts';
import type { MusicService } from './types.ts';

function service(
  ms: MusicService,
  name: string,
  labelComponent: Component,
  selects: Component,
  port: { name: string; port: number },
  headless: boolean,
): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(ms, name, labelComponent),
    spec: {
      ...(headless ? { clusterIP: 'None', publishNotReadyAddresses: true } : { type: 'ClusterIP' }),
      selector: selectorLabels(ms.metadata.name!, selects),
      ports: [{ name: port.name, port: port.port, targetPort: port.port, protocol: 'TCP' }],
    },
  };
}

/** Service `{name}`: ClusterIP on spec.port, forwarding to the container's spec.port (upstream forced 80). */
export function buildAppService(ms: MusicService): V1Service {
  const http = { name: 'http', port: ms.spec.port };
  return service(ms, childNames(ms.metadata.name!).app, 'music-service', 'music-service', http, false);
}

/** Headless `{name}-headless`: the app StatefulSet's governing Service, giving each pod a stable DNS name. */
export function buildAppHeadlessService(ms: MusicService): V1Service {
  const http = { name: 'http', port: ms.spec.port };
  return service(ms, childNames(ms.metadata.name!).appHeadless, 'music-service', 'music-service', http, true);
}

const mysql = { name: 'mysql', port: DB_PORT };

/** Headless `{name}-db-master`: direct access to the primary (`{name}-db-master-0.{name}-db-master`). */
export function buildDbMasterService(ms: MusicService): V1Service {
  return service(ms, childNames(ms.metadata.name!).dbMaster, 'db-master', 'db-master', mysql, true);
}

/** Headless `{name}-db-replica`: the replica StatefulSet's governing Service (per-replica DNS names). */
export function buildDbReplicaService(ms: MusicService): V1Service {
  return service(ms, childNames(ms.metadata.name!).dbReplica, 'db-replica', 'db-replica', mysql, true);
}

/** ClusterIP `{name}-db-read`: reads load-balanced over the replicas. */
export function buildDbReadService(ms: MusicService): V1Service {
  return service(ms, childNames(ms.metadata.name!).dbRead, 'db-read', 'db-replica', mysql, false);
}
