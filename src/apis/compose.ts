/**
 * Building blocks shared by the compose-operator kinds (upm.syntropycloud.io/v1alpha1; reference:
 * reference/compose-operator-behaviour.md §1). Upstream enforces most of this in webhooks; here it is CRD schema
 * and CEL so the API server rejects bad objects with the field named.
 */
import { type TProperties, type TSchema, Type } from 'typebox';
import type { CelRule } from './schema.ts';
import { Conditions, Host, MapOf, ObjectName, ObservedGeneration, Port, StringEnum } from './schema.ts';

export const COMPOSE_GROUP = 'upm.syntropycloud.io';
export const COMPOSE_VERSION = 'v1alpha1';
/** The most nodes one list may hold; bounds the cost of the CEL uniqueness rules. */
export const MAX_NODES = 64;

export { SKIP_RECONCILE_ANNOTATIONS } from './annotations.ts';

function nodeProperties(what: string) {
  return {
    name: ObjectName({
      maxLength: 63,
      description: `Name of the ${what}'s pod in this namespace; the operator labels that pod.`,
    }),
    host: Host({ description: `Address of the ${what}: an IP address or DNS name, e.g. pod.ns.svc.cluster.local.` }),
    port: Port({ description: `Port of the ${what}'s database server (1–65535).` }),
  };
}

function isolated(what: string) {
  return Type.Boolean({
    default: false,
    description: `Take this ${what} out of the topology: replication is stopped and it leaves the Services.`,
  });
}

/** CommonNode {name, host, port}. */
export function CommonNode(what: string, description: string) {
  return Type.Object(nodeProperties(what), { description });
}

/** ReplicaNode = CommonNode + isolated. */
export function ReplicaNode(what: string, description: string) {
  return Type.Object({ ...nodeProperties(what), isolated: isolated(what) }, { description });
}

function redisProperties(what: string) {
  return {
    ...nodeProperties(what),
    announceHost: Type.Optional(
      Host({ description: `Address the ${what} announces to its peers and clients; defaults to host.` }),
    ),
    announcePort: Type.Optional(Port({ description: `Port the ${what} announces; defaults to port.` })),
  };
}

/** RedisNode = CommonNode + announceHost/announcePort. */
export function RedisNode(what: string, description: string) {
  return Type.Object(redisProperties(what), { description });
}

/** RedisReplicaNode = RedisNode + isolated. */
export function RedisReplicaNode(what: string, description: string) {
  return Type.Object({ ...redisProperties(what), isolated: isolated(what) }, { description });
}

/** A list of nodes whose names are unique. */
export function NodeList<T extends TSchema>(node: T, description: string, minItems = 0) {
  return Type.Array(node, {
    description,
    maxItems: MAX_NODES,
    ...(minItems ? { minItems } : {}),
    'x-kubernetes-validations': [uniqueNames()],
  });
}

/** CEL: the `name`s of a node list are unique. */
export function uniqueNames(): CelRule {
  return {
    rule: 'self.all(x, self.exists_one(y, y.name == x.name))',
    message: 'node names must be unique',
  };
}

/** CEL on a spec: the node in `single` is not also listed in the array `list`. */
export function notAmong(single: string, list: string, message: string): CelRule {
  return {
    rule: `!has(self.${single}) || !has(self.${list}) || self.${list}.all(n, n.name != self.${single}.name)`,
    message,
    fieldPath: `.${list}`,
  };
}

/** `service {type}`: the Services the operator creates for read/write splitting. */
export function ServiceSpec() {
  return Type.Object(
    {
      type: StringEnum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'], {
        default: 'ClusterIP',
        description: 'Type of the read-write and read-only Services: ClusterIP (default), NodePort, LoadBalancer.',
      }),
    },
    { description: 'The read-write and read-only Services the operator creates (<name>-readwrite, -readonly).' },
  );
}

/** `aesSecret {name, key}`: where the AES-256 key that decrypts the credentials lives. */
export function AesSecret() {
  return Type.Object(
    {
      name: Type.String({
        minLength: 1,
        default: 'aes-secret-key',
        description: 'Name of the Secret (in this namespace) holding the 32-byte AES key.',
      }),
      key: Type.String({
        minLength: 1,
        default: 'AES_SECRET_KEY',
        description: 'Data key in that Secret holding the AES key.',
      }),
    },
    { description: 'The Secret holding the AES-256-CTR key that decrypts the credentials Secret.' },
  );
}

/**
 * `secret {name, <user keys>}`: the credentials Secret. Each user key names a data key whose value is an
 * AES-256-CTR encrypted password; the key is also the database user name. `name` cannot change after creation.
 */
export function CredentialsSecret<P extends TProperties>(users: P, description: string) {
  return Type.Object(
    {
      name: ObjectName({
        description: 'Name of the Secret (in this namespace) holding the encrypted passwords. Immutable.',
        'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'secret.name is immutable' }],
      }),
      ...users,
    },
    { description },
  );
}

/** One user key of a credentials Secret, with its default. */
export function SecretUser(defaultKey: string | undefined, description: string) {
  return Type.String({
    minLength: 1,
    ...(defaultKey ? { default: defaultKey } : {}),
    description: `${description} The data key is also the user name.`,
  });
}

export function NodeStatusValue() {
  return Type.Optional(
    StringEnum(['Healthy', 'Failed'], { description: 'Whether the operator can reach and read the node.' }),
  );
}

/** Status fields every compose kind has; `extra` adds the kind's own. */
export function ComposeStatus<P extends TProperties, N extends TSchema>(extra: P, topologyNode: N) {
  return Type.Object(
    {
      ...extra,
      topology: Type.Optional(
        MapOf(topologyNode, { description: 'Observed state of every node, keyed by node name.' }),
      ),
      ready: Type.Optional(Type.Boolean({ description: 'The observed topology matches the spec and is healthy.' })),
      observedGeneration: ObservedGeneration(),
      conditions: Type.Optional(Conditions({ description: 'TopologyReady and ResourceReady (metav1.Condition).' })),
    },
    { description: 'Observed state of the topology.' },
  );
}

export const readyColumn = {
  name: 'Ready',
  type: 'boolean',
  jsonPath: '.status.ready',
  description: 'The topology matches the spec and is healthy.',
} as const;

export const composeCategories = ['statecraft', 'compose'];
