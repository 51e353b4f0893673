/**
 * The database step: replication set up and observed through the shared MySQL engine, against the servers
 * themselves (no sidecars). I/O; what it finds becomes status through status.ts.
 */
import type { V1Pod, V1Secret, V1StatefulSet } from '@kubernetes/client-node';
import {
  applySteps,
  connectNode,
  type DesiredTopology,
  type Login,
  type NodeAddress,
  type NodeState,
  observeTopology,
  planTopology,
  type Session,
  seedReplica,
} from '../../engines/mysql/index.ts';
import { podOrdinal } from '../../workloads/pods.ts';
import { childNames, POD, REPLICATION_USER, SECRET, STATEFUL_SET } from './children.ts';
import { databaseSettings, podAddress, podRunning } from './database.ts';
import { secretValue } from './secrets.ts';
import type { DatabaseObservation, ReplicaObservation } from './status.ts';
import type { StepContext } from './steps.ts';

const CONNECT_TIMEOUT_MS = 3000;

interface DbPod {
  name: string;
  /** where this operator reaches it */
  address: NodeAddress;
}

/** Running pods of one database role with an address, by ordinal. */
async function rolePods(c: StepContext, component: 'db-master' | 'db-replica', service: string) {
  const pods = (await c.mgr.cache.list(POD, {
    namespace: c.namespace,
    labels: { app: c.name, component },
  })) as unknown as V1Pod[];
  const running: DbPod[] = [];
  for (const pod of pods.sort((a, b) => podOrdinal(a) - podOrdinal(b))) {
    const address = podRunning(pod) ? podAddress(pod, c.addressMode, service) : undefined;
    if (address) running.push({ name: pod.metadata!.name!, address });
  }
  return { all: pods.filter((p) => !p.metadata?.deletionTimestamp).length, running };
}

const addressOf = (a: NodeAddress) => `${a.host}:${a.port}`;

/**
 * A server still on the previous root password (spec.database.rootPassword changed; servers read the Secret only
 * when they initialise): log in with it and set the new one, without binary logging — on a replica a logged
 * change would be an errant transaction, and every server is changed this way on its own.
 */
async function applyRootPassword(pod: DbPod, login: Login, previous: string, secrets: string[]): Promise<boolean> {
  let old: Session | undefined;
  try {
    old = await connectNode(
      pod.address,
      { user: login.user, password: previous },
      {
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        secrets: [...secrets, previous, login.password],
      },
    );
  } catch {
    return false; // neither password works: the caller reports access denied
  }
  try {
    await old.run({ sql: 'SET SESSION sql_log_bin = 0' });
    for (const host of ['%', 'localhost']) {
      await old.run(
        { sql: 'ALTER USER IF EXISTS ?@? IDENTIFIED BY ?', params: [login.user, host, login.password] },
        `changing the ${login.user}@${host} password`,
      );
    }
    return true;
  } finally {
    await old.close();
  }
}

/** A session, or why there is none (the engine's message, passwords scrubbed, without its leading address). */
async function tryConnect(
  c: StepContext,
  pod: DbPod,
  login: Login,
  secrets: string[],
  previousPassword?: string,
): Promise<{ session?: Session; error?: string }> {
  try {
    return { session: await connectNode(pod.address, login, { connectTimeoutMs: CONNECT_TIMEOUT_MS, secrets }) };
  } catch (err) {
    if (
      previousPassword &&
      (err as { code?: string }).code === 'ERR_MYSQL_ACCESS_DENIED' &&
      (await applyRootPassword(pod, login, previousPassword, secrets))
    ) {
      c.event({
        type: 'Normal',
        reason: 'RootPasswordChanged',
        action: 'Configure',
        note: `${pod.name}: root password changed to the one in spec.database.rootPassword`,
      });
      return tryConnect(c, pod, login, secrets);
    }
    const message = err instanceof Error ? err.message : String(err);
    c.log.debug({ pod: pod.name, err: message }, 'database server not reachable yet');
    const prefix = `${addressOf(pod.address)}: `;
    return { error: message.startsWith(prefix) ? message.slice(prefix.length) : message };
  }
}

/** A replica that never held data: no replication channel and no transaction of its own (a new, empty server). */
const isFresh = (s: NodeState) => s.role === 'Source' && s.gtid.executed === '' && s.gtid.binlogPos === '';

function replicaObservation(name: string, state: NodeState | undefined, source: NodeAddress): ReplicaObservation {
  const r = state?.replication;
  const replicating =
    !!r &&
    r.ioRunning === 'Yes' &&
    r.sqlRunning === 'Yes' &&
    r.sourceHost === source.host &&
    r.sourcePort === source.port;
  return { name, replicating, lagSeconds: replicating ? (r?.secondsBehindSource ?? null) : null };
}

/**
 * The database, from the servers themselves through the shared MySQL engine: connects to the primary and each
 * replica (cluster DNS or pod IPs, see podAddress), gives every new, empty replica the primary's data (logical
 * copy) before it starts replicating, then lets the engine plan and apply the rest (replication user, read-only
 * flags, CHANGE MASTER with GTID, restarting stopped threads). Reports what the servers say afterwards.
 */
export async function reconcileDatabase(c: StepContext): Promise<DatabaseObservation> {
  const db = databaseSettings(c.ms);
  const n = childNames(c.name);
  const cache = c.mgr.cache;
  const [masterPods, replicaPods, rootSecret, replSecret, replicaSts] = await Promise.all([
    rolePods(c, 'db-master', n.dbMaster),
    db.replicas > 0 ? rolePods(c, 'db-replica', n.dbReplica) : { all: 0, running: [] },
    cache.get(SECRET, c.namespace, n.rootSecret) as Promise<V1Secret | undefined>,
    cache.get(SECRET, c.namespace, n.replicationSecret) as Promise<V1Secret | undefined>,
    cache.get(STATEFUL_SET, c.namespace, n.dbReplica) as Promise<V1StatefulSet | undefined>,
  ]);
  const wantReplicas = db.replicas > 0 ? (replicaSts?.spec?.replicas ?? db.replicas) : 0;
  const observation: DatabaseObservation = {
    wantReplicas,
    replication: db.replication,
    masterPodExists: masterPods.all > 0,
    masterAnswers: false,
    masterWritable: false,
    replicaStatefulSetExists: !!replicaSts,
    replicaPods: replicaPods.all,
    replicas: [],
  };
  const rootPassword = secretValue(rootSecret, 'password');
  const replPassword = secretValue(replSecret, 'password');
  const master = masterPods.running[0];
  if (!master || !rootPassword || !replPassword) return observation;

  const root: Login = { user: 'root', password: rootPassword };
  const replication: Login = { user: REPLICATION_USER, password: replPassword };
  const secrets = [replPassword];
  const sessions: Record<string, Session | undefined> = {};
  try {
    const pods = [master, ...(db.replication ? replicaPods.running : [])];
    const errors: Record<string, string | undefined> = {};
    await Promise.all(
      pods.map(async (p) => {
        const r = await tryConnect(c, p, root, secrets, secretValue(rootSecret, 'previous'));
        sessions[p.name] = r.session;
        errors[p.name] = r.error;
      }),
    );
    observation.primary = { pod: master.name, address: addressOf(master.address), error: errors[master.name] };
    if (!sessions[master.name]) return observation;
    observation.masterAnswers = true;

    // in pod-IP mode the servers reach each other the way this process does; with DNS, by their stable names
    const replicationAddress = Object.fromEntries(pods.map((p) => [p.name, p.address]));
    const desired = (fresh: Set<string>): DesiredTopology => ({
      source: master.name,
      replicas: db.replication ? replicaPods.running.map((p) => ({ name: p.name, isolated: fresh.has(p.name) })) : [],
      mode: 'async',
      replicationAddress,
      replicationUser: REPLICATION_USER,
      gtid: db.gtid,
    });

    let seen = await observeTopology(sessions, desired(new Set()));
    const fresh = new Set(
      replicaPods.running.filter((p) => seen.observed[p.name] && isFresh(seen.observed[p.name]!)).map((p) => p.name),
    );
    const plan = planTopology(desired(fresh), seen.observed);
    const results = await applySteps(sessions, plan, {
      desired: desired(fresh),
      replication,
      openSession: (node) => connectNode(replicationAddress[node]!, root, { secrets }),
      log: (m) => c.log.info(m),
    });
    for (const r of results) {
      if (r.ok) continue;
      if (r.step.kind === 'blocked') observation.blocked = r.message;
      else
        c.log.warn({ step: r.step.kind, code: r.code, err: r.message }, 'replication step failed; retrying next pass');
    }
    if (db.replication && !observation.blocked) {
      for (const name of fresh) {
        const replica = sessions[name];
        if (!replica) continue;
        const result = await seedReplica({
          source: { address: master.address, login: root },
          replica,
          replicaLogin: root,
          sourceForReplica: replicationAddress[master.name]!,
          replication,
          gtid: db.gtid,
          openSourceSession: () => connectNode(master.address, root, { secrets }),
        });
        c.event({
          type: 'Normal',
          reason: 'ReplicaSeeded',
          action: 'Seed',
          note: `${name} got the primary's data (${result.databases.join(', ') || 'no databases'}) up to GTID ${result.position || '(none)'} in ${result.durationMs} ms and replicates from there`,
        });
      }
    }
    seen = await observeTopology(sessions, desired(new Set()));
    const source = seen.observed[master.name];
    observation.masterWritable = !!source && !source.readOnly && source.role === 'Source';
    observation.replicas = db.replication
      ? replicaPods.running.map((p) =>
          replicaObservation(p.name, seen.observed[p.name], replicationAddress[master.name]!),
        )
      : [];
    return observation;
  } finally {
    await Promise.all(Object.values(sessions).map((s) => s?.close()));
  }
}
