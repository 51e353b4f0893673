/**
 * The reconciler shared by the broker-cluster kinds (ShazamqCluster, StreamBusCluster). A straight line of guarded
 * steps: read the CR → build the desired children (pure) → check referenced Secrets → apply (the StatefulSet is
 * held while a Secret is missing, so running brokers are never restarted into a broken pod spec) → prune optional
 * children the spec no longer asks for → ServiceMonitor when its CRD exists → observe → one status patch.
 *
 * Deletion needs no finalizer: every child carries a controller ownerReference, so the garbage collector removes
 * them; the StatefulSet's persistentVolumeClaimRetentionPolicy decides the claims (Retain unless
 * spec.pvcRetention is Delete). Secrets are watched and mapped back to the clusters that named them, so a cluster
 * waiting for a Secret recovers as soon as it is created, without a restart.
 */
import type { V1Pod, V1Secret, V1StatefulSet } from '@kubernetes/client-node';
import {
  ApiError,
  type Condition,
  done,
  type GroupVersionKind,
  type KubeObject,
  kindOf,
  type Manager,
  objectKey,
  type ReconcileContext,
  type Request,
  requeueAfter,
} from '../../runtime/index.ts';
import { selectorString } from '../../workloads/labels.ts';
import { SERVICE_MONITOR_CRD } from '../../workloads/service-monitor.ts';
import { type BrokerClusterDesired, type ChildObject, OWNED_KINDS } from './desired.ts';
import { type BrokerStatus, brokerStatus, describeMissingSecret, type MissingSecret } from './status.ts';

const STATEFULSET = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
const SECRET = { apiVersion: 'v1', kind: 'Secret' };
const POD = { apiVersion: 'v1', kind: 'Pod' };
const SERVICE_MONITOR = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' };
const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };
/** how often a cluster that asks for a ServiceMonitor looks again for the CRD */
const SERVICE_MONITOR_RECHECK_MS = 5 * 60_000;

export interface BrokerCR extends KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid: string; generation?: number; [key: string]: unknown };
  spec: Record<string, unknown>;
  status?: { phase?: string; conditions?: Condition[]; [key: string]: unknown };
}

export interface BrokerKind<CR extends BrokerCR> {
  /** controller name (metrics, logs, event source) */
  controller: string;
  gvk: GroupVersionKind;
  build(cr: CR, observed: { statefulSetReplicas?: number }): BrokerClusterDesired;
  /** the kind's status extras (Shazamq `brokers`, StreamBus `endpoints`) */
  extraStatus(cr: CR, pods: V1Pod[], status: BrokerStatus): Record<string, unknown>;
  /** called after every reconcile with its outcome and duration (kind-specific metrics) */
  observeReconcile?(result: 'success' | 'error', seconds: number): void;
}

/** Names of optional children that may need pruning, by kind. */
const OPTIONAL_CHILDREN = (name: string) => [
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: `${name}-isolation` },
  { apiVersion: 'v1', kind: 'ResourceQuota', name: `${name}-quota` },
];

export function registerBrokerController<CR extends BrokerCR>(mgr: Manager, kind: BrokerKind<CR>): void {
  /** secret key (ns/name) → clusters (ns/name) that reference it; filled by reconciles before they read Secrets */
  const secretUsers = new Map<string, Set<string>>();
  const referenced = new Map<string, string[]>();
  const remember = (crKey: string, secretKeys: string[]) => {
    for (const s of referenced.get(crKey) ?? []) secretUsers.get(s)?.delete(crKey);
    for (const s of secretKeys) {
      const users = secretUsers.get(s) ?? new Set<string>();
      secretUsers.set(s, users);
      users.add(crKey);
    }
    if (secretKeys.length) referenced.set(crKey, secretKeys);
    else referenced.delete(crKey);
  };
  const events = mgr.events(kind.controller);
  /** last phase announced by an event, per CR uid */
  const announcedPhase = new Map<string, string>();

  const builder = mgr.controller(kind.controller).for(kind.gvk);
  for (const owned of OWNED_KINDS) builder.owns(owned);
  builder
    .watches(SECRET, (secret) => {
      const key = objectKey(secret.metadata?.namespace, secret.metadata?.name ?? '');
      return [...(secretUsers.get(key) ?? [])].map((k) => {
        const i = k.indexOf('/');
        return { namespace: k.slice(0, i), name: k.slice(i + 1) };
      });
    })
    .watches(POD, (pod) => {
      const l = pod.metadata?.labels ?? {};
      // pods of our StatefulSets carry the cluster's name as instance label; a same-named cluster of the other
      // broker kind in the namespace gets a harmless extra reconcile
      if (l['app.kubernetes.io/managed-by'] !== 'statecraft' || !l['app.kubernetes.io/instance']) return [];
      return [{ namespace: pod.metadata?.namespace ?? '', name: l['app.kubernetes.io/instance'] }];
    })
    .complete(async (ctx, req) => {
      const started = process.hrtime.bigint();
      let outcome: 'success' | 'error' = 'success';
      try {
        return await reconcile(ctx, req);
      } catch (err) {
        outcome = 'error';
        throw err;
      } finally {
        kind.observeReconcile?.(outcome, Number(process.hrtime.bigint() - started) / 1e9);
      }
    });

  async function reconcile(ctx: ReconcileContext, req: Request) {
    const crKey = objectKey(req.namespace, req.name);
    const cr = await mgr.cache.get<CR>(kind.gvk, req.namespace, req.name);
    if (!cr || cr.metadata.deletionTimestamp) {
      remember(crKey, []);
      if (cr) announcedPhase.delete(cr.metadata.uid);
      return done();
    }
    const { namespace, name } = cr.metadata;
    // With an autoscaler the StatefulSet's replica count is the HPA's choice, which the build keeps: read it from
    // the API server, not the cache, so a cache lagging behind a fresh scale cannot make us undo it.
    const liveSts = cr.spec.autoscaling
      ? await mgr.client.get<V1StatefulSet & KubeObject>(STATEFULSET, namespace, name)
      : await mgr.cache.get<V1StatefulSet & KubeObject>(STATEFULSET, namespace, name);

    let desired: BrokerClusterDesired;
    try {
      desired = kind.build(cr, { statefulSetReplicas: liveSts?.spec?.replicas });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      events.event(cr, { type: 'Warning', reason: 'InvalidSpec', action: 'Reconcile', note: message });
      await writeStatus(cr, liveSts, [], {
        invalidSpec: message,
        selector: '',
        desiredReplicas: 0,
        smWanted: false,
        smCrd: false,
      });
      return done(); // nothing to retry: a spec change triggers the next reconcile
    }

    remember(
      crKey,
      desired.secretRefs.map((r) => objectKey(namespace, r.name)),
    );
    const missing: MissingSecret[] = [];
    for (const ref of desired.secretRefs) {
      const secret = await mgr.cache.get<V1Secret & KubeObject>(SECRET, namespace, ref.name);
      if (!secret) missing.push({ field: ref.field, name: ref.name, keys: [] });
      else {
        const have = { ...(secret.data ?? {}), ...(secret.stringData ?? {}) };
        const lacking = ref.keys.filter((k) => !(k in have));
        if (lacking.length) missing.push({ field: ref.field, name: ref.name, keys: lacking });
      }
    }
    for (const m of missing) {
      events.event(cr, {
        type: 'Warning',
        reason: 'SecretMissing',
        action: 'Reconcile',
        note: describeMissingSecret(namespace, m),
      });
    }
    if (desired.ignoredPodLabels.length) {
      events.event(cr, {
        type: 'Warning',
        reason: 'PodLabelsIgnored',
        action: 'Reconcile',
        note: `podLabels ${desired.ignoredPodLabels.join(', ')} not applied: the operator owns these pod labels`,
      });
    }

    let sts = liveSts;
    let rejected: string | undefined;
    for (const obj of desired.objects) {
      const isSts = obj.kind === 'StatefulSet';
      if (isSts && missing.length) continue;
      try {
        const { object } = await mgr.apply(obj as KubeObject);
        if (isSts) sts = object as V1StatefulSet & KubeObject;
      } catch (err) {
        // 422: the API server refuses the change (e.g. claim templates are immutable); retrying cannot help, the
        // user must change the spec back — say so instead of looping
        if (!(err instanceof ApiError) || err.status !== 422) throw err;
        rejected = `${obj.kind} ${obj.metadata?.name} update rejected by the API server: ${err.message.replace(/^\S+ \S+: /, '')}`;
        events.event(cr, { type: 'Warning', reason: 'UpdateRejected', action: 'Apply', note: rejected.slice(0, 1000) });
      }
    }
    await pruneOptional(cr, desired);

    const smWanted = !!desired.serviceMonitor;
    // look for the CRD only when a ServiceMonitor is wanted or one was created before (it may need deleting)
    const hadMonitor = cr.status?.conditions?.some((c) => c.type === 'ServiceMonitorReady' && c.status === 'True');
    const smCrd = await serviceMonitorCrdExists(smWanted || !!hadMonitor);
    if (smCrd) {
      const current = await mgr.cache.get(SERVICE_MONITOR, namespace, name);
      if (desired.serviceMonitor) await mgr.apply(desired.serviceMonitor as unknown as KubeObject);
      else if (current && ownedBy(current, cr)) await deleteChild(current);
    }

    const pods = (await mgr.cache.list<V1Pod & KubeObject>(POD, { namespace, labels: desired.selector })).filter((p) =>
      p.metadata?.ownerReferences?.some((r) => r.kind === 'StatefulSet' && r.name === name),
    );
    await writeStatus(cr, sts, pods, {
      missing,
      rejected,
      selector: selectorString(desired.selector),
      desiredReplicas: (desired.objects.find((o) => o.kind === 'StatefulSet') as { spec: { replicas: number } }).spec
        .replicas,
      smWanted,
      smCrd,
    });
    ctx.log.debug({ missingSecrets: missing.length }, 'reconciled broker cluster');
    return smWanted && !smCrd ? requeueAfter(SERVICE_MONITOR_RECHECK_MS) : done();
  }

  async function writeStatus(
    cr: CR,
    sts: V1StatefulSet | undefined,
    pods: V1Pod[],
    o: {
      missing?: MissingSecret[];
      invalidSpec?: string;
      rejected?: string;
      selector: string;
      desiredReplicas: number;
      smWanted: boolean;
      smCrd: boolean;
    },
  ) {
    const status = brokerStatus(
      {
        generation: cr.metadata.generation ?? 0,
        previousPhase: cr.status?.phase,
        previousConditions: cr.status?.conditions,
        desiredReplicas: o.desiredReplicas,
        statefulSet: sts,
        pods,
        missingSecrets: o.missing ?? [],
        invalidSpec: o.invalidSpec,
        rejectedUpdate: o.rejected,
        serviceMonitor: { wanted: o.smWanted, crdInstalled: o.smCrd },
        selector: o.selector,
      },
      cr.metadata.namespace,
    );
    const extra = o.invalidSpec ? {} : kind.extraStatus(cr, pods, status);
    const { patched } = await mgr.patchStatus(cr, { ...status, ...extra });
    // the cached CR can lag behind our own status patch: remember the phase announced, so it is announced once
    const uid = cr.metadata.uid;
    if (patched && status.phase !== cr.status?.phase && announcedPhase.get(uid) !== status.phase) {
      announcedPhase.set(uid, status.phase);
      const ready = status.conditions.find((c) => c.type === 'Ready');
      events.event(cr, {
        type: status.phase === 'Degraded' || status.phase === 'Failed' ? 'Warning' : 'Normal',
        reason: `Phase${status.phase}`,
        action: 'Reconcile',
        note: `phase ${status.phase}: ${ready?.message ?? ''}`.slice(0, 1000),
      });
    }
  }

  async function pruneOptional(cr: CR, desired: BrokerClusterDesired) {
    const wanted = new Set(desired.objects.map((o) => `${o.kind}/${o.metadata?.name}`));
    for (const child of OPTIONAL_CHILDREN(cr.metadata.name)) {
      if (wanted.has(`${child.kind}/${child.name}`)) continue;
      const live = await mgr.cache.get(child, cr.metadata.namespace, child.name);
      if (live && ownedBy(live, cr)) await deleteChild(live);
    }
  }

  async function deleteChild(obj: KubeObject | ChildObject) {
    const o = obj as KubeObject;
    await mgr.client.delete(kindOf(o), o.metadata?.namespace, o.metadata?.name ?? '', { uid: o.metadata?.uid });
    mgr.applier.forget(o);
  }

  /** whether monitoring.coreos.com ServiceMonitors can be created (asked only when relevant) */
  async function serviceMonitorCrdExists(relevant: boolean): Promise<boolean> {
    if (!relevant) return false;
    return !!(await mgr.client.get(CRD, undefined, SERVICE_MONITOR_CRD).catch(() => undefined));
  }
}

function ownedBy(obj: { metadata?: { ownerReferences?: { uid: string; controller?: boolean }[] } }, cr: BrokerCR) {
  return !!obj.metadata?.ownerReferences?.some((r) => r.controller && r.uid === cr.metadata.uid);
}
