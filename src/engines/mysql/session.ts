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
  run(stmt: Statement, doing?: string): Promise<Row[]>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  connectTimeoutMs?: number;
  /** other secrets statements on this session may carry (e.g. the replication password), scrubbed from errors */
  secrets?: string[];
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
  const run = async (stmt: Statement, doing?: string): Promise<Row[]> => {
    try {
      const [rows] = await conn.query(stmt.sql, stmt.params);
      return Array.isArray(rows) ? (rows as Row[]) : [];
    } catch (err) {
      throw classifyDriverError(err, label, doing ?? stmt.sql, secrets);
    }
  };
  try {
    const [row] = await run({
      sql: 'SELECT @@version AS version, @@version_comment AS comment, CONNECTION_ID() AS id',
    });
    const version = parseServerVersion(String(row.version), String(row.comment ?? ''));
    assertSupported(version);
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
