/** ProxySQL engine: observe the admin interface, plan the statements that sync it, run them. No Kubernetes imports. */
export { classifyProxysqlError, ProxysqlEngineError, type ProxysqlErrorCode } from './errors.ts';
export {
  type BackendServer,
  type DesiredInput,
  desiredConfig,
  type Endpoint,
  MANAGED_COMMENT,
  MAX_CONNECTIONS,
  type ProxysqlConfig,
  type ProxyUser,
  planIsEmpty,
  planSync,
  READER_HOSTGROUP,
  type ReplicationHostgroup,
  type SyncPlan,
  WRITER_HOSTGROUP,
} from './planSync.ts';
export { type AdminAddress, type AdminSession, connectAdmin } from './session.ts';
export { observeProxysql, type SyncOptions, type SyncResult, syncProxysql } from './syncProxysql.ts';
