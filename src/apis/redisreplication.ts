/**
 * upm.syntropycloud.io/v1alpha1 RedisReplication (short name rr): source/replica replication between existing
 * Redis pods, optionally watched by Sentinel. Field list: reference/compose-operator-behaviour.md §1.
 */
import { type Static, Type } from 'typebox';
import {
  AesSecret,
  COMPOSE_GROUP,
  COMPOSE_VERSION,
  ComposeStatus,
  CredentialsSecret,
  composeCategories,
  MAX_NODES,
  NodeList,
  NodeStatusValue,
  notAmong,
  RedisNode,
  RedisReplicaNode,
  readyColumn,
  SecretUser,
  ServiceSpec,
} from './compose.ts';
import { type CustomResource, defineKind, specWithDefaults } from './crd.ts';
import { type DeepPartial, StringEnum } from './schema.ts';

export const RedisReplicationSpecSchema = Type.Object(
  {
    secret: CredentialsSecret(
      { redis: SecretUser('redis', 'Data key of the encrypted Redis AUTH password.') },
      'The Secret with the AES-256-CTR encrypted Redis password.',
    ),
    aesSecret: Type.Optional(AesSecret()),
    source: RedisNode('source', 'The node that accepts writes. Changing it to a replica performs a switchover.'),
    replica: Type.Optional(
      NodeList(
        RedisReplicaNode('replica', 'A node replicating from the source.'),
        'Nodes that replicate from the source; names must be unique and must not include the source.',
      ),
    ),
    service: ServiceSpec(),
    sentinel: Type.Optional(
      Type.Array(Type.String({ maxLength: 253 }), {
        maxItems: MAX_NODES,
        description:
          'Names of Sentinel pods. When set, Sentinel owns failover: the operator only reports the topology and ' +
          'keeps the source labels on these pods up to date.',
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
    announceHost: Type.Optional(Type.String({ description: 'Address the node announces.' })),
    announcePort: Type.Optional(Type.Integer({ description: 'Port the node announces.' })),
    role: Type.Optional(StringEnum(['Source', 'Replica', 'None'], { description: 'Role observed on the server.' })),
    status: NodeStatusValue(),
    ready: Type.Optional(Type.Boolean({ description: 'The node is in the role the spec wants and healthy.' })),
    sourceHost: Type.Optional(Type.String({ description: 'Host this replica replicates from.' })),
    sourcePort: Type.Optional(Type.Integer({ description: 'Port this replica replicates from.' })),
    masterSyncInProgress: Type.Optional(Type.Boolean({ description: 'A full sync from the source is running.' })),
    masterLinkStatus: Type.Optional(Type.String({ description: 'master_link_status from INFO replication.' })),
    slaveReplOffset: Type.Optional(
      Type.Integer({ format: 'int64', description: 'Replication offset of this replica.' }),
    ),
    masterReplOffset: Type.Optional(
      Type.Integer({ format: 'int64', description: 'Replication offset of the source.' }),
    ),
  },
  { description: 'Observed state of one node.' },
);

export const RedisReplicationStatusSchema = ComposeStatus(
  {
    readwriteService: Type.Optional(Type.String({ description: 'Name of the Service selecting the source.' })),
    readonlyService: Type.Optional(Type.String({ description: 'Name of the Service selecting the replicas.' })),
  },
  TopologyNode,
);

export const RedisReplicationDefinition = defineKind({
  group: COMPOSE_GROUP,
  version: COMPOSE_VERSION,
  kind: 'RedisReplication',
  plural: 'redisreplications',
  singular: 'redisreplication',
  shortNames: ['rr'],
  categories: composeCategories,
  description:
    'RedisReplication manages source/replica replication between existing Redis pods and creates read-write and ' +
    'read-only Services. Compatible with compose-operator.',
  spec: RedisReplicationSpecSchema,
  status: RedisReplicationStatusSchema,
  printerColumns: [readyColumn],
});

export type RedisReplicationSpec = Static<typeof RedisReplicationSpecSchema>;
export type RedisReplicationStatus = Static<typeof RedisReplicationStatusSchema>;
export type RedisReplication = CustomResource<RedisReplicationSpec, RedisReplicationStatus>;

export function redisReplicationSpecWithDefaults(spec: DeepPartial<RedisReplicationSpec>): RedisReplicationSpec {
  return specWithDefaults(RedisReplicationDefinition, spec);
}
