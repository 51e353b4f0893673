/**
 * The official `mysql` image on the local cluster. No package registry this project can use serves a MySQL server,
 * so the node agent runs `mysql:*` containers on this machine's MariaDB (same wire protocol, same MYSQL_* entrypoint
 * variables, same `mysqld` options for what Statecraft sets). It never hides that: every such container gets a
 * Warning event with reason MySQLRunsOnMariaDB, so nobody reads a green local run as "tested on MySQL".
 */

/** `mysql:8.0`, `docker.io/library/mysql:8.4`, `mysql@sha256:…`, `mysql` (latest); not `bitnami/mysql`. */
export const MYSQL_IMAGE_RE =
  /^(?:(?:docker\.io|index\.docker\.io)\/)?(?:library\/)?mysql(?::[\w.-]+)?(?:@sha256:[a-f0-9]+)?$/;

export const isMySQLImage = (image: string | undefined): boolean => MYSQL_IMAGE_RE.test(image ?? '');

/** The event reason (and the README's word for it). */
export const MYSQL_ON_MARIADB_REASON = 'MySQLRunsOnMariaDB';

export function mysqlOnMariadbMessage(container: string, image: string | undefined): string {
  return `container ${container} (image ${image}) runs on this machine's MariaDB server: no MySQL server is available to the local cluster, so MySQL itself is not what runs or is tested here`;
}
