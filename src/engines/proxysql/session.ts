import { connectProtocol, type Row } from '../mysql/connection.ts';
import type { Statement } from '../mysql/dialect.ts';
import { classifyProxysqlError } from './errors.ts';

export interface AdminAddress {
  host: string;
  port: number;
}

export type { Row };

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
  const { label, run, close } = await connectProtocol(address, login, {
    ...options,
    connecting: `connecting to the ProxySQL admin interface as ${login.user}`,
    classify: classifyProxysqlError,
  });
  return { label, run: (stmt, doing) => run(stmt, doing), close };
}
