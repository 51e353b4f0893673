/**
 * Versions of the control-plane components the local cluster is built from. Each is a Go module on the module
 * proxy; the cache directory of a build is keyed by the version, so bumping one here triggers exactly that rebuild.
 */
export const KUBERNETES_VERSION = 'v1.34.4';
export const ETCD_VERSION = 'v3.6.16';
export const KWOK_VERSION = 'v0.8.0';
/** helm v3, for the chart's lint/template/install tests and `npm run build-installer` */
export const HELM_VERSION = 'v3.22.0';
/** cluster DNS of the pod network (`cluster up --pod-network`), built with only the plugins it uses */
export const COREDNS_VERSION = 'v1.14.7';

/** The staging modules of k8s.io/kubernetes share its minor: v1.34.4 → v0.34.4. */
export function stagingVersion(kubernetesVersion: string): string {
  return kubernetesVersion.replace(/^v1\./, 'v0.');
}
