/** Errors of the ProxySQL engine: the MySQL driver's, with codes of their own so conditions name ProxySQL. */
import { EngineError } from '../engine-error.ts';
import { classifyDriverError } from '../mysql/errors.ts';

export type ProxysqlErrorCode =
  | 'ERR_PROXYSQL_CONNECT_FAILED'
  | 'ERR_PROXYSQL_ACCESS_DENIED'
  | 'ERR_PROXYSQL_QUERY_FAILED';

export class ProxysqlEngineError extends EngineError<ProxysqlErrorCode> {}

/** The admin interface speaks the MySQL protocol: classify as the MySQL engine does, then rename the code. */
export function classifyProxysqlError(
  err: unknown,
  node: string,
  doing: string,
  secrets: ReadonlyArray<string | undefined>,
): ProxysqlEngineError {
  if (err instanceof ProxysqlEngineError) return err;
  const e = classifyDriverError(err, node, doing, secrets);
  const code: ProxysqlErrorCode =
    e.code === 'ERR_MYSQL_ACCESS_DENIED'
      ? 'ERR_PROXYSQL_ACCESS_DENIED'
      : e.code === 'ERR_MYSQL_CONNECT_FAILED'
        ? 'ERR_PROXYSQL_CONNECT_FAILED'
        : 'ERR_PROXYSQL_QUERY_FAILED';
  return new ProxysqlEngineError(code, e.message, { node, cause: e.cause });
}
