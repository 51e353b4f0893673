/**
 * What the operator made of a namespace, in a form two runs can be compared by: every custom resource (its
 * conditions' type/status/reason and whether it observed its generation) and every object it owns or that its
 * workloads claimed (StatefulSets, Services, ConfigMaps, Secrets, PDBs, HPAs, PVCs), keyed by kind and name,
 * with the fields that the operator decides (owners, replicas, images, ports, data keys) and none that the API
 * server fills in (uids, clusterIPs, timestamps).
 */
import type { KubeClient, KubeObject } from '../../src/runtime/index.ts';
import type { Obj } from './mutations.ts';

export const CHILD_KINDS = [
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
];

export interface Snapshot {
  /** `Kind/name` → normalized object */
  crs: Map<string, string>;
  children: Map<string, string>;
  /** PVC name → uid (a PVC lost and re-created has a new uid) */
  pvcs: Map<string, string>;
  /** children whose owner custom resource does not exist */
  orphans: string[];
}

function projectChild(o: Obj): unknown {
  const owners = (o.metadata.ownerReferences ?? []).map((r: Obj) => `${r.kind}/${r.name}${r.controller ? '*' : ''}`);
  const containers = (o.spec?.template?.spec?.containers ?? []).map((c: Obj) => ({
    name: c.name,
    image: c.image,
    ports: c.ports,
  }));
  switch (o.kind) {
    case 'StatefulSet':
      return { owners, replicas: o.spec.replicas, containers, claims: o.spec.volumeClaimTemplates?.length ?? 0 };
    case 'Service':
      return {
        owners,
        type: o.spec.type,
        ports: o.spec.ports?.map((p: Obj) => [p.name, p.port]),
        selector: o.spec.selector,
      };
    case 'ConfigMap':
    case 'Secret':
      return { owners, keys: Object.keys({ ...o.data, ...o.stringData }).sort() };
    case 'PersistentVolumeClaim':
      return { owners, storage: o.spec.resources?.requests?.storage };
    default:
      return { owners, spec: o.spec };
  }
}

function projectCr(o: Obj): unknown {
  const conditions = ((o.status?.conditions ?? []) as Obj[]).map((c) => `${c.type}=${c.status}/${c.reason}`).sort();
  const og = o.status?.observedGeneration;
  return { conditions, observed: og === undefined || og === o.metadata.generation, phase: o.status?.phase };
}

export async function snapshot(
  client: KubeClient,
  namespace: string,
  crKinds: { apiVersion: string; kind: string }[],
): Promise<Snapshot> {
  const crs = new Map<string, string>();
  const byUid = new Set<string>();
  for (const gvk of crKinds) {
    for (const o of (await client.list<KubeObject>(gvk, { namespace })).items) {
      crs.set(`${gvk.kind}/${o.metadata!.name}`, JSON.stringify(projectCr(o as Obj)));
      byUid.add(o.metadata!.uid!);
    }
  }
  const children = new Map<string, string>();
  const pvcs = new Map<string, string>();
  const orphans: string[] = [];
  const crKindNames = new Set(crKinds.map((k) => k.kind));
  for (const gvk of CHILD_KINDS) {
    for (const o of (await client.list<KubeObject>(gvk, { namespace })).items as Obj[]) {
      const refs = (o.metadata.ownerReferences ?? []) as Obj[];
      const ours = refs.filter((r) => crKindNames.has(r.kind));
      const key = `${gvk.kind}/${o.metadata.name}`;
      if (gvk.kind === 'PersistentVolumeClaim') pvcs.set(o.metadata.name, o.metadata.uid);
      // only what the operator made (owned by one of our kinds) or what its StatefulSets claimed
      if (!ours.length && gvk.kind !== 'PersistentVolumeClaim') continue;
      children.set(key, JSON.stringify(projectChild(o)));
      for (const r of ours) if (!byUid.has(r.uid)) orphans.push(`${key} → ${r.kind}/${r.name}`);
    }
  }
  return { crs, children, pvcs, orphans };
}

/** Differences between a disturbed run and the reference, one line each (empty when they agree). */
export function compare(actual: Snapshot, reference: Snapshot): string[] {
  const out: string[] = [];
  const diff = (what: string, a: Map<string, string>, r: Map<string, string>) => {
    for (const [k, v] of r) {
      if (!a.has(k)) out.push(`missing ${what} ${k}`);
      else if (a.get(k) !== v) out.push(`different ${what} ${k}: ${a.get(k)} vs ${v}`);
    }
    for (const k of a.keys()) if (!r.has(k)) out.push(`extra ${what} ${k}`);
  };
  diff('custom resource', actual.crs, reference.crs);
  diff('child', actual.children, reference.children);
  for (const o of actual.orphans) out.push(`orphan ${o}`);
  return out;
}
