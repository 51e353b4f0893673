/**
 * streambus.io/v1alpha1 StreamBusCluster (short names sbc, streambus): a StreamBus broker cluster
 * (seeds/streambus-operator.md; upstream defaults in reference/seed-operators-upstream.md §C). The README's richer
 * security, multiTenancy and observability shapes are the contract. Statecraft extensions: `autoscaling`,
 * `pvcRetention`, `status.selector`.
 */
import { type Static, Type } from 'typebox';
import { type CustomResource, defineKind, specWithDefaults } from './crd.ts';
import {
  Affinity,
  Autoscaling,
  Conditions,
  type DeepPartial,
  Duration,
  ObjectName,
  ObservedGeneration,
  Port,
  PullPolicy,
  PvcRetention,
  ResourceRequirements,
  StorageSize,
  StringEnum,
  StringMap,
  Tolerations,
} from './schema.ts';

function Quotas(description: string) {
  const limit = (what: string) =>
    Type.Optional(Type.Integer({ format: 'int64', minimum: 0, description: `Maximum ${what}.` }));
  return Type.Object(
    {
      maxTopics: limit('number of topics'),
      maxPartitionsPerTopic: limit('partitions per topic'),
      maxConnections: limit('concurrent connections'),
      maxBandwidthMBps: limit('bandwidth in MB/s'),
      maxStorageGB: limit('storage in GB'),
      maxMessagesPerSecond: limit('messages per second'),
    },
    { description },
  );
}

const AuthMethod = (description: string) => StringEnum(['mtls', 'jwt'], { description });

export const StreamBusClusterSpecSchema = Type.Object(
  {
    replicas: Type.Integer({
      format: 'int32',
      minimum: 1,
      default: 3,
      description: 'Number of brokers (default 3). While autoscaling is set the HorizontalPodAutoscaler owns it.',
    }),
    version: Type.Optional(Type.String({ description: 'StreamBus version, informational; the image tag decides.' })),
    image: Type.Object(
      {
        repository: Type.String({
          minLength: 1,
          default: 'streambus/broker',
          description: 'Broker image repository (default streambus/broker).',
        }),
        tag: Type.Optional(Type.String({ description: 'Image tag, e.g. v0.6.0. Changing it rolls the brokers.' })),
        pullPolicy: Type.Optional(PullPolicy({ description: 'Image pull policy.' })),
        pullSecrets: Type.Optional(
          Type.Array(Type.String(), { description: 'Names of Secrets used to pull the image.' }),
        ),
      },
      { default: {}, description: 'Broker container image.' },
    ),
    resources: ResourceRequirements({
      default: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2000m', memory: '2Gi' } },
      description: 'CPU and memory of each broker (default requests 500m/512Mi, limits 2000m/2Gi).',
    }),
    storage: Type.Object(
      {
        class: Type.String({ default: 'standard', description: 'StorageClass of both claims (default standard).' }),
        size: StorageSize({ default: '10Gi', description: 'Size of the data claim (default 10Gi).' }),
        raftSize: StorageSize({ default: '5Gi', description: 'Size of the Raft log claim (default 5Gi).' }),
      },
      { default: {}, description: 'Persistent storage: a data claim and a Raft log claim per broker.' },
    ),
    config: Type.Object(
      {
        logLevel: StringEnum(['debug', 'info', 'warn', 'error'], {
          default: 'info',
          description: 'Broker log level (default info).',
        }),
        port: Port({ default: 9092, description: 'Client protocol port (default 9092).' }),
        httpPort: Port({ default: 8081, description: 'HTTP port for health and metrics (default 8081).' }),
        grpcPort: Port({ default: 9093, description: 'gRPC port (default 9093).' }),
      },
      {
        default: {},
        description: 'Broker configuration.',
        'x-kubernetes-validations': [
          {
            rule: 'self.port != self.httpPort && self.port != self.grpcPort && self.httpPort != self.grpcPort',
            message: 'port, httpPort and grpcPort must all differ (7000 is the Raft port)',
          },
          {
            rule: 'self.port != 7000 && self.httpPort != 7000 && self.grpcPort != 7000',
            message: 'port 7000 is reserved for Raft',
          },
        ],
      },
    ),
    security: Type.Optional(
      Type.Object(
        {
          tls: Type.Optional(
            Type.Object(
              {
                enabled: Type.Boolean({ default: false, description: 'Serve clients and peers over TLS.' }),
                certSecretName: Type.Optional(
                  ObjectName({ description: 'kubernetes.io/tls Secret with the broker certificate and key.' }),
                ),
                caSecretName: Type.Optional(ObjectName({ description: 'Secret with the CA (ca.crt) clients use.' })),
                clientAuthRequired: Type.Optional(
                  Type.Boolean({ description: 'Require client certificates (mutual TLS).' }),
                ),
              },
              {
                description: 'TLS settings.',
                'x-kubernetes-validations': [
                  {
                    rule: '!self.enabled || has(self.certSecretName)',
                    message: 'certSecretName is required when TLS is enabled',
                    fieldPath: '.certSecretName',
                  },
                ],
              },
            ),
          ),
          authentication: Type.Optional(
            Type.Object(
              {
                enabled: Type.Boolean({ default: false, description: 'Require client authentication.' }),
                method: Type.Optional(AuthMethod('Primary authentication method: mtls or jwt.')),
                allowedMethods: Type.Optional(
                  Type.Array(AuthMethod('An authentication method.'), {
                    maxItems: 2,
                    description: 'Every method clients may use.',
                  }),
                ),
              },
              { description: 'Client authentication.' },
            ),
          ),
          authorization: Type.Optional(
            Type.Object(
              {
                enabled: Type.Boolean({ default: false, description: 'Enforce access control.' }),
                defaultPolicy: Type.Optional(
                  StringEnum(['allow', 'deny'], { description: 'Decision when no rule matches: allow or deny.' }),
                ),
              },
              { description: 'Authorization.' },
            ),
          ),
        },
        { description: 'TLS, authentication and authorization.' },
      ),
    ),
    multiTenancy: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({ default: false, description: 'Turn on tenant isolation and quotas.' }),
          isolation: Type.Optional(
            Type.Object(
              {
                networkPolicies: Type.Optional(
                  Type.Boolean({ description: 'Create a NetworkPolicy for the brokers.' }),
                ),
                resourceQuotas: Type.Optional(
                  Type.Boolean({ description: 'Create a ResourceQuota in the namespace.' }),
                ),
                rateLimiting: Type.Optional(Type.Boolean({ description: 'Enforce per-tenant rate limits.' })),
              },
              { description: 'Isolation mechanisms.' },
            ),
          ),
          defaultQuotas: Type.Optional(Quotas('Quotas of every tenant without an override.')),
          tenantOverrides: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  tenantId: Type.String({ minLength: 1, maxLength: 253, description: 'The tenant.' }),
                  quotas: Quotas('Quotas replacing the defaults for this tenant.'),
                },
                { description: 'Quotas for one tenant.' },
              ),
              {
                maxItems: 256,
                description: 'Per-tenant quota overrides; tenant ids must be unique.',
                'x-kubernetes-validations': [
                  {
                    rule: 'self.all(x, self.exists_one(y, y.tenantId == x.tenantId))',
                    message: 'tenantId values must be unique',
                  },
                ],
              },
            ),
          ),
        },
        { description: 'Multi-tenancy: isolation and quotas.' },
      ),
    ),
    observability: Type.Optional(
      Type.Object(
        {
          metrics: Type.Optional(
            Type.Object(
              {
                enabled: Type.Boolean({ default: true, description: 'Expose Prometheus metrics.' }),
                serviceMonitor: Type.Optional(
                  Type.Boolean({ description: 'Create a ServiceMonitor (needs the Prometheus Operator CRDs).' }),
                ),
                interval: Type.Optional(Duration({ description: 'Scrape interval, e.g. 30s.' })),
                perTenantMetrics: Type.Optional(Type.Boolean({ description: 'Label metrics by tenant.' })),
              },
              { description: 'Metrics.' },
            ),
          ),
          tracing: Type.Optional(
            Type.Object(
              {
                enabled: Type.Boolean({ default: false, description: 'Export traces.' }),
                endpoint: Type.Optional(Type.String({ description: 'OTLP collector address host:port.' })),
                samplingRate: Type.Optional(
                  Type.Number({ minimum: 0, maximum: 1, description: 'Fraction of requests traced, 0–1.' }),
                ),
                includeTenantId: Type.Optional(Type.Boolean({ description: 'Add the tenant id to spans.' })),
              },
              {
                description: 'Distributed tracing.',
                'x-kubernetes-validations': [
                  {
                    rule: '!self.enabled || has(self.endpoint)',
                    message: 'endpoint is required when tracing is enabled',
                    fieldPath: '.endpoint',
                  },
                ],
              },
            ),
          ),
          logging: Type.Optional(
            Type.Object(
              {
                level: Type.Optional(
                  StringEnum(['debug', 'info', 'warn', 'error'], { description: 'Log level of the broker.' }),
                ),
                format: Type.Optional(StringEnum(['json', 'text'], { description: 'Log format: json or text.' })),
                includeTenantContext: Type.Optional(Type.Boolean({ description: 'Add tenant fields to log lines.' })),
                auditLog: Type.Optional(
                  Type.Object(
                    {
                      enabled: Type.Boolean({ default: false, description: 'Write an audit log.' }),
                      level: Type.Optional(Type.String({ description: 'Audit detail level, e.g. basic or detailed.' })),
                    },
                    { description: 'Audit logging.' },
                  ),
                ),
              },
              { description: 'Logging.' },
            ),
          ),
        },
        { description: 'Metrics, tracing and logging.' },
      ),
    ),
    affinity: Type.Optional(
      Affinity({ description: 'Scheduling affinity of the broker pods; a soft anti-affinity when omitted.' }),
    ),
    tolerations: Type.Optional(Tolerations({ description: 'Taints the broker pods tolerate.' })),
    nodeSelector: Type.Optional(StringMap({ description: 'Node labels the broker pods must be scheduled on.' })),
    podAnnotations: Type.Optional(StringMap({ description: 'Annotations added to the broker pods.' })),
    podLabels: Type.Optional(
      StringMap({
        description: "Labels added to the broker pods (they never replace the operator's selector labels).",
      }),
    ),
    autoscaling: Type.Optional(Autoscaling('broker', ' Statecraft extension.')),
    pvcRetention: PvcRetention('the brokers (data and raft-data)'),
  },
  { description: 'Desired state of the StreamBus cluster.' },
);

export const StreamBusClusterStatusSchema = Type.Object(
  {
    phase: Type.Optional(
      StringEnum(['Pending', 'Creating', 'Running', 'Updating', 'Degraded', 'Failed'], {
        description: 'Summary: Pending, Creating, Running, Updating, Degraded or Failed.',
      }),
    ),
    conditions: Type.Optional(Conditions({ description: 'Observations of the cluster state (Ready, ...).' })),
    replicas: Type.Optional(Type.Integer({ format: 'int32', description: 'Broker pods that exist.' })),
    readyReplicas: Type.Optional(Type.Integer({ format: 'int32', description: 'Broker pods that are ready.' })),
    selector: Type.Optional(
      Type.String({ description: 'Statecraft extension: label selector of the broker pods (scale subresource).' }),
    ),
    observedGeneration: ObservedGeneration(),
    endpoints: Type.Optional(
      Type.Array(Type.String(), {
        description: 'Broker addresses, e.g. broker-0.<name>-headless.<namespace>.svc:9092.',
      }),
    ),
  },
  { description: 'Observed state of the StreamBus cluster.' },
);

export const StreamBusClusterDefinition = defineKind({
  group: 'streambus.io',
  version: 'v1alpha1',
  kind: 'StreamBusCluster',
  plural: 'streambusclusters',
  singular: 'streambuscluster',
  shortNames: ['sbc', 'streambus'],
  categories: ['statecraft'],
  description:
    'StreamBusCluster runs a StreamBus broker cluster with Raft: StatefulSet, Services, broker configuration, ' +
    'TLS/authentication, multi-tenancy and observability.',
  spec: StreamBusClusterSpecSchema,
  status: StreamBusClusterStatusSchema,
  printerColumns: [
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', description: 'Desired brokers.' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas', description: 'Ready brokers.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Summary of the cluster.' },
  ],
  scale: {
    specReplicasPath: '.spec.replicas',
    statusReplicasPath: '.status.replicas',
    labelSelectorPath: '.status.selector',
  },
});

export type StreamBusClusterSpec = Static<typeof StreamBusClusterSpecSchema>;
export type StreamBusClusterStatus = Static<typeof StreamBusClusterStatusSchema>;
export type StreamBusCluster = CustomResource<StreamBusClusterSpec, StreamBusClusterStatus>;

export function streamBusClusterSpecWithDefaults(spec: DeepPartial<StreamBusClusterSpec>): StreamBusClusterSpec {
  return specWithDefaults(StreamBusClusterDefinition, spec);
}
