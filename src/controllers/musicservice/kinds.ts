import type { GroupVersionKind } from '../../runtime/index.ts';

export const MUSIC_SERVICE: GroupVersionKind = { apiVersion: 'music.mixcorp.org/v1', kind: 'MusicService' };
export const STATEFUL_SET: GroupVersionKind = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
export const SERVICE: GroupVersionKind = { apiVersion: 'v1', kind: 'Service' };
export const HPA: GroupVersionKind = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' };
export const SECRET: GroupVersionKind = { apiVersion: 'v1', kind: 'Secret' };
export const CONFIG_MAP: GroupVersionKind = { apiVersion: 'v1', kind: 'ConfigMap' };
export const POD: GroupVersionKind = { apiVersion: 'v1', kind: 'Pod' };
export const PVC: GroupVersionKind = { apiVersion: 'v1', kind: 'PersistentVolumeClaim' };
