/**
 * The Kubernetes objects around a CR that `statecraft status` and the web view show beside its status: the pods,
 * which pods each Service selects, PVCs and HPAs, and the last role change. Pure functions over objects the
 * caller read (the API for `status`, the informer cache for the web view), so both show the same thing.
 *
 * Never given Secrets: callers read only the kinds in `Related`.
 */
import type { GroupVersionKind, KubeObject } from '../runtime/index.ts';
import type { AnyStatus } from './views/view.ts';

/** Objects of the CR's namespace (any extra ones are filtered out here). */
export interface Related {
  events?: KubeObject[];
  pods?: KubeObject[];
  services?: KubeObject[];
  pvcs?: KubeObject[];
  hpas?: KubeObject[];
}

/** The kinds shown beside a CR, by their key in `Related` (the only kinds read for it). */
export const RELATED_KINDS: Record<keyof Related, GroupVersionKind> = {
  pods: { apiVersion: 'v1', kind: 'Pod' },
  services: { apiVersion: 'v1', kind: 'Service' },
  pvcs: { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  hpas: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  events: { apiVersion: 'events.k8s.io/v1', kind: 'Event' },
};

export interface PodView {
  name: string;
  phase?: string;
  ready: boolean;
  restarts: number;
}

export interface ClaimView {
  name: string;
  phase?: string;
  capacity?: string;
  storageClass?: string;
}

export interface AutoscalerView {
  name: string;
  target?: string;
  min?: number;
  max?: number;
  current?: number;
  desired?: number;
}

/** The last switchover or failover, from the CR's Switchover/Failover conditions or its events. */
export interface RoleChangeView {
  reason: string;
  time?: string;
  message?: string;
  /** "writes stalled/unavailable N ms" as the controllers word it, when the message carries it */
  writeUnavailableMs?: number;
}

const INSTANCE = 'app.kubernetes.io/instance';

const sameNamespace = (cr: KubeObject) => (o: KubeObject) => o.metadata?.namespace === cr.metadata?.namespace;
const ownedBy = (cr: KubeObject, o: KubeObject) =>
  !!cr.metadata?.uid && (o.metadata?.ownerReferences ?? []).some((r) => r.uid === cr.metadata?.uid);
/** Children of app and broker kinds carry app.kubernetes.io/instance = the CR's name (workloads/labels.ts). */
const ofInstance = (cr: KubeObject, o: KubeObject) => o.metadata?.labels?.[INSTANCE] === cr.metadata?.name;

/** A Service's equality selector matched against pod labels (Services have no set-based selectors). */
export function selects(service: KubeObject, pod: KubeObject): boolean {
  const selector = ((service as { spec?: AnyStatus }).spec?.selector ?? {}) as Record<string, string>;
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((k) => pod.metadata?.labels?.[k] === selector[k]);
}

export function podView(p: KubeObject): PodView {
  const st = ((p as { status?: AnyStatus }).status ?? {}) as AnyStatus;
  const ready = (st.conditions ?? []).some((c: AnyStatus) => c.type === 'Ready' && c.status === 'True');
  const restarts = (st.containerStatuses ?? []).reduce((s: number, c: AnyStatus) => s + (c.restartCount ?? 0), 0);
  return { name: p.metadata?.name ?? '', phase: st.phase, ready, restarts };
}

/**
 * The CR's pods: the topology's node pods for replication kinds (`nodeNames`), else the pods labelled with the
 * CR as their instance.
 */
export function podsOf(cr: KubeObject, pods: KubeObject[], nodeNames?: string[]): KubeObject[] {
  const inNs = pods.filter(sameNamespace(cr));
  const names = new Set(nodeNames ?? []);
  return inNs
    .filter((p) => (names.size ? names.has(p.metadata?.name ?? '') : ofInstance(cr, p) || ownedBy(cr, p)))
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/** Services the CR owns or names (`named`: the role Services from its status), with the pods each selects. */
export function servicesOf(
  cr: KubeObject,
  services: KubeObject[],
  pods: KubeObject[],
  named: Array<{ role: string; name: string }>,
): Array<{ role: string; name: string; selects?: string[] }> {
  const inNs = services.filter(sameNamespace(cr));
  const podsInNs = pods.filter(sameNamespace(cr));
  const selected = (svc: KubeObject | undefined) =>
    svc
      ? podsInNs
          .filter((p) => selects(svc, p))
          .map((p) => p.metadata?.name ?? '')
          .sort()
      : undefined;
  const out = named.map((s) => {
    const svc = inNs.find((o) => o.metadata?.name === s.name);
    return { ...s, selects: services.length ? selected(svc) : undefined };
  });
  for (const svc of inNs) {
    const name = svc.metadata?.name ?? '';
    if (out.some((s) => s.name === name) || !(ownedBy(cr, svc) || ofInstance(cr, svc))) continue;
    out.push({ role: 'service', name, selects: selected(svc) });
  }
  return out;
}

export function claimsOf(cr: KubeObject, pvcs: KubeObject[], podNames: string[]): ClaimView[] {
  // StatefulSet claims are named <template>-<pod>; they carry the pod template's labels only sometimes
  const forPod = (n: string) => podNames.some((p) => n.endsWith(`-${p}`));
  return pvcs
    .filter(sameNamespace(cr))
    .filter((c) => ofInstance(cr, c) || ownedBy(cr, c) || forPod(c.metadata?.name ?? ''))
    .map((c) => {
      const o = c as KubeObject & { spec?: AnyStatus; status?: AnyStatus };
      return {
        name: c.metadata?.name ?? '',
        phase: o.status?.phase,
        capacity: o.status?.capacity?.storage ?? o.spec?.resources?.requests?.storage,
        storageClass: o.spec?.storageClassName,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function autoscalersOf(cr: KubeObject, hpas: KubeObject[]): AutoscalerView[] {
  return hpas
    .filter(sameNamespace(cr))
    .filter((h) => ofInstance(cr, h) || ownedBy(cr, h))
    .map((h) => {
      const o = h as KubeObject & { spec?: AnyStatus; status?: AnyStatus };
      return {
        name: h.metadata?.name ?? '',
        target: o.spec?.scaleTargetRef ? `${o.spec.scaleTargetRef.kind}/${o.spec.scaleTargetRef.name}` : undefined,
        min: o.spec?.minReplicas,
        max: o.spec?.maxReplicas,
        current: o.status?.currentReplicas,
        desired: o.status?.desiredReplicas,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

const ROLE_CHANGE = /^(SwitchoverCompleted|SwitchoverRefused|FailedOver|FailoverRefused|PromotedWithoutPrimary)$/;

/**
 * The last switchover/failover: a Switchover or Failover condition (MysqlReplication records them) or, failing
 * that, the newest role-change event. The duration is the write stall the controllers put in the message.
 */
export function lastRoleChange(
  conditions: Array<{ type: string; reason?: string; message?: string; lastTransitionTime?: string }>,
  events: Array<{ reason?: string; note?: string; time?: string }>,
): RoleChangeView | undefined {
  const fromConditions = conditions
    .filter((c) => (c.type === 'Switchover' || c.type === 'Failover') && ROLE_CHANGE.test(c.reason ?? ''))
    .map((c) => ({ reason: c.reason ?? '', time: c.lastTransitionTime, message: c.message }));
  const fromEvents = events
    .filter((e) => ROLE_CHANGE.test(e.reason ?? ''))
    .map((e) => ({ reason: e.reason ?? '', time: e.time, message: e.note }));
  const last = [...fromConditions, ...fromEvents].sort((a, b) => String(a.time).localeCompare(String(b.time))).pop();
  if (!last) return undefined;
  const ms = /writes (?:stalled|unavailable) (\d+) ms/.exec(last.message ?? '');
  return { ...last, writeUnavailableMs: ms ? Number(ms[1]) : undefined };
}
