/**
 * Status of a broker cluster, computed from what was observed (pure). Phases are the seed READMEs':
 * Pending, Creating, Running, Updating, Degraded, Failed.
 */
import type { V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { type Condition, setCondition } from '../../runtime/index.ts';

export type BrokerPhase = 'Pending' | 'Creating' | 'Running' | 'Updating' | 'Degraded' | 'Failed';

export interface MissingSecret {
  field: string;
  name: string;
  /** missing keys; empty when the whole Secret is missing */
  keys: string[];
}

export interface ServiceMonitorState {
  /** requested by the spec */
  wanted: boolean;
  /** the monitoring.coreos.com CRD exists */
  crdInstalled: boolean;
}

export interface BrokerObservation {
  generation: number;
  previousPhase?: string;
  previousConditions?: Condition[];
  desiredReplicas: number;
  statefulSet?: V1StatefulSet;
  pods: V1Pod[];
  missingSecrets: MissingSecret[];
  /** a spec the operator cannot build from (message names the field) */
  invalidSpec?: string;
  /** the API server refused to apply a child (message says which and why) */
  rejectedUpdate?: string;
  serviceMonitor: ServiceMonitorState;
  /** label selector string for the scale subresource */
  selector: string;
  now?: Date;
}

export interface BrokerStatus {
  phase: BrokerPhase;
  replicas: number;
  readyReplicas: number;
  observedGeneration: number;
  selector: string;
  conditions: Condition[];
}

export function describeMissingSecret(namespace: string, m: MissingSecret): string {
  return m.keys.length
    ? `Secret ${namespace}/${m.name} (${m.field}) lacks key${m.keys.length > 1 ? 's' : ''} ${m.keys.join(', ')}`
    : `Secret ${namespace}/${m.name} (${m.field}) not found`;
}

export const podReady = (pod: V1Pod): boolean =>
  !pod.metadata?.deletionTimestamp && !!pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

export function brokerStatus(o: BrokerObservation, namespace: string): BrokerStatus {
  const sts = o.statefulSet;
  const st = sts?.status;
  const replicas = st?.replicas ?? 0;
  const readyReplicas = st?.readyReplicas ?? 0;
  const now = o.now ?? new Date();
  let conditions = o.previousConditions ?? [];
  const set = (type: string, status: 'True' | 'False', reason: string, message: string) => {
    conditions = setCondition(conditions, { type, status, reason, message, observedGeneration: o.generation }, now);
  };

  let phase: BrokerPhase;
  let ready: [boolean, string, string];
  let degraded: [boolean, string, string] = [false, 'AsExpected', 'No problem detected'];
  const rolledOut =
    !!sts &&
    (st?.observedGeneration ?? 0) >= (sts.metadata?.generation ?? 0) &&
    (!st?.updateRevision || st.updateRevision === st.currentRevision) &&
    (st?.updatedReplicas ?? 0) >= o.desiredReplicas &&
    replicas === o.desiredReplicas;
  const allReady = readyReplicas >= o.desiredReplicas && rolledOut;
  const neverRan = !o.previousPhase || o.previousPhase === 'Pending' || o.previousPhase === 'Creating';

  if (o.invalidSpec) {
    phase = 'Failed';
    ready = [false, 'InvalidSpec', o.invalidSpec];
    degraded = [true, 'InvalidSpec', o.invalidSpec];
  } else if (o.missingSecrets.length) {
    const msg = `${o.missingSecrets.map((m) => describeMissingSecret(namespace, m)).join('; ')}; the brokers are not (re)started until it exists`;
    phase = 'Degraded';
    ready = [false, 'SecretMissing', msg];
    degraded = [true, 'SecretMissing', msg];
  } else if (o.rejectedUpdate) {
    phase = 'Degraded';
    ready = [allReady, allReady ? 'AllBrokersReady' : 'UpdateRejected', o.rejectedUpdate];
    degraded = [true, 'UpdateRejected', o.rejectedUpdate];
  } else if (!sts) {
    phase = 'Pending';
    ready = [false, 'StatefulSetMissing', 'The StatefulSet has not been created yet'];
  } else if (allReady) {
    phase = 'Running';
    ready = [true, 'AllBrokersReady', `${readyReplicas}/${o.desiredReplicas} brokers ready`];
  } else if (neverRan) {
    phase = 'Creating';
    ready = [false, 'BrokersStarting', `${readyReplicas}/${o.desiredReplicas} brokers ready`];
  } else if (!rolledOut) {
    phase = 'Updating';
    const updated = st?.updatedReplicas ?? 0;
    ready = [
      false,
      replicas !== o.desiredReplicas ? 'Scaling' : 'RollingUpdate',
      replicas !== o.desiredReplicas
        ? `scaling from ${replicas} to ${o.desiredReplicas} brokers; ${readyReplicas} ready`
        : `rolling update: ${updated}/${o.desiredReplicas} brokers updated, ${readyReplicas} ready`,
    ];
  } else {
    phase = 'Degraded';
    const msg = `${readyReplicas}/${o.desiredReplicas} brokers ready`;
    ready = [false, 'BrokersNotReady', msg];
    degraded = [true, 'BrokersNotReady', msg];
  }
  set('Ready', ready[0] ? 'True' : 'False', ready[1], ready[2]);
  set('Degraded', degraded[0] ? 'True' : 'False', degraded[1], degraded[2]);
  if (o.serviceMonitor.wanted) {
    if (o.serviceMonitor.crdInstalled) set('ServiceMonitorReady', 'True', 'Created', 'ServiceMonitor applied');
    else
      set(
        'ServiceMonitorReady',
        'False',
        'CRDNotInstalled',
        'ServiceMonitor skipped: the monitoring.coreos.com CRD (Prometheus Operator) is not installed',
      );
  } else {
    conditions = conditions.filter((c) => c.type !== 'ServiceMonitorReady');
  }
  return { phase, replicas, readyReplicas, observedGeneration: o.generation, selector: o.selector, conditions };
}
