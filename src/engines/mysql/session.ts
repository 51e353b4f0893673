import { connectProtocol, type Row } from './connection.ts';
import type { Dialect, Statement } from './dialect.ts';
import { dialectFor } from './dialect.ts';
import { classifyDriverError, MysqlEngineError } from './errors.ts';
import { assertSupported, parseServerVersion, type ServerVersion } from './version.ts';

export interface NodeAddress {
  host: string;
  port: number;
}

export interface Login {
  user: string;
  password: string;
}

export type { Row };

/** One connection to one server, with its dialect. `run` never lets a password reach an error message. */
export interface Session {
  address: NodeAddress;
  /** `host:port`, for messages */
  label: string;
  version: ServerVersion;
  dialect: Dialect;
  connectionId: number;
  /**
   * Runs one statement. Every statement has a client-side timeout (the session's `statementTimeoutMs` unless
   * `timeoutMs` is given): a frozen or partitioned server makes it fail instead of hanging the caller; the driver
   * then closes the connection, so the server ends the session (and whatever locks it held) on its own.
   */
  run(stmt: Statement, doing?: string, options?: { timeoutMs?: number }): Promise<Row[]>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  connectTimeoutMs?: number;
  /** other secrets statements on this session may carry (e.g. the replication password), scrubbed from errors */
  secrets?: string[];
  /** client-side timeout of each statement unless the call says otherwise; default 10 s */
  statementTimeoutMs?: number;
  /**
   * Server-side bounds for this session: `wait_timeout` (an idle session is closed by the server, so a lock it
   * holds cannot outlive an operator that froze or lost its network) and `lock_wait_timeout` (how long a statement
   * waits for a metadata or global read lock; MariaDB's default is a day). Unset: the server's defaults.
   */
  waitTimeoutSeconds?: number;
  lockWaitTimeoutSeconds?: number;
}

/** Connects, reads the version, picks the dialect. Throws MysqlEngineError CONNECT_FAILED / ACCESS_DENIED / UNSUPPORTED_VERSION. */
export async function connectNode(address: NodeAddress, login: Login, options: ConnectOptions = {}): Promise<Session> {
  const conn = await connectProtocol(address, login, {
    connectTimeoutMs: options.connectTimeoutMs,
    statementTimeoutMs: options.statementTimeoutMs,
    secrets: options.secrets,
    connecting: `connecting as ${login.user}`,
    classify: classifyDriverError,
    bigNumbers: true,
  });
  const { label, run } = conn;
  try {
    const [row] = await run({
      sql: 'SELECT @@version AS version, @@version_comment AS comment, CONNECTION_ID() AS id',
    });
    const version = parseServerVersion(String(row.version), String(row.comment ?? ''));
    assertSupported(version);
    if (options.waitTimeoutSeconds !== undefined) {
      await run({ sql: 'SET SESSION wait_timeout = ?', params: [Math.max(1, Math.ceil(options.waitTimeoutSeconds))] });
    }
    if (options.lockWaitTimeoutSeconds !== undefined) {
      await run({
        sql: 'SET SESSION lock_wait_timeout = ?',
        params: [Math.max(1, Math.ceil(options.lockWaitTimeoutSeconds))],
      });
    }
    return {
      address,
      label,
      version,
      dialect: dialectFor(version),
      connectionId: Number(row.id),
      run,
      close: conn.close,
    };
  } catch (err) {
    conn.destroy();
    if (err instanceof MysqlEngineError && err.code === 'ERR_MYSQL_UNSUPPORTED_VERSION') {
      throw new MysqlEngineError(err.code, `${label}: ${err.message}`, { node: label });
    }
    throw err;
  }
}
