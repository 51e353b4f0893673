/**
 * Pure parts of a ProxysqlSync pass: where the ProxySQL admin interfaces are, which MysqlReplication nodes ProxySQL
 * routes to (exactly the pods the replication's read-write and read-only Services select), and the status and
 * conditions from what each ProxySQL said. No I/O; unit-tested in build.test.ts.
 */
import type { MysqlReplication } from '../../apis/mysqlreplication.ts';
import type { ProxysqlSync } from '../../apis/proxysqlsync.ts';
import type { Endpoint } from '../../engines/proxysql/index.ts';
import type { Condition } from '../../runtime/index.ts';
import type { AddressMode } from '../address-mode.ts';
import { type Address, nodeAddresses } from '../compose/index.ts';
import { NAME_LABEL, nodesOf, READONLY_LABEL } from '../mysqlreplication/build.ts';

/** The ProxySQL instances the CR names. */
export const proxysqlNodesOf = (cr: ProxysqlSync) => cr.spec.proxysql;

/**
 * Admin addresses of the ProxySQL instances. In `pod-ip` mode a pod named like the node gives its IP; ProxySQL is
 * often not such a pod (a Deployment behind a Service), so without one the host written in the CR is used as is —
 * a host that does not resolve then fails the connection with its own name in the message.
 */
export function adminAddresses(
  cr: ProxysqlSync,
  mode: AddressMode,
  podIp: (name: string) => string | undefined,
): Record<string, Address> {
  const nodes = proxysqlNodesOf(cr);
  const { addresses } = nodeAddresses(nodes, mode, podIp);
  return Object.fromEntries(nodes.map((n) => [n.name, addresses[n.name] ?? { host: n.host, port: n.port }]));
}

/** The MysqlReplication's routing as its Services see it: the one read-write pod and the read-only pods. */
export type Routing =
  | { ready: true; source: { name: string; address: Endpoint }; readers: { name: string; address: Endpoint }[] }
  | { ready: false; reason: 'MysqlReplicationNotFound' | 'MysqlReplicationNotReady'; message: string };

interface LabelledPod {
  metadata?: { name?: string; labels?: Record<string, string> };
  status?: { podIP?: string };
}

/**
 * Requires the MysqlReplication to be ready for its current generation (upstream's rule) and reads the roles from
 * its pods' labels: the read-write label marks the source, the read-only label the replicas that serve reads, so
 * errant or lagging replicas (which the MysqlReplication leaves unlabelled) are left out of ProxySQL as they are
 * left out of its read-only Service.
 */
export function routingOf(
  cr: ProxysqlSync,
  mr: MysqlReplication | undefined,
  pods: readonly LabelledPod[],
  mode: AddressMode,
): Routing {
  const name = cr.spec.mysqlReplication;
  if (!mr) {
    return {
      ready: false,
      reason: 'MysqlReplicationNotFound',
      message: `MysqlReplication ${name} not found in namespace ${cr.metadata.namespace}`,
    };
  }
  const current =
    mr.status?.observedGeneration === undefined ||
    mr.metadata.generation === undefined ||
    mr.status.observedGeneration >= mr.metadata.generation;
  if (mr.status?.ready !== true || !current) {
    const why = mr.status?.conditions?.find((c) => c.type === 'TopologyReady' && c.status === 'False');
    return {
      ready: false,
      reason: 'MysqlReplicationNotReady',
      message: `MysqlReplication ${name} is not ready${why ? ` (${why.reason}: ${why.message})` : ''}`.slice(0, 600),
    };
  }
  const nodes = nodesOf(mr);
  const labelled = new Map(
    pods
      .filter((p) => p.metadata?.labels?.[NAME_LABEL] === mr.metadata.name)
      .map((p) => [p.metadata?.name ?? '', p.metadata?.labels?.[READONLY_LABEL]]),
  );
  const ips = new Map(pods.map((p) => [p.metadata?.name ?? '', p.status?.podIP]));
  const { addresses } = nodeAddresses(nodes, mode, (n) => ips.get(n) || undefined);
  const writers = nodes.filter((n) => labelled.get(n.name) === 'false' && addresses[n.name]);
  if (writers.length !== 1) {
    return {
      ready: false,
      reason: 'MysqlReplicationNotReady',
      message: `MysqlReplication ${name} has ${writers.length} pods labelled read-write (want exactly one)`,
    };
  }
  const readers = nodes
    .filter((n) => labelled.get(n.name) === 'true' && addresses[n.name])
    .map((n) => ({ name: n.name, address: addresses[n.name] }));
  return { ready: true, source: { name: writers[0].name, address: addresses[writers[0].name] }, readers };
}

/** What one ProxySQL instance said this pass. */
export interface InstanceOutcome {
  /** the admin interface answered */
  reached: boolean;
  /** not contacted this pass (credentials or the MysqlReplication held the pass): its status is unknown */
  untouched?: boolean;
  /** servers and hostgroups match (after this pass's writes) */
  serversSynced: boolean;
  /** users match the source's accounts (false when the accounts could not be read) */
  usersSynced: boolean;
  /** the users ProxySQL holds now (names only) */
  users: string[];
  /** statements written this pass */
  statements: number;
  /** why not synced: `proxysql-node-0 (host:6032): ...` */
  problem?: string;
  /** the engine's error code, for the condition reason */
  code?: string;
}

export function topologyStatus(outcomes: Record<string, InstanceOutcome>) {
  return Object.fromEntries(
    Object.entries(outcomes).map(([name, o]) => [
      name,
      {
        synced: o.serversSynced && o.usersSynced,
        users: o.users,
        ...(o.untouched ? {} : { status: o.reached ? ('Healthy' as const) : ('Failed' as const) }),
      },
    ]),
  );
}

const reasonOfCode = (code: string | undefined): string => {
  switch (code) {
    case 'ERR_PROXYSQL_CONNECT_FAILED':
      return 'ProxysqlUnreachable';
    case 'ERR_PROXYSQL_ACCESS_DENIED':
      return 'ProxysqlAccessDenied';
    default:
      return 'SyncProxysqlFailed';
  }
};

/**
 * ServerReady (hostgroups and servers) and UserReady (users), compose-operator's two conditions. A failure that
 * comes before any ProxySQL is contacted (credentials, the MysqlReplication) sets both with the same reason.
 */
export function syncConditions(
  input:
    | { blocked: { reason: string; message: string } }
    | {
        outcomes: Record<string, InstanceOutcome>;
        /** the source's accounts could not be read: why (UserReady False with this reason) */
        accounts?: { reason: string; message: string };
        /** how many accounts were read, for the message */
        accountCount?: number;
        /** the source they were read from (the MysqlReplication's read-write pod): a switchover shows here */
        source?: string;
      },
  generation: number | undefined,
): Condition[] {
  const c = (type: string, ok: boolean, reason: string, message: string) =>
    ({
      type,
      status: ok ? 'True' : 'False',
      reason,
      message: message.slice(0, 1000),
      observedGeneration: generation,
    }) as Condition;
  if ('blocked' in input) {
    return [
      c('ServerReady', false, input.blocked.reason, input.blocked.message),
      c('UserReady', false, input.blocked.reason, input.blocked.message),
    ];
  }
  const all = Object.entries(input.outcomes);
  const failed = all.filter(([, o]) => !o.reached || !o.serversSynced);
  const server = failed.length
    ? c(
        'ServerReady',
        false,
        reasonOfCode(failed[0][1].code),
        failed.map(([n, o]) => o.problem ?? `${n}: servers not synced`).join('; '),
      )
    : c(
        'ServerReady',
        true,
        'SyncServerSucceed',
        `hostgroups and servers synced on ${all.length} ProxySQL instance(s)`,
      );
  let user: Condition;
  if (input.accounts) {
    user = c('UserReady', false, input.accounts.reason, input.accounts.message);
  } else {
    const notSynced = all.filter(([, o]) => !o.reached || !o.usersSynced);
    user = notSynced.length
      ? c(
          'UserReady',
          false,
          reasonOfCode(notSynced[0][1].code),
          `${input.accountCount ?? 0} account(s) read from source ${input.source ?? '?'}; ${notSynced.map(([n, o]) => o.problem ?? `${n}: users not synced`).join('; ')}`,
        )
      : c(
          'UserReady',
          true,
          'SyncUserSucceed',
          `${input.accountCount ?? 0} user(s) from source ${input.source ?? '?'} synced on ${all.length} ProxySQL instance(s)`,
        );
  }
  return [server, user];
}
