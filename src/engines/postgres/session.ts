import pg from 'pg';
import { classifyDriverError, PostgresEngineError } from './errors.ts';

export interface NodeAddress {
  host: string;
  port: number;
}

export interface Login {
  user: string;
  password: string;
}

export type Row = Record<string, unknown>;

/** One connection to one server. `query` never lets a password reach an error message. */
export interface Session {
  address: NodeAddress;
  /** `host:port`, for messages */
  label: string;
  /** server_version_num, e.g. 150018 */
  version: number;
  query(sql: string, params?: unknown[], doing?: string): Promise<Row[]>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  connectTimeoutMs?: number;
  /** other secrets statements on this session may carry (the replication password), scrubbed from errors */
  secrets?: string[];
  database?: string;
  /** client-side limit per statement; default 10 s */
  queryTimeoutMs?: number;
}

export const MIN_VERSION = 130000;

/** Connects to the `postgres` database and reads the version. Throws PostgresEngineError. */
export async function connectNode(address: NodeAddress, login: Login, options: ConnectOptions = {}): Promise<Session> {
  const label = `${address.host}:${address.port}`;
  const secrets = [login.password, ...(options.secrets ?? [])];
  const client = new pg.Client({
    host: address.host,
    port: address.port,
    user: login.user,
    password: login.password,
    database: options.database ?? 'postgres',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    application_name: 'statecraft',
    // a hung server (stopped, partitioned) must not hold a reconcile forever
    query_timeout: options.queryTimeoutMs ?? 10_000,
  });
  // a dropped connection must not crash the process; the next query reports it
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw classifyDriverError(err, label, `connecting as ${login.user}`, secrets);
  }
  const query = async (sql: string, params?: unknown[], doing?: string): Promise<Row[]> => {
    try {
      return (await client.query(sql, params)).rows as Row[];
    } catch (err) {
      throw classifyDriverError(err, label, doing ?? sql, secrets);
    }
  };
  const [row] = await query("SELECT current_setting('server_version_num')::int AS v").catch(async (err) => {
    await client.end().catch(() => {});
    throw err;
  });
  const version = Number(row.v);
  if (version < MIN_VERSION) {
    await client.end().catch(() => {});
    throw new PostgresEngineError(
      'ERR_POSTGRES_UNSUPPORTED_VERSION',
      `${label}: PostgreSQL ${Math.floor(version / 10000)} is not supported (13 or later)`,
      { node: label },
    );
  }
  return {
    address,
    label,
    version,
    query,
    close: async () => {
      await client.end().catch(() => {});
    },
  };
}

/** A string literal for statements that take no parameters (ALTER SYSTEM). */
export function literal(s: string): string {
  // standard_conforming_strings is on (the default since 9.1): only quotes need doubling
  return `'${s.replace(/'/g, "''")}'`;
}

/** A libpq connection-string value, quoted. */
export function conninfoValue(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
