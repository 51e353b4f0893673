import type * as k8s from '@kubernetes/client-node';
import { expandVars } from './podspec.ts';
import { downward, NotYet, type PodRefs } from './volumes.ts';

/** Environment the official images set themselves (a pod's env overrides it). */
const IMAGE_ENV: Record<string, Record<string, string>> = {
  postgres: { PGDATA: '/var/lib/postgresql/data' },
};

/**
 * A container's environment as the kubelet builds it: envFrom first, then env in order, each value's $(VAR)
 * references expanded against what came before; valueFrom reads ConfigMaps, Secrets and the downward API.
 */
export async function resolveEnv(
  c: k8s.V1Container,
  pod: k8s.V1Pod,
  refs: PodRefs,
  image?: string,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(IMAGE_ENV[image ?? ''] ?? {})) if (v) env[k] = v;
  env.HOSTNAME = pod.spec?.hostname ?? pod.metadata?.name ?? '';
  if (refs.apiServer) {
    // what a kubelet sets for the `kubernetes` Service; here it is the API server's own address (no Service network)
    const port = refs.apiServer.port || '443';
    env.KUBERNETES_SERVICE_HOST = refs.apiServer.hostname.replace(/^\[|\]$/g, '');
    env.KUBERNETES_SERVICE_PORT = port;
    env.KUBERNETES_SERVICE_PORT_HTTPS = port;
  }
  for (const from of c.envFrom ?? []) {
    const data = from.configMapRef
      ? await refs.configMap(from.configMapRef.name!, from.configMapRef.optional)
      : from.secretRef
        ? await refs.secret(from.secretRef.name!, from.secretRef.optional)
        : undefined;
    for (const [k, v] of Object.entries(data ?? {})) env[`${from.prefix ?? ''}${k}`] = v;
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom) {
      const value = await valueFrom(e, pod, refs);
      if (value !== undefined) env[e.name] = value;
    } else {
      env[e.name] = expandVars(e.value ?? '', env);
    }
  }
  return env;
}

async function valueFrom(e: k8s.V1EnvVar, pod: k8s.V1Pod, refs: PodRefs): Promise<string | undefined> {
  const vf = e.valueFrom!;
  if (vf.secretKeyRef) {
    const data = await refs.secret(vf.secretKeyRef.name!, vf.secretKeyRef.optional);
    const v = data?.[vf.secretKeyRef.key];
    if (v === undefined && !vf.secretKeyRef.optional) {
      throw new NotYet(`env ${e.name}: key "${vf.secretKeyRef.key}" not found in secret "${vf.secretKeyRef.name}"`);
    }
    return v;
  }
  if (vf.configMapKeyRef) {
    const data = await refs.configMap(vf.configMapKeyRef.name!, vf.configMapKeyRef.optional);
    const v = data?.[vf.configMapKeyRef.key];
    if (v === undefined && !vf.configMapKeyRef.optional) {
      throw new NotYet(
        `env ${e.name}: key "${vf.configMapKeyRef.key}" not found in configmap "${vf.configMapKeyRef.name}"`,
      );
    }
    return v;
  }
  if (vf.fieldRef) return downward(pod, vf.fieldRef.fieldPath);
  if (vf.resourceFieldRef) return '0';
  return undefined;
}
