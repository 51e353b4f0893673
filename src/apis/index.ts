/**
 * Every kind Statecraft serves, in one place: controllers and tests import types, GVKs and schemas from here.
 */
import type { KindDefinition } from './crd.ts';
import { MusicServiceDefinition } from './musicservice.ts';
import { MysqlReplicationDefinition } from './mysqlreplication.ts';

export * from './crd.ts';
export * from './musicservice.ts';
export * from './mysqlreplication.ts';

/** The definition of every kind, in the order the CRDs are generated. */
export const kinds: readonly KindDefinition[] = [MusicServiceDefinition, MysqlReplicationDefinition];

/** The definition of `kind` in `apiVersion` (group/version), or undefined. */
export function kindDefinition(apiVersion: string, kind: string): KindDefinition | undefined {
  return kinds.find((k) => k.apiVersion === apiVersion && k.kind === kind);
}
