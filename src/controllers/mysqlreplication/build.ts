/**
 * Pure desired state of a MysqlReplication: pod labels, the read-write / read-only Services, the engine's desired
 * topology and the status, all from the CR and what the engine observed. No I/O; unit-tested in build.test.ts.
 */
import type { MysqlReplication, MysqlReplicationTopologyNode } from '../../apis/mysqlreplication.ts';
import type { DesiredTopology, NodeAddress, NodeState } from '../../engines/mysql/index.ts';
import { errantGtids } from '../../engines/mysql/index.ts';
import { buildRoleServices, roleLabels } from '../compose/index.ts';

export const LABELS = roleLabels('mysql-replication');
export const NAME_LABEL = LABELS.name;
export const READONLY_LABEL = LABELS.readonly;

export interface NodeRef {
  name: string;
  host: string;
  port: number;
  isolated: boolean;
  role: 'source' | 'replica';
}

/**
 * The logins a MysqlReplication uses (credential Secret keys = user names), compose-operator's defaults: admin
 * `mysql`, replication `replication`. The controller and `statecraft status --live` read the same ones.
 */
export const loginsOf = (cr: MysqlReplication) => ({
  admin: cr.spec.secret.mysql ?? 'mysql',
  replication: cr.spec.secret.replication ?? 'replication',
});

export function nodesOf(cr: MysqlReplication): NodeRef[] {
  return [
    { ...cr.spec.source, isolated: false, role: 'source' as const },
    ...(cr.spec.replica ?? []).map((r) => ({
      name: r.name,
      host: r.host,
      port: r.port,
      isolated: !!r.isolated,
      role: 'replica' as const,
    })),
  ];
}

export function desiredTopology(
  cr: MysqlReplication,
  addresses: Record<string, NodeAddress>,
  replicationUser: string,
): DesiredTopology {
  return {
    source: cr.spec.source.name,
    replicas: (cr.spec.replica ?? []).map((r) => ({ name: r.name, isolated: !!r.isolated })),
    mode: cr.spec.mode === 'rpl_semi_sync' ? 'semisync' : 'async',
    replicationAddress: addresses,
    replicationUser,
  };
}

/** Why a node is (not) ready, judged from the database, never from the pod. */
export interface NodeVerdict {
  ready: boolean;
  /** member of the read-only Service (ready replica, no errant transactions, lag within maxLagSeconds) */
  serveReads: boolean;
  reason?: string;
  errant?: string;
  /**
   * a node the spec lists as a replica that is, in fact, a writable source (role Source, read_only OFF, no fence):
   * the old source while a switchover to the spec's source (which still replicates from it) is refused or backing
   * off — or a former source answering before its fence
   */
  writableSource?: boolean;
  /** the spec's source only, while it still replicates from another node of the topology: that node's name */
  replicatesFrom?: string;
}

export function judgeNodes(
  cr: MysqlReplication,
  observed: Readonly<Record<string, NodeState | undefined>>,
  addresses: Record<string, NodeAddress>,
): Record<string, NodeVerdict> {
  const out: Record<string, NodeVerdict> = {};
  const sourceName = cr.spec.source.name;
  const source = observed[sourceName];
  for (const n of nodesOf(cr)) {
    const st = observed[n.name];
    if (!st) {
      out[n.name] = { ready: false, serveReads: false, reason: 'unreachable' };
      continue;
    }
    if (n.role === 'source') {
      const ok = st.role === 'Source' && !st.readOnly && !st.fenceHolder;
      const r = st.replication;
      const upstream = r
        ? nodesOf(cr).find((m) => addresses[m.name]?.host === r.sourceHost && addresses[m.name]?.port === r.sourcePort)
        : undefined;
      out[n.name] = {
        ready: ok,
        serveReads: false,
        ...(upstream ? { replicatesFrom: upstream.name } : {}),
        reason: ok
          ? undefined
          : st.fenceHolder
            ? `writes blocked: connection ${st.fenceHolder} holds a switchover fence`
            : 'not a writable source',
      };
      continue;
    }
    if (n.isolated) {
      out[n.name] = { ready: st.role === 'Source', serveReads: false };
      continue;
    }
    const errant = source ? errantGtids(st, source) : '';
    const a = addresses[sourceName];
    const r = st.replication;
    const replicating =
      st.role === 'Replica' &&
      st.readOnly &&
      r?.ioRunning === 'Yes' &&
      r.sqlRunning === 'Yes' &&
      !!a &&
      r.sourceHost === a.host &&
      r.sourcePort === a.port;
    const lag = r?.secondsBehindSource;
    const lagging =
      cr.spec.maxLagSeconds !== undefined && (lag === null || lag === undefined || lag > cr.spec.maxLagSeconds);
    const reason = errant
      ? `errant transactions ${errant}`
      : !replicating
        ? 'not replicating from the source'
        : lagging
          ? `lag ${lag ?? 'unknown'} s exceeds maxLagSeconds ${cr.spec.maxLagSeconds}`
          : undefined;
    const writableSource = st.role === 'Source' && !st.readOnly && !st.fenceHolder;
    out[n.name] = {
      ready: replicating && !errant,
      serveReads: replicating && !errant && !lagging,
      reason: writableSource ? `the writable source until the switchover to ${sourceName} happens` : reason,
      errant,
      ...(writableSource ? { writableSource } : {}),
    };
  }
  return out;
}

/** The labels each pod should carry (an absent key is released: server-side apply removes it). */
export function podLabels(
  cr: MysqlReplication,
  verdicts: Record<string, NodeVerdict>,
): Record<string, Record<string, string>> {
  const crName = cr.metadata.name!;
  const out: Record<string, Record<string, string>> = {};
  // writes keep a way in while the spec's source is not yet the source (a switchover refused, backing off): the
  // node it still replicates from, if that one is the writable source, keeps the read-write label — never past a
  // ready spec source, so never two
  const spec = verdicts[cr.spec.source.name];
  const from = spec?.replicatesFrom;
  const actingSource = spec && !spec.ready && from && verdicts[from]?.writableSource ? from : undefined;
  for (const n of nodesOf(cr)) {
    if (n.isolated) {
      out[n.name] = {};
    } else if (n.name === actingSource) {
      out[n.name] = { [NAME_LABEL]: crName, [READONLY_LABEL]: 'false' };
    } else if (n.role === 'source') {
      // a source that is not a writable source does not get the read-write label: the Service fails closed
      out[n.name] = verdicts[n.name]?.ready
        ? { [NAME_LABEL]: crName, [READONLY_LABEL]: 'false' }
        : { [NAME_LABEL]: crName };
    } else {
      out[n.name] = verdicts[n.name]?.serveReads
        ? { [NAME_LABEL]: crName, [READONLY_LABEL]: 'true' }
        : { [NAME_LABEL]: crName };
    }
  }
  return out;
}

/** `<cr>-readwrite` always, `<cr>-readonly` while there are non-isolated replicas. */
export function buildServices(cr: MysqlReplication): { apply: Record<string, unknown>[]; remove: string[] } {
  return buildRoleServices(cr, {
    labels: LABELS,
    type: cr.spec.service?.type,
    port: cr.spec.source.port,
    portName: 'mysql',
    hasReadReplicas: (cr.spec.replica ?? []).some((r) => !r.isolated),
  });
}

export function topologyStatus(
  cr: MysqlReplication,
  observed: Readonly<Record<string, NodeState | undefined>>,
  verdicts: Record<string, NodeVerdict>,
  addresses: Record<string, NodeAddress>,
): Record<string, MysqlReplicationTopologyNode> {
  const out: Record<string, MysqlReplicationTopologyNode> = {};
  for (const n of nodesOf(cr)) {
    const st = observed[n.name];
    const a = addresses[n.name] ?? { host: n.host, port: n.port };
    if (!st) {
      out[n.name] = { host: a.host, port: a.port, role: 'None', status: 'Failed', ready: false };
      continue;
    }
    const r = st.replication;
    const node: MysqlReplicationTopologyNode = {
      host: a.host,
      port: a.port,
      role: st.role,
      status: 'Healthy',
      ready: verdicts[n.name]?.ready ?? false,
      readonly: st.readOnly,
      ...(st.superReadOnly !== null ? { superReadonly: st.superReadOnly } : {}),
      gtidExecuted: st.gtid.executed,
    };
    if (r) {
      Object.assign(node, {
        sourceHost: r.sourceHost,
        sourcePort: r.sourcePort,
        replicaIO: r.ioRunning,
        replicaSQL: r.sqlRunning,
        sourceLogFile: r.sourceLogFile,
        readSourceLogPos: r.readSourceLogPos,
        execSourceLogPos: r.execSourceLogPos,
        ...(r.secondsBehindSource !== null ? { secondsBehindSource: r.secondsBehindSource } : {}),
      });
    }
    if (verdicts[n.name]?.errant) node.errantTransactions = verdicts[n.name].errant;
    out[n.name] = node;
  }
  return out;
}
