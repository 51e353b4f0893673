/** The commands that give one server its replication role, and persisting them with CONFIG REWRITE. */
import type { RedisAddress, RedisSession } from '../session.ts';

/**
 * `CONFIG REWRITE`, so the role survives a restart. A server started without a config file cannot persist
 * anything: that is returned as a note for the caller to report, not thrown — the role is in effect either way.
 */
export async function persistConfig(session: RedisSession): Promise<string | undefined> {
  try {
    await session.call('CONFIG', ['REWRITE'], 'CONFIG REWRITE');
    return undefined;
  } catch (err) {
    const detail = (err as Error).message;
    return /without a config file/i.test(detail)
      ? `${session.label} runs without a config file: its replication settings will not survive a restart`
      : `${session.label}: CONFIG REWRITE failed, replication settings not persisted (${detail})`;
  }
}

/** Sets masterauth (so the replica can authenticate to its source) and persists it. */
export async function setMasterauth(session: RedisSession, password: string): Promise<string | undefined> {
  await session.call('CONFIG', ['SET', 'masterauth', password], 'CONFIG SET masterauth');
  return persistConfig(session);
}

/** masterauth, `REPLICAOF host port`, CONFIG REWRITE. Returns a note when the config could not be persisted. */
export async function replicaOf(
  session: RedisSession,
  source: RedisAddress,
  password: string,
): Promise<string | undefined> {
  await session.call('CONFIG', ['SET', 'masterauth', password], 'CONFIG SET masterauth');
  await session.call('REPLICAOF', [source.host, source.port], `REPLICAOF ${source.host} ${source.port}`);
  return persistConfig(session);
}

/** `REPLICAOF NO ONE` (a promotion, or an isolated node leaving replication) and CONFIG REWRITE. */
export async function replicaOfNoOne(session: RedisSession): Promise<string | undefined> {
  await session.call('REPLICAOF', ['NO', 'ONE'], 'REPLICAOF NO ONE');
  return persistConfig(session);
}
