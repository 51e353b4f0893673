/**
 * Installs every CRD Statecraft serves by server-side apply and waits until the API server serves them.
 * Used by the operator at start-up and by tests; `statecraft dev` applies the same files.
 *
 * The CRDs are read from deploy/crds, the files `npm run gen` generates from the schemas (a unit test fails when
 * they are stale), not built from the schemas here: building them loads TypeBox and every kind's schema, ~9 MB
 * of the operator's RSS for objects it needs once. Without deploy/crds (a copy of src/ alone) they are built.
 * Requests go through the runtime's KubeClient, which sends the objects as they are (nothing passes through typed
 * models that could drop `enum`, `default` or `x-kubernetes-validations`), so `statecraft run` never loads
 * `@kubernetes/client-node` either.
 */
import { readdir, readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { KubeClient } from '../runtime/client.ts';
import type { KubeObject } from '../runtime/gvk.ts';
import type { KubeConfigLike } from '../runtime/kubeconfig.ts';

export interface InstallCrdsOptions {
  fieldManager?: string;
  /** give up waiting for Established after this long */
  timeoutMs?: number;
}

const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };

interface CrdStatus {
  status?: { conditions?: { type: string; status: string }[] };
}

type Crd = KubeObject & { metadata: { name: string } };

const CRD_DIR = new URL('../../deploy/crds/', import.meta.url);

/** Every CRD Statecraft serves: deploy/crds/*.yaml, or built from the schemas when that directory is absent. */
export async function generatedCrds(): Promise<Crd[]> {
  let files: string[];
  try {
    files = (await readdir(CRD_DIR)).filter((f) => f.endsWith('.yaml')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const [{ buildCrd }, { kinds }] = await Promise.all([import('./crd.ts'), import('./index.ts')]);
    return kinds.map((def) => buildCrd(def) as Crd);
  }
  return Promise.all(files.map(async (f) => parse(await readFile(new URL(f, CRD_DIR), 'utf8')) as Crd));
}

/** `kc`: our loader's kubeconfig or a `@kubernetes/client-node` KubeConfig. */
export async function installCrds(kc: KubeConfigLike, options: InstallCrdsOptions = {}): Promise<string[]> {
  const client = new KubeClient(kc);
  try {
    const crds = await generatedCrds();
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
