import { type KindView, scaleReplicas, statusOf } from './view.ts';

/** App and broker kinds: the scale subresource's desired vs ready replicas. */
export const musicServiceView: KindView = { kind: 'MusicService', replicas: scaleReplicas };
export const streamBusClusterView: KindView = { kind: 'StreamBusCluster', replicas: scaleReplicas };
export const shazamqClusterView: KindView = { kind: 'ShazamqCluster', replicas: scaleReplicas };

/** MySQL (the instance kind): status.lastBackup is the backup module's record. */
export const mysqlView: KindView = {
  kind: 'MySQL',
  lastBackup: (cr) => (typeof statusOf(cr).lastBackup === 'string' ? statusOf(cr).lastBackup : undefined),
};
