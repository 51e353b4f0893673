/**
 * One connection to one Redis server. ioredis is configured to fail fast instead of its defaults (reconnect
 * forever, queue commands while offline): the engine observes every pass, and a node that does not answer within
 * the timeouts is reported unreachable rather than waited for.
 */
import { classifyRedisError, RedisEngineError } from './errors.ts';
import { parseInfo, parseRedisVersion, type ServerVersion, supportsPauseWrite } from './info.ts';

export interface RedisAddress {
  host: string;
  port: number;
}

export interface RedisLogin {
  /** ACL user; compose-operator's Secret key `redis` is a password for the default user, so usually absent */
  username?: string;
  password: string;
}

export interface RedisConnectOptions {
  connectTimeoutMs?: number;
  /** per-command limit; a frozen server fails a command after this long */
  commandTimeoutMs?: number;
  /** other secrets commands on this session may carry (e.g. a `masterauth` value), scrubbed from errors */
  secrets?: string[];
}

export interface RedisSession {
  address: RedisAddress;
  /** `host:port`, for messages */
  label: string;
  version: ServerVersion;
  /** sends one command; errors are RedisEngineErrors with the password scrubbed */
  call(command: string, args?: ReadonlyArray<string | number>, doing?: string): Promise<unknown>;
  /** `INFO <section>` parsed into key → value */
  info(section?: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** Connects, authenticates, reads the version. Throws ERR_REDIS_CONNECT_FAILED / AUTH_FAILED / UNSUPPORTED_VERSION. */
export async function connectRedis(
  address: RedisAddress,
  login: RedisLogin,
  options: RedisConnectOptions = {},
): Promise<RedisSession> {
  const label = `${address.host}:${address.port}`;
  const secrets = [login.password, ...(options.secrets ?? [])];
  // loaded on first use: an operator with no Redis objects never pays for ioredis (~20 MB of RSS)
  const { Redis } = await import('ioredis');
  const client = new Redis({
    host: address.host,
    port: address.port,
    username: login.username,
    password: login.password || undefined,
    connectTimeout: options.connectTimeoutMs ?? 3000,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableReadyCheck: false,
  });
  // a dropped connection must not crash the process; the next call reports it. The last error is kept because
  // connect() rejects with a bare "Connection is closed" when the real cause (WRONGPASS, ECONNREFUSED) came as an event.
  let lastError: unknown;
  client.on('error', (err) => {
    lastError = err;
  });
  const call = async (command: string, args: ReadonlyArray<string | number> = [], doing?: string) => {
    try {
      return await client.call(command, ...args.map(String));
    } catch (err) {
      throw classifyRedisError(err, label, doing ?? `${command} ${args[0] ?? ''}`.trim(), secrets);
    }
  };
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw classifyRedisError(lastError ?? err, label, 'connecting', secrets);
  }
  const info = async (section = 'all') => parseInfo(String(await call('INFO', [section])));
  try {
    const server = await info('server');
    const version = parseRedisVersion(server.redis_version ?? '');
    if (!supportsPauseWrite(version)) {
      throw new RedisEngineError(
        'ERR_REDIS_UNSUPPORTED_VERSION',
        `${label}: Redis ${version.text || 'unknown'} is not supported (6.2 or later is required)`,
        { node: label },
      );
    }
    return {
      address,
      label,
      version,
      call,
      info,
      close: async () => {
        await client.quit().catch(() => client.disconnect());
      },
    };
  } catch (err) {
    client.disconnect();
    throw err;
  }
}
