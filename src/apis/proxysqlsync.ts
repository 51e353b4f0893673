/**
 * upm.syntropycloud.io/v1alpha1 ProxysqlSync (short name ps): keeps ProxySQL's servers and users in step with a
 * MysqlReplication. Field list: reference/compose-operator-behaviour.md §1.
 */
import { type Static, Type } from 'typebox';
import {
  AesSecret,
  COMPOSE_GROUP,
  COMPOSE_VERSION,
  CommonNode,
  ComposeStatus,
  CredentialsSecret,
  composeCategories,
  NodeList,
  NodeStatusValue,
  readyColumn,
  SecretUser,
} from './compose.ts';
import { type CustomResource, defineKind, specWithDefaults } from './crd.ts';
import { type DeepPartial, ObjectName } from './schema.ts';

export const ProxysqlSyncSpecSchema = Type.Object(
  {
    proxysql: NodeList(
      CommonNode('ProxySQL instance', 'A ProxySQL instance (its admin interface).'),
      'ProxySQL instances to configure; names must be unique.',
      1,
    ),
    secret: CredentialsSecret(
      {
        proxysql: SecretUser('proxysql', 'Data key of the ProxySQL admin user.'),
        mysql: SecretUser('mysql', 'Data key of the MySQL user the operator reads accounts with.'),
      },
      'The Secret with the AES-256-CTR encrypted ProxySQL admin and MySQL passwords.',
    ),
    aesSecret: Type.Optional(AesSecret()),
    mysqlReplication: ObjectName({
      description: 'Name of the MysqlReplication (same namespace) whose source and replicas ProxySQL routes to.',
    }),
    rule: Type.Optional(
      Type.Object(
        {
          filter: Type.Optional(
            Type.Array(Type.String(), { description: 'MySQL user names never copied into ProxySQL.' }),
          ),
          pattern: Type.Optional(
            Type.String({ description: "MySQL accounts whose host equals this pattern (e.g. '%') are copied." }),
          ),
        },
        { description: 'Which MySQL accounts become ProxySQL users.' },
      ),
    ),
  },
  { description: 'Desired ProxySQL configuration source.' },
);

const TopologyNode = Type.Object(
  {
    synced: Type.Optional(Type.Boolean({ description: 'Servers and users on this instance match the source.' })),
    users: Type.Optional(Type.Array(Type.String(), { description: 'Users configured on this instance.' })),
    status: NodeStatusValue(),
  },
  { description: 'Observed state of one ProxySQL instance.' },
);

export const ProxysqlSyncStatusSchema = ComposeStatus({}, TopologyNode);

export const ProxysqlSyncDefinition = defineKind({
  group: COMPOSE_GROUP,
  version: COMPOSE_VERSION,
  kind: 'ProxysqlSync',
  plural: 'proxysqlsyncs',
  singular: 'proxysqlsync',
  shortNames: ['ps'],
  categories: composeCategories,
  description:
    'ProxysqlSync writes the hostgroups, servers and users of a MysqlReplication into ProxySQL instances. ' +
    'Compatible with compose-operator.',
  spec: ProxysqlSyncSpecSchema,
  status: ProxysqlSyncStatusSchema,
  printerColumns: [readyColumn],
});

export type ProxysqlSyncSpec = Static<typeof ProxysqlSyncSpecSchema>;
export type ProxysqlSyncStatus = Static<typeof ProxysqlSyncStatusSchema>;
export type ProxysqlSync = CustomResource<ProxysqlSyncSpec, ProxysqlSyncStatus>;

export function proxysqlSyncSpecWithDefaults(spec: DeepPartial<ProxysqlSyncSpec>): ProxysqlSyncSpec {
  return specWithDefaults(ProxysqlSyncDefinition, spec);
}
