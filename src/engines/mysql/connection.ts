/**
 * One connection over the MySQL protocol, shared by the MySQL/MariaDB engine (session.ts) and the ProxySQL admin
 * interface (../proxysql/session.ts), which speaks the same protocol: connect, run statements with a client-side
 * timeout, close. Each caller passes its own error classifier, so a failure carries that engine's codes and never
 * a password (every known secret is scrubbed by the classifier).
 */
import mysql from 'mysql2/promise';
import type { Statement } from './dialect.ts';

export interface ProtocolAddress {
  host: string;
  port: number;
}

export type Row = Record<string, unknown>;

/** Turns a driver error into the engine's error (`doing` says what was attempted, `node` is `host:port`). */
export type ClassifyError = (err: unknown, node: string, doing: string, secrets: ReadonlyArray<string>) => Error;

export interface ProtocolConnection {
  /** `host:port`, for messages */
  label: string;
  run(stmt: Statement, doing?: string, options?: { timeoutMs?: number }): Promise<Row[]>;
  close(): Promise<void>;
  /** ends the connection at once (the server then ends the session and whatever it held) */
  destroy(): void;
}

export interface ProtocolConnectOptions {
  connectTimeoutMs?: number;
  /** client-side timeout of each statement unless the call says otherwise; default 10 s */
  statementTimeoutMs?: number;
  /** other secrets statements may carry, scrubbed from errors with the login's password */
  secrets?: readonly string[];
  /** what the connect attempt is, for its error message ("connecting as mysql") */
  connecting: string;
  classify: ClassifyError;
  /** big numbers as strings (GTID positions, byte counts) */
  bigNumbers?: boolean;
}

/**
 * Connects and returns a runner. The driver's `timeout` only stops waiting, so a statement that timed out may
 * still run and the connection is out of step: it is destroyed, which makes the server end the session.
 */
export async function connectProtocol(
  address: ProtocolAddress,
  login: { user: string; password: string },
  options: ProtocolConnectOptions,
): Promise<ProtocolConnection> {
  const label = `${address.host}:${address.port}`;
  const secrets = [login.password, ...(options.secrets ?? [])].filter(Boolean);
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({
      host: address.host,
      port: address.port,
      user: login.user,
      password: login.password,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      multipleStatements: false,
      ...(options.bigNumbers ? { supportBigNumbers: true, bigNumberStrings: true } : {}),
    });
  } catch (err) {
    throw options.classify(err, label, options.connecting, secrets);
  }
  // a dropped connection must not crash the process; the next run() reports it
  conn.on('error', () => {});
  const statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
  return {
    label,
    run: async (stmt, doing, o = {}) => {
      try {
        const [rows] = await conn.query({
          sql: stmt.sql,
          values: stmt.params,
          timeout: o.timeoutMs ?? statementTimeoutMs,
        });
        return Array.isArray(rows) ? (rows as Row[]) : [];
      } catch (err) {
        if ((err as { code?: string }).code === 'PROTOCOL_SEQUENCE_TIMEOUT') conn.destroy();
        throw options.classify(err, label, doing ?? stmt.sql, secrets);
      }
    },
    close: async () => {
      await conn.end().catch(() => conn.destroy());
    },
    destroy: () => conn.destroy(),
  };
}
