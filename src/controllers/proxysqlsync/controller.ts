/**
 * The ProxysqlSync controller: keeps each ProxySQL instance's hostgroups, servers and users in step with a
 * MysqlReplication. Watch-driven — the CR, the MysqlReplication it names (a switchover changes its status, so the
 * new source reaches ProxySQL in the next pass), the Secrets it reads and the pods it names enqueue it — and it
 * re-reads ProxySQL every `resyncMs`, since ProxySQL cannot be watched.
 *
 * One pass: credentials → the MysqlReplication's roles (from its pods' role labels) → the source's accounts →
 * for each ProxySQL: observe, plan, write only what differs (engines/proxysql) → status, conditions, events.
 * A ProxySQL that does not answer is retried with a backoff (1 s doubling up to `resyncMs`), and a pass that finds
 * it answering again recovers at once.
 *
 * What is verified where: no ProxySQL can run on the machines this is developed on, so the admin-side statements
 * are unit-tested only (engines/proxysql/planSync.test.ts); the path up to the ProxySQL connection (Secrets, the
 * MysqlReplication, the accounts read from a real MariaDB source, conditions with the connection refused) runs in
 * test/controllers/proxysqlsync.test.ts.
 */

import type { MysqlReplication } from '../../apis/mysqlreplication.ts';
import type { ProxysqlSync } from '../../apis/proxysqlsync.ts';
import type { Credential } from '../../credentials/index.ts';
import { type Account, connectNode, type MysqlEngineError, readAccounts } from '../../engines/mysql/index.ts';
import {
  connectAdmin,
  desiredConfig,
  type ProxysqlEngineError,
  planIsEmpty,
  syncProxysql,
} from '../../engines/proxysql/index.ts';
import {
  type Condition,
  type ControllerRegistration,
  type GroupVersionKind,
  ItemBackoff,
  type Manager,
  type ObjectContext,
  requeueAfter,
  setCondition,
} from '../../runtime/index.ts';
import { type AddressMode, resolveAddressMode } from '../address-mode.ts';
import {
  credentialFailureReason,
  namedPods,
  readComposeCredentials,
  secretsOf,
  skipReconcile,
} from '../compose/index.ts';
import { NAME_LABEL } from '../mysqlreplication/build.ts';
import { MYSQL_REPLICATION } from '../mysqlreplication/controller.ts';
import {
  adminAddresses,
  type InstanceOutcome,
  proxysqlNodesOf,
  routingOf,
  syncConditions,
  topologyStatus,
} from './build.ts';

export const PROXYSQL_SYNC: GroupVersionKind = { apiVersion: 'upm.syntropycloud.io/v1alpha1', kind: 'ProxysqlSync' };
const POD: GroupVersionKind = { apiVersion: 'v1', kind: 'Pod' };
const SECRET: GroupVersionKind = { apiVersion: 'v1', kind: 'Secret' };

export interface ProxysqlSyncOptions {
  /** how ProxySQL and MySQL pods are reached; default: resolveAddressMode('auto') */
  addressMode?: AddressMode;
  /** ProxySQL re-read interval, and the cap of the retry backoff; default 10 s */
  resyncMs?: number;
  /** first retry after a failed pass; doubles up to resyncMs; default 1 s */
  retryBaseMs?: number;
  connectTimeoutMs?: number;
}

export function proxysqlSyncController(options: ProxysqlSyncOptions = {}): ControllerRegistration {
  const resyncMs = options.resyncMs ?? 10_000;
  const addressMode = options.addressMode ?? resolveAddressMode(undefined);
  // failed passes by CR uid: held in memory (a restarted operator starts again at the base delay)
  const backoff = new ItemBackoff<string>(options.retryBaseMs ?? 1000, resyncMs);
  return {
    name: 'proxysqlsync',
    register(mgr) {
      mgr
        .controller('proxysqlsync')
        .for(PROXYSQL_SYNC)
        .watches(MYSQL_REPLICATION, { referencedBy: (cr) => [(cr as ProxysqlSync).spec.mysqlReplication] })
        .watches(SECRET, { referencedBy: (cr) => secretsOf(cr as ProxysqlSync) })
        .watches(POD, { referencedBy: (cr) => proxysqlNodesOf(cr as ProxysqlSync).map((n) => n.name) })
        .access(POD, ['list'], "reads the MysqlReplication's pods: their role labels say which serve writes and reads")
        .withOptions({ maxConcurrentReconciles: 10 })
        .reconcile<ProxysqlSync>(async (ctx, cr) => {
          const uid = cr.metadata.uid ?? `${cr.metadata.namespace}/${cr.metadata.name}`;
          const ok = await reconcileOne(mgr, ctx, cr, { ...options, addressMode });
          if (ok) {
            backoff.forget(uid);
            return requeueAfter(resyncMs);
          }
          return requeueAfter(backoff.when(uid));
        });
    },
  };
}

interface PassOptions extends ProxysqlSyncOptions {
  addressMode: AddressMode;
}

/** One pass; resolves to whether everything synced (false: retry with backoff). */
async function reconcileOne(
  mgr: Manager,
  ctx: ObjectContext<ProxysqlSync>,
  cr: ProxysqlSync,
  o: PassOptions,
): Promise<boolean> {
  const generation = cr.metadata.generation;
  const ns = cr.metadata.namespace;
  let conditions: Condition[] = (cr.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  const nodes = proxysqlNodesOf(cr);
  const report = async (outcomes: Record<string, InstanceOutcome>, conds: Condition[]): Promise<boolean> => {
    for (const c of conds) conditions = setCondition(conditions, c);
    const ready = conds.every((c) => c.status === 'True');
    await ctx.patchStatus({ topology: topologyStatus(outcomes), ready, conditions, observedGeneration: generation });
    return ready;
  };
  const untouched = (problem: string): Record<string, InstanceOutcome> =>
    Object.fromEntries(
      nodes.map((n) => [
        n.name,
        {
          reached: false,
          untouched: true,
          serversSynced: false,
          usersSynced: false,
          users: [],
          statements: 0,
          problem,
        },
      ]),
    );
  const blocked = async (reason: string, message: string) => {
    ctx.event({ type: 'Warning', reason: 'ErrSynced', action: 'Reconcile', note: message.slice(0, 1000) });
    return report(untouched(message), syncConditions({ blocked: { reason, message } }, generation));
  };

  // --- credentials: the ProxySQL admin login and the MySQL login that reads the accounts ---
  let creds: { proxysql: Credential; mysql: Credential };
  try {
    creds = await readComposeCredentials(mgr, cr, {
      proxysql: cr.spec.secret.proxysql ?? 'proxysql',
      mysql: cr.spec.secret.mysql ?? 'mysql',
    });
  } catch (err) {
    return blocked(credentialFailureReason(err), (err as Error).message);
  }

  // --- the MysqlReplication's roles ---
  const mr = await mgr.cache.get<MysqlReplication>(MYSQL_REPLICATION, ns, cr.spec.mysqlReplication);
  const pods = mr
    ? await mgr.cache.list<{ metadata?: { name?: string; labels?: Record<string, string> } }>(POD, {
        namespace: ns,
        labels: { [NAME_LABEL]: mr.metadata.name! },
      })
    : [];
  const routing = routingOf(cr, mr, pods, o.addressMode);
  if (!routing.ready) return blocked(routing.reason, routing.message);

  // --- the source's accounts (a failure keeps ProxySQL's users as they are and syncs servers only) ---
  let accounts: Account[] | undefined;
  let accountsProblem: { reason: string; message: string } | undefined;
  let serverVersion: string | undefined;
  const pattern = cr.spec.rule?.pattern ?? '%';
  try {
    const s = await connectNode(
      routing.source.address,
      { user: creds.mysql.username, password: creds.mysql.password },
      { connectTimeoutMs: o.connectTimeoutMs ?? 3000, secrets: [creds.proxysql.password] },
    );
    try {
      const read = await readAccounts(s, pattern, cr.spec.rule?.filter ?? []);
      accounts = read.accounts;
      serverVersion = s.version.raw;
      if (read.skipped.length) {
        ctx.log.info({ skipped: read.skipped }, 'accounts not copied into ProxySQL');
      }
    } finally {
      await s.close();
    }
  } catch (err) {
    const e = err as MysqlEngineError;
    accountsProblem = {
      reason:
        e.code === 'ERR_MYSQL_ACCESS_DENIED'
          ? 'SourceAccessDenied'
          : e.code === 'ERR_MYSQL_CONNECT_FAILED'
            ? 'SourceUnreachable'
            : 'ReadAccountsFailed',
      message: `reading the accounts of source ${routing.source.name}: ${e.message}`,
    };
    ctx.event({
      type: 'Warning',
      reason: 'ErrSynced',
      action: 'ReadAccounts',
      note: accountsProblem.message.slice(0, 1000),
    });
  }

  // --- each ProxySQL ---
  const desired = desiredConfig({
    source: routing.source.address,
    readers: routing.readers.map((r) => r.address),
    users: (accounts ?? []).map((a) => ({ username: a.user, password: a.hash })),
    serverVersion,
  });
  // authentication strings are no passwords, but they are what a client proves it knows: never in a message
  const secrets = [creds.proxysql.password, creds.mysql.password, ...(accounts ?? []).map((a) => a.hash)].filter(
    Boolean,
  );
  const skipped = skipReconcile(cr.metadata.annotations);
  const proxyPods = await namedPods(
    mgr,
    ns,
    nodes.map((n) => n.name),
  );
  const addresses = adminAddresses(cr, o.addressMode, (n) => proxyPods.get(n)?.status?.podIP || undefined);
  const outcomes: Record<string, InstanceOutcome> = {};
  await Promise.all(
    nodes.map(async (n) => {
      const a = addresses[n.name];
      const who = `${n.name} (${a.host}:${a.port})`;
      try {
        const s = await connectAdmin(
          a,
          { user: creds.proxysql.username, password: creds.proxysql.password },
          { connectTimeoutMs: o.connectTimeoutMs ?? 3000, secrets },
        );
        try {
          const r = await syncProxysql(s, desired, { keepUsers: !accounts, dryRun: skipped });
          const left = skipped ? r.plan : undefined;
          outcomes[n.name] = {
            reached: true,
            serversSynced: left ? left.servers.length === 0 && left.variables.length === 0 : true,
            usersSynced: !!accounts && (left ? left.users.length === 0 : true),
            users: r.observed.users.map((u) => u.username),
            statements: r.statements,
          };
          if (r.statements) {
            const what = [
              r.plan.servers.length && 'servers',
              r.plan.users.length && 'users',
              r.plan.variables.length && 'server version',
            ]
              .filter(Boolean)
              .join(', ');
            ctx.event({
              type: 'Normal',
              reason: 'Synced',
              action: 'Sync',
              note: `${who}: wrote ${what} (${r.statements} statements); source ${routing.source.name}, ${routing.readers.length} reader(s), ${desired.users.length} user(s)`,
            });
          } else if (skipped && !planIsEmpty(r.plan)) {
            outcomes[n.name].problem = `${who}: differs from the source (skip annotation set: not written)`;
          }
        } finally {
          await s.close();
        }
      } catch (err) {
        const e = err as ProxysqlEngineError;
        const problem = `ProxySQL ${who}: ${e.message.replace(`${a.host}:${a.port}: `, '')}`;
        outcomes[n.name] = {
          reached: false,
          serversSynced: false,
          usersSynced: false,
          users: [],
          statements: 0,
          problem,
          code: e.code,
        };
        ctx.event({ type: 'Warning', reason: 'ErrSynced', action: 'Sync', note: problem.slice(0, 1000) });
      }
    }),
  );
  return report(
    outcomes,
    syncConditions(
      { outcomes, accounts: accountsProblem, accountCount: accounts?.length, source: routing.source.name },
      generation,
    ),
  );
}
