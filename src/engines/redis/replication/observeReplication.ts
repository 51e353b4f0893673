/**
 * What one Redis server says about its replication: `INFO server replication keyspace` in one round trip, and
 * whether its `masterauth` is the password the operator would give it (compared here; the value never leaves).
 */
import { parseInfo, parseInfoFields } from '../info.ts';
import type { RedisSession } from '../session.ts';

export interface ConnectedReplica {
  host: string;
  port: number;
  /** `online`, `wait_bgsave`, `send_bulk`, ... */
  state: string;
  offset: number;
}

export interface RedisNodeState {
  role: 'master' | 'slave';
  /** replicas only: where it replicates from, as given to REPLICAOF */
  masterHost?: string;
  masterPort?: number;
  /** replicas only: `up` or `down` */
  masterLinkStatus?: string;
  masterSyncInProgress?: boolean;
  /** replicas only: how much of its master's stream it has processed */
  slaveReplOffset?: number;
  masterReplOffset: number;
  /** the replication history this node is on; a replica carries its master's */
  replid: string;
  /** the history it continued from when it was promoted ('0000…' when none) */
  replid2: string;
  /** the first offset of `replid` that is not `replid2`'s: `replid2` holds up to secondReplOffset - 1; -1 when none */
  secondReplOffset: number;
  connectedReplicas: ConnectedReplica[];
  /** keys in all databases */
  keys: number;
  /** the config file the server was started with; '' when none (CONFIG REWRITE cannot persist anything) */
  configFile: string;
  /** whether `masterauth` equals the password the operator replicates with */
  masterauthMatches: boolean;
}

const num = (v: string | undefined, fallback = 0) => {
  const n = Number(v);
  return v !== undefined && Number.isFinite(n) ? n : fallback;
};

/** Parses the fields of `INFO server replication keyspace` (pure; observeReplication's reading half). */
export function parseReplicationInfo(info: Record<string, string>): Omit<RedisNodeState, 'masterauthMatches'> {
  const role = info.role === 'slave' ? 'slave' : 'master';
  const connectedReplicas: ConnectedReplica[] = [];
  for (let i = 0; i < num(info.connected_slaves); i++) {
    const f = parseInfoFields(info[`slave${i}`] ?? '');
    if (f.ip) connectedReplicas.push({ host: f.ip, port: num(f.port), state: f.state ?? '', offset: num(f.offset) });
  }
  let keys = 0;
  for (const [k, v] of Object.entries(info)) if (/^db\d+$/.test(k)) keys += num(parseInfoFields(v).keys);
  const state: Omit<RedisNodeState, 'masterauthMatches'> = {
    role,
    masterReplOffset: num(info.master_repl_offset),
    replid: info.master_replid ?? '',
    replid2: info.master_replid2 ?? '',
    secondReplOffset: num(info.second_repl_offset, -1),
    connectedReplicas,
    keys,
    configFile: info.config_file ?? '',
  };
  if (role === 'slave') {
    state.masterHost = info.master_host;
    state.masterPort = num(info.master_port);
    state.masterLinkStatus = info.master_link_status;
    state.masterSyncInProgress = info.master_sync_in_progress === '1';
    state.slaveReplOffset = num(info.slave_repl_offset);
  }
  return state;
}

export async function observeReplication(session: RedisSession, password: string): Promise<RedisNodeState> {
  const info = parseInfo(String(await session.call('INFO', ['server', 'replication', 'keyspace'], 'INFO replication')));
  const reply = (await session.call('CONFIG', ['GET', 'masterauth'], 'CONFIG GET masterauth')) as string[];
  return { ...parseReplicationInfo(info), masterauthMatches: (reply?.[1] ?? '') === password };
}

/** Observes every node with a session, in parallel; a node that fails is absent from `observed`, its error kept. */
export async function observeNodes(
  sessions: Readonly<Record<string, RedisSession | undefined>>,
  password: string,
): Promise<{ observed: Record<string, RedisNodeState | undefined>; errors: Record<string, Error> }> {
  const observed: Record<string, RedisNodeState | undefined> = {};
  const errors: Record<string, Error> = {};
  await Promise.all(
    Object.entries(sessions).map(async ([name, s]) => {
      if (!s) return;
      try {
        observed[name] = await observeReplication(s, password);
      } catch (err) {
        errors[name] = err as Error;
      }
    }),
  );
  return { observed, errors };
}
