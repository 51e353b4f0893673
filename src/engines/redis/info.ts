/** `INFO` replies as Redis prints them: `# Section` headers and `key:value` lines. */

/** Parses an INFO reply into key → value (sections flattened: keys are unique across sections). */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** `slave0:ip=10.0.0.2,port=6379,state=online,offset=42,lag=0` → { ip, port, state, offset, lag }. */
export function parseInfoFields(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.split(',')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

export interface ServerVersion {
  major: number;
  minor: number;
  patch: number;
  text: string;
}

export function parseRedisVersion(text: string): ServerVersion {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (!m) return { major: 0, minor: 0, patch: 0, text };
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), text };
}

/** Redis 6.2 brought `CLIENT PAUSE ... WRITE` and `FAILOVER`, which a loss-free switchover relies on. */
export const supportsPauseWrite = (v: ServerVersion) => v.major > 6 || (v.major === 6 && v.minor >= 2);
