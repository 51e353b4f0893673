/**
 * upm.syntropycloud.io/v1alpha1 PostgresReplication (short name pr): primary/standby streaming replication
 * between existing PostgreSQL pods. Field list: reference/compose-operator-behaviour.md §1.
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
  notAmong,
  ReplicaNode,
  readyColumn,
  SecretUser,
  ServiceSpec,
} from './compose.ts';
import { type CustomResource, defineKind, specWithDefaults } from './crd.ts';
import { type DeepPartial, StringEnum } from './schema.ts';

export const PostgresReplicationSpecSchema = Type.Object(
  {
    mode: StringEnum(['rpl_async', 'rpl_sync'], {
      default: 'rpl_async',
      description: 'rpl_async (default) or rpl_sync (synchronous_standby_names = ANY 1 of the standbys).',
    }),
    secret: CredentialsSecret(
      {
        postgres: SecretUser('postgres', 'Data key of the superuser the operator connects as.'),
        replication: SecretUser('replication', 'Data key of the user standbys stream WAL as.'),
      },
      'The Secret with the AES-256-CTR encrypted passwords of the superuser and replication users.',
    ),
    aesSecret: Type.Optional(AesSecret()),
    primary: CommonNode('primary', 'The node that accepts writes. Changing it to a standby performs a switchover.'),
    service: ServiceSpec(),
    standby: Type.Optional(
      NodeList(
        ReplicaNode('standby', 'A hot standby streaming from the primary.'),
        'Standbys; names must be unique and must not include the primary.',
      ),
    ),
  },
  {
    description: 'Desired replication topology.',
    'x-kubernetes-validations': [notAmong('primary', 'standby', 'the primary must not also be listed as a standby')],
  },
);

const TopologyNode = Type.Object(
  {
    host: Type.Optional(Type.String({ description: 'Address of the node.' })),
    port: Type.Optional(Type.Integer({ description: 'Port of the node.' })),
    role: Type.Optional(StringEnum(['Primary', 'Standby', 'None'], { description: 'Role observed on the server.' })),
    status: NodeStatusValue(),
    ready: Type.Optional(Type.Boolean({ description: 'The node is in the role the spec wants and healthy.' })),
    walDiff: Type.Optional(
      Type.Integer({ format: 'int64', description: 'Bytes of WAL this standby has yet to replay.' }),
    ),
    lagBytes: Type.Optional(
      Type.Integer({
        format: 'int64',
        description: "Bytes between the primary's current WAL position and what this standby replayed.",
      }),
    ),
    lagSeconds: Type.Optional(
      Type.Number({ description: 'Replay lag in seconds as the primary measures it (pg_stat_replication).' }),
    ),
    timeline: Type.Optional(Type.Integer({ description: 'The WAL timeline the node is on.' })),
    diverged: Type.Optional(
      Type.String({ description: 'Why this node cannot follow the primary without a rebuild, and how to rebuild it.' }),
    ),
  },
  { description: 'Observed state of one node.' },
);

export const PostgresReplicationStatusSchema = ComposeStatus(
  {
    readwriteService: Type.Optional(Type.String({ description: 'Name of the Service selecting the primary.' })),
    readonlyService: Type.Optional(Type.String({ description: 'Name of the Service selecting the standbys.' })),
  },
  TopologyNode,
);

export const PostgresReplicationDefinition = defineKind({
  group: COMPOSE_GROUP,
  version: COMPOSE_VERSION,
  kind: 'PostgresReplication',
  plural: 'postgresreplications',
  singular: 'postgresreplication',
  shortNames: ['pr'],
  categories: composeCategories,
  description:
    'PostgresReplication manages primary/standby streaming replication between existing PostgreSQL pods and ' +
    'creates read-write and read-only Services. Compatible with compose-operator.',
  spec: PostgresReplicationSpecSchema,
  status: PostgresReplicationStatusSchema,
  printerColumns: [readyColumn],
});

export type PostgresReplicationSpec = Static<typeof PostgresReplicationSpecSchema>;
export type PostgresReplicationStatus = Static<typeof PostgresReplicationStatusSchema>;
export type PostgresReplication = CustomResource<PostgresReplicationSpec, PostgresReplicationStatus>;

export function postgresReplicationSpecWithDefaults(
  spec: DeepPartial<PostgresReplicationSpec>,
): PostgresReplicationSpec {
  return specWithDefaults(PostgresReplicationDefinition, spec);
}
