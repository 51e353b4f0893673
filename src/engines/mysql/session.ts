import mysql from 'mysql2/promise';
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

export type Row = Record<string, unknown>;

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
  const label = `${address.host}:${address.port}`;
  const secrets = [login.password, ...(options.secrets ?? [])];
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({
      host: address.host,
      port: address.port,
      user: login.user,
      password: login.password,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      multipleStatements: false,
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
  } catch (err) {
    throw classifyDriverError(err, label, `connecting as ${login.user}`, secrets);
  }
  // a dropped connection must not crash the process; the next run() reports it
  conn.on('error', () => {});
  const statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
  const run = async (stmt: Statement, doing?: string, o: { timeoutMs?: number } = {}): Promise<Row[]> => {
    try {
      const [rows] = await conn.query({
        sql: stmt.sql,
        values: stmt.params,
        timeout: o.timeoutMs ?? statementTimeoutMs,
      });
      return Array.isArray(rows) ? (rows as Row[]) : [];
    } catch (err) {
      // the driver only gives up waiting: the statement may still run and the connection is out of step; closing
      // it makes the server end the session
      if ((err as { code?: string }).code === 'PROTOCOL_SEQUENCE_TIMEOUT') conn.destroy();
      throw classifyDriverError(err, label, doing ?? stmt.sql, secrets);
    }
  };
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
      close: async () => {
        await conn.end().catch(() => conn.destroy());
      },
    };
  } catch (err) {
    conn.destroy();
    if (err instanceof MysqlEngineError && err.code === 'ERR_MYSQL_UNSUPPORTED_VERSION') {
      throw new MysqlEngineError(err.code, `${label}: ${err.message}`, { node: label });
    }
    throw err;
  }
}
