import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';

export const PROVISIONER_NAME = 'statecraft.dev/local-dir';

/**
 * The local cluster's storage: a PersistentVolume backed by a directory under DIR/volumes for every claim, whatever
 * StorageClass it names (samples ask for `standard`, users for anything). The PV is created pre-bound to its claim
 * (claimRef), so kube-controller-manager's binder completes the binding. A claim whose request grows gets its PV and
 * status capacity raised (there is no real disk to grow). A Released PV (its claim was deleted) is deleted together
 * with its directory, like any dynamic provisioner with reclaimPolicy Delete.
 *
 * Directories are named by claim uid: a new claim with an old name must start empty.
 */
export class LocalDirProvisioner {
  private readonly core: k8s.CoreV1Api;
  private readonly kc: k8s.KubeConfig;
  private readonly root: string;
  private readonly log: (msg: string) => void;
  private informers: k8s.Informer<k8s.KubernetesObject>[] = [];

  constructor(kc: k8s.KubeConfig, clusterDir: string, log: (msg: string) => void = console.log) {
    this.kc = kc;
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.root = join(clusterDir, 'volumes');
    this.log = log;
  }

  /** Path of the directory backing a claim (the node agent mounts the same path). */
  static volumePath(clusterDir: string, claim: Pick<k8s.V1ObjectMeta, 'namespace' | 'name' | 'uid'>): string {
    return join(clusterDir, 'volumes', `${claim.namespace}_${claim.name}_${claim.uid}`);
  }

  async start(): Promise<void> {
    const pvcs = k8s.makeInformer(this.kc, '/api/v1/persistentvolumeclaims', () =>
      this.core.listPersistentVolumeClaimForAllNamespaces(),
    );
    const pvs = k8s.makeInformer(this.kc, '/api/v1/persistentvolumes', () => this.core.listPersistentVolume());
    const onClaim = (pvc: k8s.V1PersistentVolumeClaim) =>
      void this.syncClaim(pvc).catch((e) => this.fail('claim', pvc, e));
    const onVolume = (pv: k8s.V1PersistentVolume) => void this.syncVolume(pv).catch((e) => this.fail('volume', pv, e));
    pvcs.on('add', onClaim);
    pvcs.on('update', onClaim);
    pvs.on('add', onVolume);
    pvs.on('update', onVolume);
    for (const inf of [pvcs, pvs] as k8s.Informer<k8s.KubernetesObject>[]) {
      // the client's informer stops on some errors; restart it after a pause instead of going silent
      inf.on('error', () => setTimeout(() => void inf.start().catch(() => {}), 2000));
      await inf.start();
      this.informers.push(inf);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  private fail(kind: string, obj: k8s.KubernetesObject, err: unknown): void {
    this.log(`provisioner: ${kind} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}: ${(err as Error).message}`);
  }

  private async syncClaim(pvc: k8s.V1PersistentVolumeClaim): Promise<void> {
    const meta = pvc.metadata!;
    if (meta.deletionTimestamp) return;
    const request = pvc.spec?.resources?.requests?.storage ?? '1Gi';
    if (!pvc.spec?.volumeName && pvc.status?.phase !== 'Bound') {
      const path = LocalDirProvisioner.volumePath(join(this.root, '..'), meta);
      await mkdir(path, { recursive: true, mode: 0o777 });
      const name = `pvc-${meta.uid}`;
      try {
        await this.core.createPersistentVolume({
          body: {
            metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER_NAME } },
            spec: {
              capacity: { storage: request },
              accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
              persistentVolumeReclaimPolicy: 'Delete',
              storageClassName: pvc.spec?.storageClassName ?? '',
              volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
              hostPath: { path, type: 'DirectoryOrCreate' },
              claimRef: {
                apiVersion: 'v1',
                kind: 'PersistentVolumeClaim',
                namespace: meta.namespace,
                name: meta.name,
                uid: meta.uid,
              },
            },
          },
        });
        this.log(`provisioner: created ${name} for ${meta.namespace}/${meta.name} at ${path}`);
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
      }
      return;
    }
    // expansion: raise the PV and the claim's reported capacity to the new request
    const have = pvc.status?.capacity?.storage;
    if (pvc.status?.phase === 'Bound' && have && quantityBytes(request) > quantityBytes(have) && pvc.spec?.volumeName) {
      await this.core.patchPersistentVolume(
        { name: pvc.spec.volumeName, body: { spec: { capacity: { storage: request } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await this.core.patchNamespacedPersistentVolumeClaimStatus(
        { name: meta.name!, namespace: meta.namespace!, body: { status: { capacity: { storage: request } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      this.log(`provisioner: expanded ${meta.namespace}/${meta.name} to ${request}`);
    }
  }

  private async syncVolume(pv: k8s.V1PersistentVolume): Promise<void> {
    if (pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'] !== PROVISIONER_NAME) return;
    if (pv.status?.phase !== 'Released' || pv.spec?.persistentVolumeReclaimPolicy !== 'Delete') return;
    const path = pv.spec?.hostPath?.path;
    if (path?.startsWith(this.root)) await rm(path, { recursive: true, force: true });
    try {
      await this.core.deletePersistentVolume({ name: pv.metadata!.name! });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
    this.log(`provisioner: deleted ${pv.metadata?.name} (claim released)`);
  }
}

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};

/** Bytes of a Kubernetes quantity such as "10Gi" or "500M". */
export function quantityBytes(q: string): number {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q.trim());
  if (!m || !(m[2] in UNITS)) throw new Error(`not a storage quantity: ${q}`);
  return Number(m[1]) * UNITS[m[2]];
}
