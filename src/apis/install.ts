/**
 * Installs every CRD Statecraft serves by server-side apply and waits until the API server serves them.
 * Used by the operator at start-up and by tests; `statecraft dev` applies the same objects from deploy/crds.
 */
import * as k8s from '@kubernetes/client-node';
import { buildCrd } from './crd.ts';
import { kinds } from './index.ts';

export interface InstallCrdsOptions {
  fieldManager?: string;
  /** give up waiting for Established after this long */
  timeoutMs?: number;
}

export async function installCrds(kc: k8s.KubeConfig, options: InstallCrdsOptions = {}): Promise<string[]> {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const crds = kinds.map((def) => buildCrd(def) as { metadata: { name: string } });
  // The patch body goes out untouched (typed as any); KubernetesObjectApi would instead pass it through the typed
  // models, which know `enum`, `default` and `x-kubernetes-validations` by other names and drop them silently.
  const apply = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);
  await Promise.all(
    crds.map((crd) =>
      ext.patchCustomResourceDefinition(
        { name: crd.metadata.name, body: crd, fieldManager: options.fieldManager ?? 'statecraft', force: true },
        apply,
      ),
    ),
  );
  const names = crds.map((c) => c.metadata.name);
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (const name of names) {
    for (;;) {
      const crd = await ext.readCustomResourceDefinition({ name });
      const established = crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      if (established) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} was not Established in time`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return names;
}
