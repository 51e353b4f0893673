/**
 * Installs every CRD Statecraft serves by server-side apply and waits until the API server serves them.
 * Used by the operator at start-up and by tests; `statecraft dev` applies the same objects from deploy/crds.
 * Goes through the runtime's KubeClient, which sends the objects as generated (nothing is passed through typed
 * models that could drop `enum`, `default` or `x-kubernetes-validations`), and so `statecraft run` never loads
 * `@kubernetes/client-node`.
 */
import { KubeClient } from '../runtime/client.ts';
import type { KubeObject } from '../runtime/gvk.ts';
import type { KubeConfigLike } from '../runtime/kubeconfig.ts';
import { buildCrd } from './crd.ts';
import { kinds } from './index.ts';

export interface InstallCrdsOptions {
  fieldManager?: string;
  /** give up waiting for Established after this long */
  timeoutMs?: number;
}

const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };

interface CrdStatus {
  status?: { conditions?: { type: string; status: string }[] };
}

/** `kc`: our loader's kubeconfig or a `@kubernetes/client-node` KubeConfig. */
export async function installCrds(kc: KubeConfigLike, options: InstallCrdsOptions = {}): Promise<string[]> {
  const client = new KubeClient(kc);
  try {
    const crds = kinds.map((def) => buildCrd(def) as KubeObject & { metadata: { name: string } });
    await Promise.all(
      crds.map((crd) =>
        client.patch(CRD, undefined, crd.metadata.name, crd, 'apply', {
          fieldManager: options.fieldManager ?? 'statecraft',
          force: true,
        }),
      ),
    );
    const names = crds.map((c) => c.metadata.name);
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (const name of names) {
      for (;;) {
        const crd = await client.get<KubeObject & CrdStatus>(CRD, undefined, name);
        const established = crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
        if (established) break;
        if (Date.now() > deadline) throw new Error(`CRD ${name} was not Established in time`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return names;
  } finally {
    client.close();
  }
}
