/**
 * The reconciler shared by the broker-cluster kinds (ShazamqCluster, StreamBusCluster). A straight line of guarded
 * steps: read the CR → build the desired children (pure) → check referenced Secrets → apply (the StatefulSet is
 * held while a Secret is missing, so running brokers are never restarted into a broken pod spec) → prune optional
 * children the spec no longer asks for → ServiceMonitor when its CRD exists → observe → one status patch.
 *
 * Deletion needs no finalizer: every child carries a controller ownerReference, so the garbage collector removes
 * them; the StatefulSet's persistentVolumeClaimRetentionPolicy decides the claims (Retain unless
 * spec.pvcRetention is Delete). Secrets are watched through a cache index of the clusters by the Secrets their
 * build names, so a cluster waiting for a Secret recovers as soon as it is created, without a restart.
 */
import type { V1Pod, V1Secret, V1StatefulSet } from '@kubernetes/client-node';
import {
  type Condition,
  type ControllerRegistration,
  done,
  type GroupVersionKind,
  isConflict,
  isInvalid,
  type KubeObject,
  type Manager,
  type ObjectContext,
  requeueAfter,
} from '../../runtime/index.ts';
import { selectorString } from '../../workloads/labels.ts';
import { SERVICE_MONITOR_CRD } from '../../workloads/service-monitor.ts';
import { type BrokerClusterDesired, OWNED_KINDS } from './desired.ts';
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

/** The Secrets a cluster's build names (for the cache index that maps Secret events back to clusters). */
function secretNames<CR extends BrokerCR>(kind: BrokerKind<CR>, cr: CR): string[] {
  try {
    return kind.build(cr, {}).secretRefs.map((r) => r.name);
  } catch {
    return []; // an invalid spec names nothing usable; its reconcile reports InvalidSpec
  }
}

export function brokerClusterController<CR extends BrokerCR>(kind: BrokerKind<CR>): ControllerRegistration {
  return { name: kind.controller, register: (mgr) => registerBrokerController(mgr, kind) };
}

function registerBrokerController<CR extends BrokerCR>(mgr: Manager, kind: BrokerKind<CR>): void {
  const builder = mgr.controller(kind.controller).for(kind.gvk);
  for (const owned of OWNED_KINDS) builder.owns(owned);
  builder
    .owns(POD, { via: STATEFULSET })
    .watches(SECRET, { referencedBy: (cr) => secretNames(kind, cr as CR) })
    .access(CRD, ['get'], 'whether the ServiceMonitor CRD is installed')
    .access(SERVICE_MONITOR, ['get', 'create', 'update', 'patch', 'delete'], 'spec.metrics.serviceMonitor')
    .reconcile<CR>(async (ctx, cr) => {
      const started = process.hrtime.bigint();
      let outcome: 'success' | 'error' = 'success';
      try {
        return await reconcile(ctx, cr);
      } catch (err) {
        outcome = 'error';
        throw err;
      } finally {
        kind.observeReconcile?.(outcome, Number(process.hrtime.bigint() - started) / 1e9);
      }
    });

  async function reconcile(ctx: ObjectContext<CR>, cr: CR) {
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
      ctx.event({ type: 'Warning', reason: 'InvalidSpec', action: 'Reconcile', note: message });
      await writeStatus(ctx, cr, liveSts, [], {
        invalidSpec: message,
        selector: '',
        desiredReplicas: 0,
        smWanted: false,
        smCrd: false,
      });
      return done(); // nothing to retry: a spec change triggers the next reconcile
    }

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
      ctx.event({
        type: 'Warning',
        reason: 'SecretMissing',
        action: 'Reconcile',
        note: describeMissingSecret(namespace, m),
      });
    }
    if (desired.ignoredPodLabels.length) {
      ctx.event({
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
      // With an autoscaler, the replica count written is the one just read: the apply carries that read's
      // resourceVersion as a precondition, so an HPA scale landing in between fails it (409, retried with the new
      // count) instead of being undone.
      const applied =
        isSts && cr.spec.autoscaling && liveSts?.metadata?.resourceVersion
          ? { ...obj, metadata: { ...obj.metadata, resourceVersion: liveSts.metadata.resourceVersion } }
          : obj;
      try {
        const { object } = await mgr.apply(applied as KubeObject);
        if (isSts) sts = object as V1StatefulSet & KubeObject;
      } catch (err) {
        // the StatefulSet changed since it was read (an HPA scale): read it again and redo the pass
        if (applied !== obj && isConflict(err)) return requeueAfter(0);
        // 422: the API server refuses the change (e.g. claim templates are immutable); retrying cannot help, the
        // user must change the spec back — say so instead of looping
        if (!isInvalid(err)) throw err;
        rejected = `${obj.kind} ${obj.metadata?.name} update rejected by the API server: ${err.serverMessage}`;
        ctx.event({ type: 'Warning', reason: 'UpdateRejected', action: 'Apply', note: rejected.slice(0, 1000) });
      }
    }
    // optional children the spec no longer asks for
    const wanted = new Set(desired.objects.map((o) => `${o.kind}/${o.metadata?.name}`));
    await ctx.deleteOwned(OPTIONAL_CHILDREN(name).filter((c) => !wanted.has(`${c.kind}/${c.name}`)));

    const smWanted = !!desired.serviceMonitor;
    // look for the CRD only when a ServiceMonitor is wanted or one was created before (it may need deleting)
    const hadMonitor = cr.status?.conditions?.some((c) => c.type === 'ServiceMonitorReady' && c.status === 'True');
    const smCrd = await serviceMonitorCrdExists(smWanted || !!hadMonitor);
    if (smCrd) {
      if (desired.serviceMonitor) await mgr.apply(desired.serviceMonitor as unknown as KubeObject);
      else await ctx.deleteOwned([{ ...SERVICE_MONITOR, name }]);
    }

    const pods = (await mgr.cache.list<V1Pod & KubeObject>(POD, { namespace, labels: desired.selector })).filter((p) =>
      p.metadata?.ownerReferences?.some((r) => r.kind === 'StatefulSet' && r.name === name),
    );
    await writeStatus(ctx, cr, sts, pods, {
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
    ctx: ObjectContext<CR>,
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
    // cr.status is the freshest known (read-your-writes), so a phase is announced once
    const previousPhase = cr.status?.phase;
    const { patched } = await ctx.patchStatus({ ...status, ...extra });
    if (patched && status.phase !== previousPhase) {
      const ready = status.conditions.find((c) => c.type === 'Ready');
      ctx.event({
        type: status.phase === 'Degraded' || status.phase === 'Failed' ? 'Warning' : 'Normal',
        reason: `Phase${status.phase}`,
        action: 'Reconcile',
        note: `phase ${status.phase}: ${ready?.message ?? ''}`.slice(0, 1000),
      });
    }
  }

  /** whether monitoring.coreos.com ServiceMonitors can be created (asked only when relevant) */
  async function serviceMonitorCrdExists(relevant: boolean): Promise<boolean> {
    if (!relevant) return false;
    return !!(await mgr.client.get(CRD, undefined, SERVICE_MONITOR_CRD).catch(() => undefined));
  }
}
