/**
 * shazamq.io/v1alpha1 ShazamqCluster (short name sqc): a Shazamq broker cluster (seeds/shazamq-operator.md;
 * upstream fields and defaults in reference/seed-operators-upstream.md §B). Both storage shapes are accepted: the
 * README's `storage.volumeClaimTemplate` and upstream's segment/retention fields. Statecraft extensions:
 * `autoscaling`, `pvcRetention`, `status.selector`.
 */
import { type Static, Type } from 'typebox';
import { type CustomResource, defineKind, specWithDefaults } from './crd.ts';
import {
  Affinity,
  Autoscaling,
  Conditions,
  type DeepPartial,
  Duration,
  LocalObjectReferences,
  ObjectName,
  ObservedGeneration,
  OpaqueObject,
  PersistentVolumeClaimTemplate,
  Port,
  PullPolicy,
  PvcRetention,
  ResourceRequirements,
  StringEnum,
  StringList,
  StringMap,
  Tolerations,
} from './schema.ts';

const SecretName = (description: string) => Type.Optional(ObjectName({ description }));

const MirrorSource = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 63, description: 'Name of this mirror source.' }),
    bootstrapServers: Type.String({
      minLength: 1,
      description: 'Comma-separated host:port list of the source Kafka cluster.',
    }),
    securityProtocol: StringEnum(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'], {
      default: 'PLAINTEXT',
      description: 'Kafka security protocol used to reach the source (default PLAINTEXT).',
    }),
    saslMechanism: Type.Optional(
      StringEnum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'GSSAPI', 'OAUTHBEARER'], {
        description: 'SASL mechanism with SASL_* protocols.',
      }),
    ),
    credentialsSecret: SecretName(
      'Secret (same namespace) with the source credentials; injected into the brokers as env, never into config.',
    ),
    topicWhitelist: StringList(
      { default: ['.*'], description: 'Regular expressions of topics to mirror (default all: ".*").' },
      { minLength: 1 },
    ),
    topicBlacklist: Type.Optional(
      StringList({ description: 'Regular expressions of topics never mirrored.' }, { minLength: 1 }),
    ),
    consumerGroupId: Type.String({
      minLength: 1,
      default: 'shazamq-mirror',
      description: 'Consumer group used on the source cluster (default shazamq-mirror).',
    }),
    numConsumers: Type.Integer({
      format: 'int32',
      minimum: 1,
      default: 4,
      description: 'Consumers per broker pulling from the source (default 4).',
    }),
    exactlyOnce: Type.Boolean({ default: true, description: 'Mirror with exactly-once semantics (default true).' }),
  },
  {
    description: 'A Kafka cluster to mirror from.',
    'x-kubernetes-validations': [
      {
        rule: "!self.securityProtocol.startsWith('SASL') || has(self.saslMechanism)",
        message: 'saslMechanism is required with a SASL securityProtocol',
        fieldPath: '.saslMechanism',
      },
    ],
  },
);

export const ShazamqClusterSpecSchema = Type.Object(
  {
    replicas: Type.Integer({
      format: 'int32',
      minimum: 1,
      default: 3,
      description: 'Number of brokers (default 3). While autoscaling is set the HorizontalPodAutoscaler owns it.',
    }),
    version: Type.String({
      minLength: 1,
      default: '0.1.0-rc1',
      description: 'Shazamq version: the image tag (default 0.1.0-rc1). Changing it rolls the brokers one by one.',
    }),
    image: Type.String({
      minLength: 1,
      default: 'shazamq/shazamq',
      description: 'Broker image repository; the tag is spec.version (default shazamq/shazamq).',
    }),
    imagePullPolicy: Type.Optional(PullPolicy({ description: 'Pull policy of the broker image.' })),
    storage: Type.Object(
      {
        volumeClaimTemplate: Type.Optional(
          PersistentVolumeClaimTemplate({
            description: 'The PersistentVolumeClaim each broker gets for its data, used as given (README shape).',
          }),
        ),
        segmentBytes: Type.Optional(
          Type.Integer({ format: 'int64', minimum: 1, description: 'Size of one log segment in bytes.' }),
        ),
        retentionHours: Type.Integer({
          format: 'int32',
          minimum: 1,
          default: 168,
          description: 'How long messages are kept, in hours (default 168).',
        }),
        retentionBytes: Type.Optional(
          Type.Integer({ format: 'int64', minimum: 1, description: 'Maximum bytes kept per partition.' }),
        ),
      },
      { default: {}, description: 'Broker storage: the data volume claim and log retention.' },
    ),
    tieredStorage: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({ default: false, description: 'Move older segments to object storage.' }),
          provider: StringEnum(['s3', 'gcs', 'azure'], {
            default: 's3',
            description: 'Object storage provider: s3 (default), gcs or azure.',
          }),
          hotTierRetentionHours: Type.Integer({
            format: 'int32',
            minimum: 1,
            default: 24,
            description: 'Hours a segment stays on local disk before it is only in object storage (default 24).',
          }),
          s3: Type.Optional(
            Type.Object(
              {
                bucket: Type.String({ minLength: 1, description: 'Bucket name.' }),
                region: Type.Optional(Type.String({ description: 'Bucket region, e.g. us-east-1.' })),
                prefix: Type.Optional(Type.String({ description: 'Key prefix inside the bucket.' })),
                endpoint: Type.Optional(Type.String({ description: 'Custom S3 endpoint URL (MinIO, ...).' })),
                credentialsSecret: SecretName(
                  'Secret (same namespace) with access-key-id and secret-access-key; injected as env.',
                ),
              },
              { description: 'S3 bucket settings.' },
            ),
          ),
        },
        {
          description: 'Tiered storage to S3/GCS/Azure.',
          'x-kubernetes-validations': [
            {
              rule: "!self.enabled || self.provider != 's3' || has(self.s3)",
              message: 's3 settings are required when tiered storage is enabled with provider s3',
              fieldPath: '.s3',
            },
          ],
        },
      ),
    ),
    mirror: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({ default: false, description: 'Run the built-in mirror in every broker.' }),
          sources: Type.Optional(
            Type.Array(MirrorSource, {
              maxItems: 32,
              description: 'Kafka clusters to mirror from; names must be unique.',
              'x-kubernetes-validations': [
                { rule: 'self.all(x, self.exists_one(y, y.name == x.name))', message: 'source names must be unique' },
              ],
            }),
          ),
        },
        { description: 'Kafka-to-Shazamq mirroring.' },
      ),
    ),
    replication: Type.Object(
      {
        defaultReplicationFactor: Type.Integer({
          format: 'int32',
          minimum: 1,
          default: 3,
          description: 'Replication factor of new topics (default 3).',
        }),
        minInsyncReplicas: Type.Integer({
          format: 'int32',
          minimum: 1,
          default: 2,
          description: 'Replicas that must acknowledge a write (default 2).',
        }),
      },
      {
        default: {},
        description: 'Topic replication defaults.',
        'x-kubernetes-validations': [
          {
            rule: 'self.minInsyncReplicas <= self.defaultReplicationFactor',
            message: 'minInsyncReplicas must not exceed defaultReplicationFactor',
            fieldPath: '.minInsyncReplicas',
          },
        ],
      },
    ),
    resources: Type.Optional(ResourceRequirements({ description: 'CPU and memory of each broker container.' })),
    podAnnotations: Type.Optional(StringMap({ description: 'Annotations added to the broker pods.' })),
    podLabels: Type.Optional(
      StringMap({
        description: "Labels added to the broker pods (they never replace the operator's selector labels).",
      }),
    ),
    nodeSelector: Type.Optional(StringMap({ description: 'Node labels the broker pods must be scheduled on.' })),
    tolerations: Type.Optional(Tolerations({ description: 'Taints the broker pods tolerate.' })),
    affinity: Type.Optional(
      Affinity({
        description: 'Scheduling affinity of the broker pods (core/v1 Affinity); a soft anti-affinity when omitted.',
      }),
    ),
    imagePullSecrets: Type.Optional(LocalObjectReferences({ description: 'Secrets for pulling the broker image.' })),
    service: Type.Object(
      {
        type: StringEnum(['ClusterIP', 'NodePort', 'LoadBalancer'], {
          default: 'ClusterIP',
          description: 'Type of the client Service (default ClusterIP).',
        }),
        port: Port({ default: 9092, description: 'Kafka protocol port (default 9092).' }),
        metricsPort: Port({ default: 9090, description: 'Prometheus metrics port (default 9090).' }),
        annotations: Type.Optional(StringMap({ description: 'Annotations of the client Service.' })),
      },
      {
        default: {},
        description: 'The client Service.',
        'x-kubernetes-validations': [
          {
            rule: 'self.port != self.metricsPort',
            message: 'port and metricsPort must differ',
            fieldPath: '.metricsPort',
          },
        ],
      },
    ),
    security: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({ default: false, description: 'Turn on the security settings below.' }),
          tls: Type.Optional(
            Type.Object(
              {
                enabled: Type.Boolean({ default: false, description: 'Serve clients over TLS.' }),
                secretName: SecretName('kubernetes.io/tls Secret with the broker certificate and key.'),
              },
              {
                description: 'TLS for client connections.',
                'x-kubernetes-validations': [
                  {
                    rule: '!self.enabled || has(self.secretName)',
                    message: 'secretName is required when TLS is enabled',
                    fieldPath: '.secretName',
                  },
                ],
              },
            ),
          ),
          auth: Type.Optional(
            Type.Object(
              {
                enabled: Type.Boolean({ default: false, description: 'Require client authentication.' }),
                mechanism: Type.Optional(
                  StringEnum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'], {
                    description: 'SASL mechanism clients authenticate with.',
                  }),
                ),
                secretName: SecretName('Secret with the user credentials.'),
              },
              { description: 'SASL authentication of clients.' },
            ),
          ),
        },
        { description: 'TLS and authentication.' },
      ),
    ),
    monitoring: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Expose Prometheus metrics (default true).' }),
        serviceMonitor: Type.Object(
          {
            enabled: Type.Boolean({
              default: false,
              description: 'Create a ServiceMonitor (needs the Prometheus Operator CRDs).',
            }),
            interval: Duration({ default: '30s', description: 'Scrape interval (default 30s).' }),
            scrapeTimeout: Duration({ default: '10s', description: 'Scrape timeout (default 10s).' }),
          },
          { default: {}, description: 'Prometheus Operator ServiceMonitor.' },
        ),
      },
      { default: {}, description: 'Metrics and scraping.' },
    ),
    config: Type.Optional(
      OpaqueObject({ description: 'Extra broker settings merged into config.toml, kept as given.' }),
    ),
    autoscaling: Type.Optional(Autoscaling('broker', ' Statecraft extension.')),
    pvcRetention: PvcRetention('the brokers'),
  },
  { description: 'Desired state of the Shazamq cluster.' },
);

export const ShazamqClusterStatusSchema = Type.Object(
  {
    phase: Type.Optional(
      StringEnum(['Pending', 'Creating', 'Running', 'Updating', 'Degraded', 'Failed'], {
        description: 'Summary: Pending, Creating, Running, Updating, Degraded or Failed.',
      }),
    ),
    replicas: Type.Optional(Type.Integer({ format: 'int32', description: 'Broker pods that exist.' })),
    readyReplicas: Type.Optional(Type.Integer({ format: 'int32', description: 'Broker pods that are ready.' })),
    selector: Type.Optional(
      Type.String({ description: 'Statecraft extension: label selector of the broker pods (scale subresource).' }),
    ),
    observedGeneration: ObservedGeneration(),
    conditions: Type.Optional(Conditions({ description: 'Observations of the cluster state (Ready, ...).' })),
    brokers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Type.Integer({ format: 'int32', description: 'Broker id (the pod ordinal).' }),
            pod: Type.String({ description: 'Name of the broker pod.' }),
            ready: Type.Boolean({ description: 'The broker pod is ready.' }),
            leader: Type.Optional(Type.Boolean({ description: 'This broker is the cluster controller.' })),
          },
          { description: 'One broker.' },
        ),
        { description: 'Every broker and its state.' },
      ),
    ),
  },
  { description: 'Observed state of the Shazamq cluster.' },
);

export const ShazamqClusterDefinition = defineKind({
  group: 'shazamq.io',
  version: 'v1alpha1',
  kind: 'ShazamqCluster',
  plural: 'shazamqclusters',
  singular: 'shazamqcluster',
  shortNames: ['sqc'],
  categories: ['statecraft'],
  description:
    'ShazamqCluster runs a Shazamq broker cluster: StatefulSet, Services, broker ConfigMap, optional tiered ' +
    'storage, Kafka mirroring, monitoring and autoscaling.',
  spec: ShazamqClusterSpecSchema,
  status: ShazamqClusterStatusSchema,
  printerColumns: [
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', description: 'Desired brokers.' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas', description: 'Ready brokers.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Summary of the cluster.' },
    { name: 'Version', type: 'string', jsonPath: '.spec.version', description: 'Shazamq version.' },
  ],
  scale: {
    specReplicasPath: '.spec.replicas',
    statusReplicasPath: '.status.replicas',
    labelSelectorPath: '.status.selector',
  },
});

export type ShazamqClusterSpec = Static<typeof ShazamqClusterSpecSchema>;
export type ShazamqClusterStatus = Static<typeof ShazamqClusterStatusSchema>;
export type ShazamqCluster = CustomResource<ShazamqClusterSpec, ShazamqClusterStatus>;

export function shazamqClusterSpecWithDefaults(spec: DeepPartial<ShazamqClusterSpec>): ShazamqClusterSpec {
  return specWithDefaults(ShazamqClusterDefinition, spec);
}
