/**
 * music.mixcorp.org/v1 MusicService (seeds/musicservice-operator.md; upstream field list in
 * reference/seed-operators-upstream.md §A). Upstream applies its defaults in code; here they are CRD defaults, so
 * the stored object shows them. Statecraft extensions: `storage.recreateDeletesData`, `pvcRetention`,
 * `status.replicas`, `status.selector` (the last two serve the scale subresource).
 */
import { type Static, Type } from 'typebox';
import { type CustomResource, defineKind, specWithDefaults } from './crd.ts';
import {
  Autoscaling,
  Conditions,
  type DeepPartial,
  ObservedGeneration,
  PvcRetention,
  ResourceRequirements,
  StorageSize,
  StringEnum,
} from './schema.ts';

function Storage(what: string, defaultSize?: string) {
  return Type.Object(
    {
      size: StorageSize({
        description: `Size of each ${what} PersistentVolumeClaim, e.g. 50Gi.`,
        ...(defaultSize ? { default: defaultSize } : {}),
      }),
      updatePolicy: StringEnum(['Resize', 'Recreate'], {
        default: 'Resize',
        description:
          'How a size change reaches existing claims. Resize (default) expands them in place; a shrink is refused ' +
          'with a condition. Recreate rebuilds the StatefulSet and its claims, which deletes their data, so ' +
          'Statecraft only does it when recreateDeletesData is true.',
      }),
      recreateDeletesData: Type.Boolean({
        default: false,
        description:
          'Statecraft extension. Explicit opt-in for updatePolicy Recreate to delete and recreate the ' +
          `${what} claims (and their data) when the size changes. When false (default) such a change is refused ` +
          'with a condition and nothing is deleted.',
      }),
    },
    {
      description: `Persistent storage for the ${what} (one claim per pod).`,
      ...(defaultSize ? { default: {} } : {}),
    },
  );
}

const DatabaseSpec = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Deploy the MariaDB primary (and read replicas) for this service.' }),
    replicas: Type.Integer({
      format: 'int32',
      minimum: 0,
      maximum: 10,
      default: 0,
      description: 'Number of read replicas beside the primary (0–10). 0 removes the replicas and the read Service.',
    }),
    image: Type.String({
      minLength: 1,
      default: 'mariadb:10.11',
      description: 'MariaDB container image for the primary and the replicas.',
    }),
    storage: Storage('database instance', '10Gi'),
    rootPassword: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'MariaDB root password. Statecraft stores it in a Secret (never in a plain env value); when omitted a ' +
          'random password is generated into that Secret.',
      }),
    ),
    replication: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Configure the replicas to replicate from the primary.' }),
        gtid: Type.Boolean({
          default: true,
          description: 'Use GTID positions (MASTER_USE_GTID=slave_pos) rather than binlog file positions.',
        }),
      },
      { default: {}, description: 'Replication from the primary to the read replicas.' },
    ),
    autoscaling: Type.Optional(Autoscaling('database read replica')),
    backup: Type.Optional(
      Type.Object(
        {
          schedule: Type.String({
            maxLength: 128,
            description: 'Cron schedule of the backup CronJob {name}-db-backup, e.g. "0 3 * * *".',
            'x-kubernetes-validations': [
              {
                rule: "self.matches('^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|\\\\S+( \\\\S+){4})$')",
                message: 'must be a cron schedule with five fields such as "0 3 * * *" (or @daily, ...)',
              },
            ],
          }),
          retention: Type.Integer({
            minimum: 1,
            maximum: 1000,
            default: 7,
            description: 'How many backups the backup claim keeps; the oldest are deleted after each success.',
          }),
          size: Type.Optional(
            StorageSize({
              description: 'Size of the backup claim {name}-db-backup (default: the database storage size).',
            }),
          ),
        },
        {
          description:
            'Statecraft extension: scheduled logical backups of musicdb (from a healthy read replica, else the primary) into the claim {name}-db-backup, kept when the MusicService is deleted.',
        },
      ),
    ),
    highAvailability: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({
            description: 'Run a multi-primary Galera cluster instead of a primary with read replicas.',
          }),
        },
        { description: 'Galera multi-primary mode (upstream field; accepted and reported).' },
      ),
    ),
  },
  { description: 'The MariaDB database behind the service: one primary and optional read replicas.' },
);

export const MusicServiceSpecSchema = Type.Object(
  {
    replicas: Type.Integer({
      format: 'int32',
      minimum: 1,
      maximum: 100,
      description:
        'Number of music service pods (1–100). While autoscaling is set the HorizontalPodAutoscaler owns the count.',
    }),
    image: Type.String({ minLength: 1, description: 'Container image of the music streaming application.' }),
    port: Type.Integer({
      format: 'int32',
      minimum: 1,
      maximum: 65535,
      description: 'Port the application listens on; the Service exposes it and it is the container port.',
    }),
    storage: Storage('music data'),
    streaming: Type.Object(
      {
        bitrate: Type.String({
          maxLength: 16,
          description: 'Streaming bitrate passed to the app as STREAMING_BITRATE, in kbit/s with a k suffix: "320k".',
          'x-kubernetes-validations': [
            {
              rule: "self.matches('^[1-9][0-9]*k$')",
              message: 'must be a bitrate in kbit/s such as "320k" or "192k"',
            },
          ],
        }),
        maxConnections: Type.Integer({
          format: 'int32',
          minimum: 1,
          maximum: 10000,
          description: 'Maximum concurrent connections per pod (1–10000), passed as MAX_CONNECTIONS.',
        }),
      },
      { description: 'Streaming settings handed to the application.' },
    ),
    resources: Type.Optional(ResourceRequirements({ description: 'CPU and memory for the music service container.' })),
    autoscaling: Type.Optional(Autoscaling('music service')),
    database: Type.Optional(DatabaseSpec),
    pvcRetention: PvcRetention('the music service and its database'),
  },
  { description: 'Desired state of the music service and its database.' },
);

export const MusicServiceStatusSchema = Type.Object(
  {
    observedGeneration: ObservedGeneration(),
    desiredReplicas: Type.Optional(
      Type.Integer({ format: 'int32', description: 'Number of app pods the operator aims for.' }),
    ),
    readyReplicas: Type.Optional(Type.Integer({ format: 'int32', description: 'Number of app pods that are ready.' })),
    replicas: Type.Optional(
      Type.Integer({
        format: 'int32',
        description: 'Statecraft extension: number of app pods that currently exist (scale subresource).',
      }),
    ),
    selector: Type.Optional(
      Type.String({
        description: 'Statecraft extension: label selector of the app pods (scale subresource, for HPAs).',
      }),
    ),
    phase: Type.Optional(
      StringEnum(['Pending', 'Progressing', 'Available', 'Degraded', 'Failed'], {
        description: 'Summary of the service: Pending, Progressing, Available, Degraded or Failed.',
      }),
    ),
    lastReconcileTime: Type.Optional(
      Type.String({ format: 'date-time', description: 'When the operator last finished a reconcile.' }),
    ),
    lastError: Type.Optional(Type.String({ description: 'The last reconcile error, if the last pass failed.' })),
    conditions: Type.Optional(Conditions({ description: 'Observations of the service state.' })),
    database: Type.Optional(
      Type.Object(
        {
          phase: Type.Optional(
            StringEnum(['Pending', 'Progressing', 'Ready', 'Failed'], {
              description: 'Summary of the database: Pending, Progressing, Ready or Failed.',
            }),
          ),
          masterReady: Type.Optional(Type.Boolean({ description: 'The primary answers queries and accepts writes.' })),
          replicasReady: Type.Optional(
            Type.Integer({ format: 'int32', description: 'Number of read replicas that are replicating.' }),
          ),
          replicaEverCreated: Type.Optional(
            Type.Boolean({ description: 'A replica StatefulSet has existed at some point.' }),
          ),
          replicaLastSeen: Type.Optional(
            Type.String({ format: 'date-time', description: 'When replica pods were last observed.' }),
          ),
          replicaDeletionDetected: Type.Optional(
            Type.Boolean({ description: 'Replicas that existed have disappeared without a spec change.' }),
          ),
          lastBackup: Type.Optional(
            Type.String({
              format: 'date-time',
              description: 'Completion time of the last successful backup Job (spec.database.backup).',
            }),
          ),
          replicationReady: Type.Optional(
            Type.Boolean({
              description: "Every replica's IO and SQL threads run and its lag is under the limit.",
            }),
          ),
        },
        { description: 'Observed state of the database, read from the servers themselves.' },
      ),
    ),
  },
  { description: 'Observed state of the music service.' },
);

export const MusicServiceDefinition = defineKind({
  group: 'music.mixcorp.org',
  version: 'v1',
  kind: 'MusicService',
  plural: 'musicservices',
  singular: 'musicservice',
  categories: ['statecraft'],
  description:
    'MusicService runs a music streaming application as a StatefulSet, optionally with a MariaDB primary and ' +
    'GTID read replicas, autoscaling and persistent storage.',
  spec: MusicServiceSpecSchema,
  status: MusicServiceStatusSchema,
  printerColumns: [
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', description: 'Desired app replicas.' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas', description: 'Ready app replicas.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Summary of the service.' },
  ],
  scale: {
    specReplicasPath: '.spec.replicas',
    statusReplicasPath: '.status.replicas',
    labelSelectorPath: '.status.selector',
  },
});

export type MusicServiceSpec = Static<typeof MusicServiceSpecSchema>;
export type MusicServiceStatus = Static<typeof MusicServiceStatusSchema>;
export type MusicServiceDatabase = NonNullable<MusicServiceSpec['database']>;
export type MusicService = CustomResource<MusicServiceSpec, MusicServiceStatus>;

/** The spec with every CRD default filled in, as the API server stores it. */
export function musicServiceSpecWithDefaults(spec: DeepPartial<MusicServiceSpec>): MusicServiceSpec {
  return specWithDefaults(MusicServiceDefinition, spec);
}
