/**
 * Schema building blocks shared by every kind. Each is a TypeBox schema, so one definition yields the TypeScript
 * type (`Static<...>`), the defaults (`applyDefaults`) and the CRD's openAPIV3Schema (`crd.ts`).
 *
 * Conventions that keep the CRD structural and `kubectl explain` useful:
 * - every property carries a `description`;
 * - a property with a `default` is typed as present (the API server fills it before anyone reads the object) and
 *   `crd.ts` drops it from the CRD's `required` list so users may omit it;
 * - string enums are plain `enum` lists (not `anyOf` of literals) and maps use `additionalProperties`.
 */
import { type Static, type TSchema, Type } from 'typebox';

/** Options accepted by every builder below; `description` is mandatory by convention (checked in crd.test.ts). */
export interface FieldOptions {
  description: string;
  default?: unknown;
  'x-kubernetes-validations'?: CelRule[];
  [key: string | symbol]: unknown;
}

/** One `x-kubernetes-validations` entry. `fieldPath` makes the API server name the offending field. */
export interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** A string restricted to `values`, typed as their union. */
export function StringEnum<const V extends readonly string[]>(values: V, options: FieldOptions) {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });
}

/** A map of string to string (labels, annotations, nodeSelector). */
export function StringMap(options: FieldOptions) {
  return Type.Unsafe<Record<string, string>>({
    type: 'object',
    additionalProperties: { type: 'string' },
    ...options,
  });
}

/** A map of string keys to values of `value`'s schema. */
export function MapOf<T extends TSchema>(value: T, options: FieldOptions) {
  return Type.Unsafe<Record<string, Static<T>>>({ type: 'object', additionalProperties: value, ...options });
}

/**
 * An object kept verbatim by the API server (`x-kubernetes-preserve-unknown-fields`): used for embedded core types
 * whose full schema would add nothing we validate (affinity, free-form broker config).
 */
export function OpaqueObject<T = Record<string, unknown>>(options: FieldOptions) {
  return Type.Unsafe<T>({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, ...options });
}

const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/** A resource.Quantity as core types accept it: "500m", "1Gi" or a plain number. */
export function Quantity(options: FieldOptions) {
  return Type.Unsafe<string | number>({
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern: QUANTITY_PATTERN,
    'x-kubernetes-int-or-string': true,
    ...options,
  });
}

/** A storage size: a string quantity greater than zero, such as "10Gi". */
export function StorageSize(options: FieldOptions) {
  return Type.String({
    maxLength: 64,
    ...options,
    'x-kubernetes-validations': [
      {
        rule: "isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))",
        message: 'must be a positive quantity such as 10Gi',
      },
      ...(options['x-kubernetes-validations'] ?? []),
    ],
  });
}

/** A TCP port, 1–65535. */
export function Port(options: FieldOptions) {
  return Type.Integer({ format: 'int32', minimum: 1, maximum: 65535, ...options });
}

/** A host: an IP address or an RFC 1123 DNS name (what compose-operator's webhook accepts). */
export function Host(options: FieldOptions) {
  return Type.String({
    minLength: 1,
    maxLength: 253,
    ...options,
    'x-kubernetes-validations': [
      {
        rule: 'isIP(self) || !format.dns1123Subdomain().validate(self).hasValue()',
        message: 'must be an IP address or an RFC 1123 DNS name (lower case letters, digits, "-" and ".")',
      },
    ],
  });
}

/** The name of a Kubernetes object (DNS-1123 subdomain). */
export function ObjectName(options: FieldOptions) {
  return Type.String({
    minLength: 1,
    maxLength: 253,
    ...options,
    'x-kubernetes-validations': [
      {
        rule: '!format.dns1123Subdomain().validate(self).hasValue()',
        message: 'must be a valid Kubernetes object name (lower case letters, digits, "-" and ".")',
      },
      ...(options['x-kubernetes-validations'] ?? []),
    ],
  });
}

/** core/v1 ResourceRequirements. */
export function ResourceRequirements(options: FieldOptions) {
  return Type.Object(
    {
      limits: Type.Optional(
        MapOf(Quantity({ description: 'A quantity such as "1000m" or "1Gi".' }), {
          description: 'Maximum amount of compute resources allowed, by resource name (cpu, memory, ...).',
        }),
      ),
      requests: Type.Optional(
        MapOf(Quantity({ description: 'A quantity such as "500m" or "512Mi".' }), {
          description: 'Minimum amount of compute resources required, by resource name (cpu, memory, ...).',
        }),
      ),
      claims: Type.Optional(
        Type.Array(
          Type.Object(
            {
              name: Type.String({ description: 'Name of one entry in pod.spec.resourceClaims.' }),
              request: Type.Optional(Type.String({ description: 'Name of the request within that claim.' })),
            },
            { description: 'A reference to a dynamic resource claim.' },
          ),
          {
            description: 'Dynamically allocated resources (DRA claims) used by the container.',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
          },
        ),
      ),
    },
    options,
  );
}

/** core/v1 Toleration list. */
export function Tolerations(options: FieldOptions) {
  return Type.Array(
    Type.Object(
      {
        key: Type.Optional(Type.String({ description: 'Taint key the toleration applies to; empty matches all.' })),
        operator: Type.Optional(
          StringEnum(['Exists', 'Equal'], { description: 'Relationship between key and value: Exists or Equal.' }),
        ),
        value: Type.Optional(Type.String({ description: 'Taint value the toleration matches (with Equal).' })),
        effect: Type.Optional(
          StringEnum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'], {
            description: 'Taint effect to match; empty matches all effects.',
          }),
        ),
        tolerationSeconds: Type.Optional(
          Type.Integer({
            format: 'int64',
            description: 'For NoExecute: how long the pod stays bound after the taint appears.',
          }),
        ),
      },
      { description: 'Tolerates a node taint.' },
    ),
    options,
  );
}

/** core/v1 Affinity, kept verbatim (the scheduler validates it when the pods are created). */
export function Affinity(options: FieldOptions) {
  return OpaqueObject(options);
}

/** core/v1 LocalObjectReference list, e.g. imagePullSecrets. */
export function LocalObjectReferences(options: FieldOptions) {
  return Type.Array(
    Type.Object(
      { name: Type.String({ description: 'Name of the referenced object in the same namespace.' }) },
      { description: 'A reference to an object in the same namespace.' },
    ),
    options,
  );
}

/** core/v1 PullPolicy. */
export function PullPolicy(options: FieldOptions) {
  return StringEnum(['Always', 'IfNotPresent', 'Never'], options);
}

/** metav1.Condition list, as `kubectl wait --for=condition=...` reads it. */
export function Conditions(options: FieldOptions) {
  return Type.Array(
    Type.Object(
      {
        type: Type.String({ maxLength: 316, description: 'Type of condition in CamelCase, e.g. Ready.' }),
        status: StringEnum(['True', 'False', 'Unknown'], { description: 'Status of the condition.' }),
        observedGeneration: Type.Optional(
          Type.Integer({
            format: 'int64',
            minimum: 0,
            description: 'metadata.generation the condition was set from.',
          }),
        ),
        lastTransitionTime: Type.String({
          format: 'date-time',
          description: 'Last time the condition changed status.',
        }),
        reason: Type.String({
          maxLength: 1024,
          description: 'Programmatic identifier of the last transition, in CamelCase.',
        }),
        message: Type.String({ maxLength: 32768, description: 'Human-readable details about the transition.' }),
      },
      { description: 'One aspect of the current state (metav1.Condition).' },
    ),
    { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'], ...options },
  );
}

export type Condition = Static<ReturnType<typeof Conditions>>[number];

/** `status.observedGeneration`. */
export function ObservedGeneration() {
  return Type.Optional(
    Type.Integer({
      format: 'int64',
      description: 'The metadata.generation of the spec the operator last acted on.',
    }),
  );
}

/** The PVC retention policy shared by the kinds that own PVCs (a Statecraft extension). */
export function PvcRetention(what: string) {
  return StringEnum(['Retain', 'Delete'], {
    default: 'Retain',
    description:
      `Statecraft extension. What happens to the PersistentVolumeClaims of ${what} when this object is deleted: ` +
      'Retain (default) keeps them and their data; Delete removes them together with the other children.',
  });
}

/** The autoscaling block (HorizontalPodAutoscaler settings) shared by MusicService and the broker kinds. */
export function Autoscaling(target: string, extraDescription = '') {
  return Type.Object(
    {
      minReplicas: Type.Integer({
        format: 'int32',
        minimum: 1,
        description: `Lower bound for the number of ${target} replicas the autoscaler may set.`,
      }),
      maxReplicas: Type.Integer({
        format: 'int32',
        minimum: 1,
        description: `Upper bound for the number of ${target} replicas the autoscaler may set.`,
      }),
      targetCPUUtilizationPercentage: Type.Integer({
        format: 'int32',
        minimum: 1,
        maximum: 100,
        description: 'Average CPU utilization (percent of requests) the autoscaler aims for.',
      }),
      targetMemoryUtilizationPercentage: Type.Optional(
        Type.Integer({
          format: 'int32',
          minimum: 1,
          maximum: 100,
          description: 'Average memory utilization (percent of requests) the autoscaler aims for; optional.',
        }),
      ),
    },
    {
      description:
        `Horizontal autoscaling of the ${target}: a HorizontalPodAutoscaler owns the replica count while this is set.` +
        extraDescription,
      'x-kubernetes-validations': [
        {
          rule: 'self.minReplicas <= self.maxReplicas',
          message: 'minReplicas must be less than or equal to maxReplicas',
          fieldPath: '.minReplicas',
        },
      ],
    },
  );
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type SchemaNode = {
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
};

/**
 * Applies the schema's `default`s to `value` exactly as the API server's structural defaulting does: for every
 * object, each absent property with a default gets a deep copy of it, then defaulting recurses into every present
 * property, map value and array item. Pure: returns a new value, `value` is not modified.
 */
export function applyDefaults(schema: TSchema, value: unknown): unknown {
  return defaultNode(schema as SchemaNode, structuredClone(value) as Json);
}

function defaultNode(schema: SchemaNode, value: Json): Json {
  if (Array.isArray(value)) {
    return schema.items ? value.map((v) => defaultNode(schema.items!, v)) : value;
  }
  if (value === null || typeof value !== 'object') return value;
  const out: { [k: string]: Json } = { ...value };
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (out[key] === undefined && prop.default !== undefined) out[key] = structuredClone(prop.default) as Json;
    if (out[key] !== undefined) out[key] = defaultNode(prop, out[key]);
  }
  const extra = schema.additionalProperties;
  if (extra && typeof extra === 'object') {
    for (const key of Object.keys(out)) {
      if (!schema.properties?.[key]) out[key] = defaultNode(extra, out[key]);
    }
  }
  return out;
}

/** A deep partial of an API type: what a user may write before defaults are applied. */
export type DeepPartial<T> = T extends (infer U)[]
  ? DeepPartial<U>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** A Go-style duration such as "30s", "1m30s" or "500ms". */
export function Duration(options: FieldOptions) {
  return Type.String({ pattern: '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$', maxLength: 64, ...options });
}

/** A list of strings. */
export function StringList(options: FieldOptions, itemOptions: Record<string, unknown> = {}) {
  return Type.Array(Type.String(itemOptions), options);
}

/**
 * A PersistentVolumeClaim template (StatefulSet volumeClaimTemplates entry). The common fields are typed and
 * validated; other PVC spec fields (selector, dataSource, ...) are kept as given.
 */
export function PersistentVolumeClaimTemplate(options: FieldOptions) {
  return Type.Object(
    {
      metadata: Type.Optional(
        Type.Object(
          {
            name: Type.Optional(Type.String({ description: 'Name of the claim template (the volume name).' })),
            labels: Type.Optional(StringMap({ description: 'Labels for the claims.' })),
            annotations: Type.Optional(StringMap({ description: 'Annotations for the claims.' })),
          },
          { description: 'Metadata copied onto every claim made from the template.' },
        ),
      ),
      spec: Type.Object(
        {
          accessModes: Type.Optional(
            Type.Array(
              StringEnum(['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'], {
                description: 'An access mode.',
              }),
              { description: 'Access modes of the volume, e.g. [ReadWriteOnce].' },
            ),
          ),
          resources: Type.Optional(
            Type.Object(
              {
                requests: Type.Optional(
                  MapOf(Quantity({ description: 'A quantity such as "100Gi".' }), {
                    description: 'Minimum resources; requests.storage is the size of each claim.',
                  }),
                ),
                limits: Type.Optional(
                  MapOf(Quantity({ description: 'A quantity.' }), { description: 'Maximum resources.' }),
                ),
              },
              { description: 'Storage the claim asks for.' },
            ),
          ),
          storageClassName: Type.Optional(
            Type.String({ description: 'StorageClass of the claims; the cluster default when omitted.' }),
          ),
          volumeMode: Type.Optional(
            StringEnum(['Filesystem', 'Block'], { description: 'Filesystem (default) or Block.' }),
          ),
        },
        {
          description: 'PersistentVolumeClaim spec for each broker pod (core/v1 PersistentVolumeClaimSpec).',
          'x-kubernetes-preserve-unknown-fields': true,
        },
      ),
    },
    options,
  );
}
