import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import type { Mount } from './podspec.ts';

/** Raised while a pod cannot start yet (claim not bound, ConfigMap missing): the pod stays ContainerCreating. */
export class NotYet extends Error {}

/** Reads the objects a pod refers to (ConfigMaps, Secrets, claims and their volumes) from the API. */
export class PodRefs {
  private readonly core: k8s.CoreV1Api;
  private readonly ns: string;
  /** the API server pods talk to (KUBERNETES_SERVICE_HOST/PORT), as a kubelet sets it */
  readonly apiServer: URL | undefined;

  constructor(core: k8s.CoreV1Api, ns: string, apiServer?: URL) {
    this.core = core;
    this.ns = ns;
    this.apiServer = apiServer;
  }

  /**
   * A token for the pod's service account bound to the pod (TokenRequest), as the kubelet writes it into the
   * projected volume the ServiceAccount admission adds. Not refreshed: the API server extends the admission's
   * 3607 s request to a year (--service-account-extend-token-expiration, on by default).
   */
  async serviceAccountToken(pod: k8s.V1Pod, source: k8s.V1ServiceAccountTokenProjection): Promise<string> {
    const name = pod.spec?.serviceAccountName || 'default';
    try {
      const tr = await this.core.createNamespacedServiceAccountToken({
        name,
        namespace: this.ns,
        body: {
          spec: {
            audiences: source.audience ? [source.audience] : [],
            expirationSeconds: source.expirationSeconds ?? 3607,
            boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name!, uid: pod.metadata!.uid! },
          },
        },
      });
      return tr.status?.token ?? '';
    } catch (err) {
      if ((err as { code?: number }).code === 404) throw new NotYet(`serviceaccount "${name}" not found`);
      throw err;
    }
  }

  async configMap(name: string, optional = false): Promise<Record<string, string> | undefined> {
    try {
      const cm = await this.core.readNamespacedConfigMap({ name, namespace: this.ns });
      return {
        ...cm.data,
        ...Object.fromEntries(
          Object.entries(cm.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
        ),
      };
    } catch (err) {
      if ((err as { code?: number }).code === 404) {
        if (optional) return undefined;
        throw new NotYet(`configmap "${name}" not found`);
      }
      throw err;
    }
  }

  async secret(name: string, optional = false): Promise<Record<string, string> | undefined> {
    try {
      const s = await this.core.readNamespacedSecret({ name, namespace: this.ns });
      return {
        ...Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])),
        ...s.stringData,
      };
    } catch (err) {
      if ((err as { code?: number }).code === 404) {
        if (optional) return undefined;
        throw new NotYet(`secret "${name}" not found`);
      }
      throw err;
    }
  }

  /** The directory behind a claim: the hostPath of the PersistentVolume it is bound to. */
  async claimPath(claimName: string): Promise<string> {
    let pvc: k8s.V1PersistentVolumeClaim;
    try {
      pvc = await this.core.readNamespacedPersistentVolumeClaim({ name: claimName, namespace: this.ns });
    } catch (err) {
      if ((err as { code?: number }).code === 404) throw new NotYet(`persistentvolumeclaim "${claimName}" not found`);
      throw err;
    }
    const volumeName = pvc.spec?.volumeName;
    if (!volumeName || pvc.status?.phase !== 'Bound') {
      throw new NotYet(`persistentvolumeclaim "${claimName}" is not bound yet`);
    }
    const pv = await this.core.readPersistentVolume({ name: volumeName });
    const path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    if (!path) throw new Error(`persistentvolume "${volumeName}" has no hostPath or local path this node can mount`);
    await mkdir(path, { recursive: true });
    return path;
  }
}

/**
 * Materialises a pod's volumes as directories on this machine: claims → their PV's directory, ConfigMaps/Secrets/
 * downward API → files written under podDir, emptyDir → a directory under podDir, hostPath → itself. Projected
 * service-account tokens are requested for the pod (so a pod of Statecraft's image talks to the API in-cluster).
 */
export async function prepareVolumes(pod: k8s.V1Pod, refs: PodRefs, podDir: string): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  for (const v of pod.spec?.volumes ?? []) {
    const dir = join(podDir, 'volumes', v.name);
    if (v.persistentVolumeClaim) {
      paths.set(v.name, await refs.claimPath(v.persistentVolumeClaim.claimName));
    } else if (v.hostPath) {
      await mkdir(v.hostPath.path, { recursive: true }).catch(() => {});
      paths.set(v.name, v.hostPath.path);
    } else if (v.configMap || v.secret || v.projected || v.downwardAPI) {
      await mkdir(dir, { recursive: true });
      const sources: k8s.V1VolumeProjection[] = v.projected?.sources ?? [
        v.configMap
          ? { configMap: v.configMap }
          : v.secret
            ? { secret: { ...v.secret, name: v.secret.secretName } }
            : {},
        v.downwardAPI ? { downwardAPI: v.downwardAPI } : {},
      ];
      const mode = v.configMap?.defaultMode ?? v.secret?.defaultMode ?? v.projected?.defaultMode ?? 0o644;
      for (const src of sources) {
        let data: Record<string, string> | undefined;
        let items: k8s.V1KeyToPath[] | undefined;
        if (src.configMap) {
          data = await refs.configMap(src.configMap.name!, src.configMap.optional);
          items = src.configMap.items;
        } else if (src.secret) {
          data = await refs.secret(src.secret.name!, src.secret.optional);
          items = src.secret.items;
        } else if (src.serviceAccountToken) {
          data = { [src.serviceAccountToken.path]: await refs.serviceAccountToken(pod, src.serviceAccountToken) };
        } else if (src.downwardAPI) {
          data = Object.fromEntries(
            (src.downwardAPI.items ?? []).map((i) => [i.path, downward(pod, i.fieldRef?.fieldPath)]),
          );
        }
        if (!data) continue;
        const files = items
          ? items.map((i) => [i.path, data[i.key], i.mode] as const)
          : Object.entries(data).map(([k, d]) => [k, d, undefined] as const);
        for (const [path, content, itemMode] of files) {
          if (content === undefined) continue;
          const file = join(dir, path);
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, content, { mode: itemMode ?? mode });
        }
      }
      paths.set(v.name, dir);
    } else {
      // emptyDir, and anything else we can only approximate with a fresh directory
      await mkdir(dir, { recursive: true });
      paths.set(v.name, dir);
    }
  }
  return paths;
}

/** A container's mounts as host paths (subPath included). */
export function containerMounts(c: k8s.V1Container, volumePaths: Map<string, string>): Mount[] {
  return (c.volumeMounts ?? []).flatMap((m) => {
    const base = volumePaths.get(m.name);
    if (!base) return [];
    return [{ containerPath: m.mountPath, hostPath: m.subPath ? join(base, m.subPath) : base, readOnly: !!m.readOnly }];
  });
}

/** The downward API fields a pod can read (metadata.labels['x'] too). */
export function downward(pod: k8s.V1Pod, fieldPath: string | undefined): string {
  const md = pod.metadata ?? {};
  const key = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath ?? '');
  if (key) return (key[1] === 'labels' ? md.labels : md.annotations)?.[key[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return md.name ?? '';
    case 'metadata.namespace':
      return md.namespace ?? '';
    case 'metadata.uid':
      return md.uid ?? '';
    case 'metadata.labels':
      return Object.entries(md.labels ?? {})
        .map(([k, v]) => `${k}="${v}"`)
        .join('\n');
    case 'metadata.annotations':
      return Object.entries(md.annotations ?? {})
        .map(([k, v]) => `${k}="${v}"`)
        .join('\n');
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    default:
      return '';
  }
}
