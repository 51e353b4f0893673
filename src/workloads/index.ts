/** Pure builders of Kubernetes objects shared by the controllers. */

export * from './backup-job.ts';
export * from './config-hash.ts';
export * from './config-map.ts';
export * from './horizontal-pod-autoscaler.ts';
export * from './labels.ts';
export * from './network-policy.ts';
export * from './owner.ts';
export * from './pod-disruption-budget.ts';
export * from './pods.ts';
export * from './quantity.ts';
export * from './resource-quota.ts';
export * from './resources.ts';
export * from './service-monitor.ts';
export * from './statefulset-cluster.ts';
export * from './toml.ts';
