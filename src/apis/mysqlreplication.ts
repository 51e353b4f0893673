/**
 * upm.syntropycloud.io/v1alpha1 MysqlReplication (short name mr): source/replica replication between existing
 * MySQL or MariaDB pods. Field list: reference/compose-operator-behaviour.md §1. Statecraft extensions:
 * `spec.maxLagSeconds`, topology `gtidExecuted` and `errantTransactions`.
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

export const MysqlReplicationSpecSchema = Type.Object(
  {
    mode: StringEnum(['rpl_async', 'rpl_semi_sync'], {
      default: 'rpl_async',
      description: 'Replication mode: rpl_async (default) or rpl_semi_sync (the source waits for one replica ack).',
    }),
    secret: CredentialsSecret(
      {
        mysql: SecretUser('mysql', 'Data key of the administrative user the operator connects as.'),
        replication: SecretUser('replication', 'Data key of the user replicas connect to the source as.'),
      },
      'The Secret with the AES-256-CTR encrypted passwords of the admin and replication users.',
    ),
    aesSecret: Type.Optional(AesSecret()),
    source: CommonNode('source', 'The node that accepts writes. Changing it to a replica performs a switchover.'),
    service: ServiceSpec(),
    replica: Type.Optional(
      NodeList(
        ReplicaNode('replica', 'A read-only node replicating from the source.'),
        'Nodes that replicate from the source; names must be unique and must not include the source.',
      ),
    ),
    maxLagSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        format: 'int32',
        description:
          'Statecraft extension. A replica more than this many seconds behind the source leaves the read-only ' +
          'Service until it catches up. Unset: lag does not affect Service membership.',
      }),
    ),
  },
  {
    description: 'Desired replication topology.',
    'x-kubernetes-validations': [notAmong('source', 'replica', 'the source must not also be listed as a replica')],
  },
);

const TopologyNode = Type.Object(
  {
    host: Type.Optional(Type.String({ description: 'Address of the node.' })),
    port: Type.Optional(Type.Integer({ description: 'Port of the node.' })),
    role: Type.Optional(StringEnum(['Source', 'Replica', 'None'], { description: 'Role observed on the server.' })),
    status: NodeStatusValue(),
    ready: Type.Optional(Type.Boolean({ description: 'The node is in the role the spec wants and healthy.' })),
    readonly: Type.Optional(Type.Boolean({ description: 'The value of @@read_only.' })),
    superReadonly: Type.Optional(Type.Boolean({ description: 'The value of @@super_read_only (MySQL only).' })),
    sourceHost: Type.Optional(Type.String({ description: 'Host this replica replicates from.' })),
    sourcePort: Type.Optional(Type.Integer({ description: 'Port this replica replicates from.' })),
    replicaIO: Type.Optional(Type.String({ description: 'State of the replication IO thread (Yes, No, Connecting).' })),
    replicaSQL: Type.Optional(Type.String({ description: 'State of the replication SQL thread (Yes, No).' })),
    readSourceLogPos: Type.Optional(
      Type.Integer({ format: 'int64', description: 'Position in the source binlog the IO thread has read to.' }),
    ),
    sourceLogFile: Type.Optional(Type.String({ description: 'Source binlog file the IO thread is reading.' })),
    secondsBehindSource: Type.Optional(
      Type.Integer({ format: 'int64', description: 'Replication lag in seconds as the replica reports it.' }),
    ),
    execSourceLogPos: Type.Optional(
      Type.Integer({ format: 'int64', description: 'Position in the source binlog the SQL thread has applied.' }),
    ),
    gtidExecuted: Type.Optional(
      Type.String({ description: 'Statecraft extension: the GTID set/position the node has executed.' }),
    ),
    errantTransactions: Type.Optional(
      Type.String({
        description:
          'Statecraft extension: GTIDs this replica executed that the source lacks (errant transactions); such a ' +
          'replica is kept out of the read-only Service.',
      }),
    ),
  },
  { description: 'Observed state of one node.' },
);

export const MysqlReplicationStatusSchema = ComposeStatus(
  {
    readwriteService: Type.Optional(Type.String({ description: 'Name of the Service selecting the source.' })),
    readonlyService: Type.Optional(Type.String({ description: 'Name of the Service selecting ready replicas.' })),
  },
  TopologyNode,
);

export const MysqlReplicationDefinition = defineKind({
  group: COMPOSE_GROUP,
  version: COMPOSE_VERSION,
  kind: 'MysqlReplication',
  plural: 'mysqlreplications',
  singular: 'mysqlreplication',
  shortNames: ['mr'],
  categories: composeCategories,
  description:
    'MysqlReplication manages source/replica replication between existing MySQL or MariaDB pods, labels them and ' +
    'creates read-write and read-only Services. Compatible with compose-operator.',
  spec: MysqlReplicationSpecSchema,
  status: MysqlReplicationStatusSchema,
  printerColumns: [readyColumn],
});

export type MysqlReplicationSpec = Static<typeof MysqlReplicationSpecSchema>;
export type MysqlReplicationStatus = Static<typeof MysqlReplicationStatusSchema>;
export type MysqlReplicationTopologyNode = Static<typeof TopologyNode>;
export type MysqlReplication = CustomResource<MysqlReplicationSpec, MysqlReplicationStatus>;

/** The spec with every CRD default filled in, as the API server stores it. */
export function mysqlReplicationSpecWithDefaults(spec: DeepPartial<MysqlReplicationSpec>): MysqlReplicationSpec {
  return specWithDefaults(MysqlReplicationDefinition, spec);
}
