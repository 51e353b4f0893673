/**
 * What every compose-operator kind's controller (MysqlReplication, RedisReplication, RedisCluster,
 * PostgresReplication, ...) does the same way: the skip annotation, addresses by address mode, AES-encrypted
 * credentials, role labels on the user's pods and the read-write / read-only Services.
 */
export { type Address, type NamedNode, nodeAddresses } from './addresses.ts';
export {
  aesSecretOf,
  type ComposeSecretRefs,
  credentialFailureReason,
  readComposeCredentials,
  secretsOf,
} from './credentials.ts';
export { foreignRoleLabels, removeForeignRoleLabels } from './foreignLabels.ts';
export { applyPodLabels, locateNodes, namedPods, type PodObject, reportForeignLabels } from './pods.ts';
export { type ObjectReader, type ObjectSource, readerOf } from './reader.ts';
export { applyRoleServices, resourceReadyCondition, topologyReadyCondition } from './routing.ts';
export {
  buildRoleServices,
  type RoleLabels,
  type RoleServicesSpec,
  readonlyServiceName,
  readwriteServiceName,
  roleLabels,
} from './services.ts';
export { skipReconcile } from './skip.ts';
