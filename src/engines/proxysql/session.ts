import mysql from 'mysql2/promise';
import type { Statement } from '../mysql/dialect.ts';
import { classifyProxysqlError } from './errors.ts';

export interface AdminAddress {
  host: string;
  port: number;
}

export type Row = Record<string, unknown>;

/** One connection to a ProxySQL admin interface (port 6032 by default). */
export interface AdminSession {
  label: string;
  /** runs one statement; `?` placeholders are filled by mysql2's client-side escaping (the admin has no prepare) */
  run(stmt: Statement, doing?: string): Promise<Row[]>;
  close(): Promise<void>;
}

export interface AdminConnectOptions {
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
  /** other secrets statements may carry (e.g. password hashes), scrubbed from errors */
  secrets?: string[];
}

/** Connects to the admin interface. Throws ProxysqlEngineError CONNECT_FAILED / ACCESS_DENIED naming host:port. */
export async function connectAdmin(
  address: AdminAddress,
  login: { user: string; password: string },
  options: AdminConnectOptions = {},
): Promise<AdminSession> {
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
    });
  } catch (err) {
    throw classifyProxysqlError(err, label, `connecting to the ProxySQL admin interface as ${login.user}`, secrets);
  }
  conn.on('error', () => {});
  const timeout = options.statementTimeoutMs ?? 10_000;
  return {
    label,
    run: async (stmt, doing) => {
      try {
        const [rows] = await conn.query({ sql: stmt.sql, values: stmt.params, timeout });
        return Array.isArray(rows) ? (rows as Row[]) : [];
      } catch (err) {
        if ((err as { code?: string }).code === 'PROTOCOL_SEQUENCE_TIMEOUT') conn.destroy();
        throw classifyProxysqlError(err, label, doing ?? stmt.sql, secrets);
      }
    },
    close: async () => {
      await conn.end().catch(() => conn.destroy());
    },
  };
}
