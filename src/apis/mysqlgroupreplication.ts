/**
 * upm.syntropycloud.io/v1alpha1 MysqlGroupReplication (short name mgr): MySQL Group Replication across existing
 * pods. Field list: reference/compose-operator-behaviour.md §1.
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
  NodeStatusValue,
  readyColumn,
  SecretUser,
  uniqueNames,
} from './compose.ts';
import { type CustomResource, defineKind, specWithDefaults } from './crd.ts';
import { type DeepPartial, StringEnum } from './schema.ts';

export const MysqlGroupReplicationSpecSchema = Type.Object(
  {
    secret: CredentialsSecret(
      {
        mysql: SecretUser('mysql', 'Data key of the administrative user the operator connects as.'),
        replication: SecretUser('replication', 'Data key of the group replication recovery user.'),
      },
      'The Secret with the AES-256-CTR encrypted passwords of the admin and replication users.',
    ),
    aesSecret: Type.Optional(AesSecret()),
    member: Type.Array(CommonNode('member', 'A member of the replication group.'), {
      // upstream's webhook allows 1 (a group that tolerates no failure) with a warning: so do we, the warning being
      // the MemberCount condition
      minItems: 1,
      maxItems: 9,
      description:
        'Members of the group: an odd number from 1 to 9 (3 or more to survive a failure; 1 is accepted with a warning), names unique.',
      'x-kubernetes-validations': [
        uniqueNames(),
        { rule: 'size(self) % 2 == 1', message: 'the group needs an odd number of members (1, 3, 5, 7 or 9)' },
      ],
    }),
  },
  { description: 'Desired replication group.' },
);

const TopologyNode = Type.Object(
  {
    host: Type.Optional(Type.String({ description: 'Address of the member.' })),
    port: Type.Optional(Type.Integer({ description: 'Port of the member.' })),
    role: Type.Optional(StringEnum(['Primary', 'Secondary', 'None'], { description: 'Role in the group.' })),
    status: NodeStatusValue(),
    gtidExecuted: Type.Optional(Type.String({ description: 'The GTID set the member has executed.' })),
    memberState: Type.Optional(
      Type.String({ description: 'MEMBER_STATE from performance_schema (ONLINE, RECOVERING, OFFLINE, ERROR...).' }),
    ),
    readonly: Type.Optional(Type.Boolean({ description: 'The value of @@read_only.' })),
    superReadonly: Type.Optional(Type.Boolean({ description: 'The value of @@super_read_only.' })),
  },
  { description: 'Observed state of one member.' },
);

export const MysqlGroupReplicationStatusSchema = ComposeStatus({}, TopologyNode);

export const MysqlGroupReplicationDefinition = defineKind({
  group: COMPOSE_GROUP,
  version: COMPOSE_VERSION,
  kind: 'MysqlGroupReplication',
  plural: 'mysqlgroupreplications',
  singular: 'mysqlgroupreplication',
  shortNames: ['mgr'],
  categories: composeCategories,
  description:
    'MysqlGroupReplication bootstraps and maintains MySQL Group Replication across existing MySQL pods. ' +
    'Compatible with compose-operator.',
  spec: MysqlGroupReplicationSpecSchema,
  status: MysqlGroupReplicationStatusSchema,
  printerColumns: [readyColumn],
});

export type MysqlGroupReplicationSpec = Static<typeof MysqlGroupReplicationSpecSchema>;
export type MysqlGroupReplicationStatus = Static<typeof MysqlGroupReplicationStatusSchema>;
export type MysqlGroupReplication = CustomResource<MysqlGroupReplicationSpec, MysqlGroupReplicationStatus>;

export function mysqlGroupReplicationSpecWithDefaults(
  spec: DeepPartial<MysqlGroupReplicationSpec>,
): MysqlGroupReplicationSpec {
  return specWithDefaults(MysqlGroupReplicationDefinition, spec);
}
