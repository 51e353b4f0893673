/**
 * upm.syntropycloud.io/v1alpha1 RedisCluster (short name rcc): a Redis Cluster built from existing pods, shard by
 * shard. Field list: reference/compose-operator-behaviour.md §1.
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
import { type DeepPartial, MapOf, StringEnum } from './schema.ts';

/** Bounds that keep the cross-shard uniqueness rule within the API server's CEL cost budget. */
const MAX_SHARDS = 32;
const MAX_SHARD_MEMBERS = 8;

export const RedisClusterSpecSchema = Type.Object(
  {
    secret: CredentialsSecret(
      { redis: SecretUser('redis', 'Data key of the encrypted Redis AUTH password.') },
      'The Secret with the AES-256-CTR encrypted Redis password.',
    ),
    aesSecret: Type.Optional(AesSecret()),
    members: MapOf(
      Type.Array(CommonNode('member', 'A node of the shard.'), {
        minItems: 1,
        maxItems: MAX_SHARD_MEMBERS,
        description: 'Nodes of one shard; the first is its master, the rest replicate from it.',
        'x-kubernetes-validations': [uniqueNames()],
      }),
      {
        minProperties: 1,
        maxProperties: MAX_SHARDS,
        description:
          'Shards by name, each a list of nodes (first = master). Slots are split evenly over the shards in ' +
          'shard-name order. A node may belong to one shard only.',
        'x-kubernetes-validations': [
          {
            rule: 'self.all(a, self.all(b, a == b || self[a].all(x, self[b].all(y, x.name != y.name))))',
            message: 'a node name may appear in one shard only',
          },
        ],
      },
    ),
  },
  { description: 'Desired cluster layout.' },
);

const TopologyNode = Type.Object(
  {
    id: Type.Optional(Type.String({ description: 'Redis Cluster node id.' })),
    role: Type.Optional(StringEnum(['Master', 'Replica', 'None'], { description: 'Role in the cluster.' })),
    status: NodeStatusValue(),
    host: Type.Optional(Type.String({ description: 'Address of the node.' })),
    port: Type.Optional(Type.Integer({ description: 'Port of the node.' })),
    shard: Type.Optional(Type.String({ description: 'Shard the node belongs to.' })),
    ready: Type.Optional(Type.Boolean({ description: 'The node is in the role the spec wants and healthy.' })),
    slots: Type.Optional(
      Type.Array(Type.String(), { description: 'Slot ranges the node serves, as "min-max" strings.' }),
    ),
    masterRef: Type.Optional(Type.String({ description: 'Node id of the master this replica follows.' })),
  },
  { description: 'Observed state of one node.' },
);

export const RedisClusterStatusSchema = ComposeStatus(
  {
    numberOfShard: Type.Optional(Type.Integer({ format: 'int32', description: 'Number of shards with slots.' })),
    clusterJoined: Type.Optional(Type.Boolean({ description: 'Every node has met the others.' })),
    clusterSynced: Type.Optional(Type.Boolean({ description: 'Slots are assigned and replicas follow masters.' })),
  },
  TopologyNode,
);

export const RedisClusterDefinition = defineKind({
  group: COMPOSE_GROUP,
  version: COMPOSE_VERSION,
  kind: 'RedisCluster',
  plural: 'redisclusters',
  singular: 'rediscluster',
  shortNames: ['rcc'],
  categories: composeCategories,
  description:
    'RedisCluster forms a Redis Cluster from existing Redis pods: meets the nodes, assigns slots per shard and ' +
    'attaches replicas. Compatible with compose-operator.',
  spec: RedisClusterSpecSchema,
  status: RedisClusterStatusSchema,
  printerColumns: [
    readyColumn,
    { name: 'Shard', type: 'integer', jsonPath: '.status.numberOfShard', description: 'Number of shards.' },
  ],
});

export type RedisClusterSpec = Static<typeof RedisClusterSpecSchema>;
export type RedisClusterStatus = Static<typeof RedisClusterStatusSchema>;
export type RedisCluster = CustomResource<RedisClusterSpec, RedisClusterStatus>;

export function redisClusterSpecWithDefaults(spec: DeepPartial<RedisClusterSpec>): RedisClusterSpec {
  return specWithDefaults(RedisClusterDefinition, spec);
}
