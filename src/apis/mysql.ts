/**
 * operators.example.com/v1alpha1 MySQL (short name mysql): the single MySQL instance with scheduled backups from
 * seeds/mysql-operator-tutorial.md. The tutorial's CRD validates nothing; here the fields its controller needs are
 * required and the values checked.
 */
import { type Static, Type } from 'typebox';
import { type CustomResource, defineKind, specWithDefaults } from './crd.ts';
import { Conditions, type DeepPartial, ObservedGeneration, StorageSize } from './schema.ts';

/** A MySQL identifier: letters, digits, _ and $, at most 64 characters (32 for user names). */
const identifier = (maxLength: number, description: string) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9_$]+$', description });

export const MySQLSpecSchema = Type.Object(
  {
    databaseName: identifier(64, 'Name of the database created on first start (MYSQL_DATABASE).'),
    databaseUser: identifier(32, 'Application user created with access to that database (MYSQL_USER).'),
    storageSize: Type.Optional(StorageSize({ description: 'Size of the data PersistentVolumeClaim, e.g. 10Gi.' })),
    backupSchedule: Type.Optional(
      Type.String({
        maxLength: 128,
        description: 'Cron schedule of the backup CronJob, e.g. "0 2 * * *"; no backups when omitted.',
        'x-kubernetes-validations': [
          {
            rule: "self.matches('^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|\\\\S+( \\\\S+){4})$')",
            message: 'must be a cron schedule with five fields such as "0 2 * * *" (or @daily, ...)',
          },
        ],
      }),
    ),
    backupRetention: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000,
        description:
          'Statecraft extension: how many backups the backup claim keeps (the oldest are deleted after each successful backup); default 7.',
      }),
    ),
    mysqlVersion: Type.String({
      minLength: 1,
      maxLength: 64,
      default: '8.0',
      pattern: '^[0-9A-Za-z._-]+$',
      description:
        'MySQL image tag, e.g. "8.0" (default 8.0). Upgrades roll the server; a version older than the one the data directory has run is refused (condition VersionAccepted=False) and the server keeps its version.',
    }),
  },
  { description: 'Desired MySQL instance.' },
);

export const MySQLStatusSchema = Type.Object(
  {
    phase: Type.Optional(Type.String({ description: 'Summary of the instance, e.g. Ready.' })),
    message: Type.Optional(Type.String({ description: 'Human-readable detail of the phase.' })),
    lastBackup: Type.Optional(
      Type.String({
        description: 'Completion time of the last successful backup Job (RFC 3339); unset until one succeeded.',
      }),
    ),
    observedGeneration: ObservedGeneration(),
    conditions: Type.Optional(Conditions({ description: 'Observations of the instance state.' })),
  },
  { description: 'Observed state of the instance.' },
);

export const MySQLDefinition = defineKind({
  group: 'operators.example.com',
  version: 'v1alpha1',
  kind: 'MySQL',
  plural: 'mysqls',
  singular: 'mysql',
  shortNames: ['mysql'],
  categories: ['statecraft'],
  description:
    'MySQL runs one MySQL instance with its Service, root Secret, data volume and an optional backup CronJob.',
  spec: MySQLSpecSchema,
  status: MySQLStatusSchema,
  printerColumns: [
    { name: 'Database', type: 'string', jsonPath: '.spec.databaseName', description: 'Database name.' },
    { name: 'Version', type: 'string', jsonPath: '.spec.mysqlVersion', description: 'MySQL version.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Summary of the instance.' },
  ],
});

export type MySQLSpec = Static<typeof MySQLSpecSchema>;
export type MySQLStatus = Static<typeof MySQLStatusSchema>;
export type MySQL = CustomResource<MySQLSpec, MySQLStatus>;

export function mySQLSpecWithDefaults(spec: DeepPartial<MySQLSpec>): MySQLSpec {
  return specWithDefaults(MySQLDefinition, spec);
}
