/**
 * The database Secrets: `{name}-db-root` and `{name}-db-replication`, their passwords generated once and kept.
 * Pure but for the CSPRNG. Passwords reach the servers only through these Secrets, never a plain value.
 */
import { randomBytes } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import type { MusicService } from '../../apis/musicservice.ts';
import { childMeta, childNames, REPLICATION_USER } from './children.ts';

/** 32 hex characters from the CSPRNG (as upstream's replication password). */
export const generatePassword = (): string => randomBytes(16).toString('hex');

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);

/** A key of an existing Secret, decoded. */
export function secretValue(secret: V1Secret | undefined, key: string): string | undefined {
  return unb64(secret?.data?.[key]);
}

// `data`, not `stringData`: the API server returns only `data`, so the applied object compares equal to the
// observed one and a converged Secret costs no write.
function secret(ms: MusicService, name: string, values: Record<string, string>): V1Secret {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) data[k] = b64(v);
  return { apiVersion: 'v1', kind: 'Secret', metadata: childMeta(ms, name, 'database'), type: 'Opaque', data };
}

/**
 * Secret `{name}-db-replication` (`username`, `password`): the password is generated once and kept for the
 * instance's life — rotating it would break every running replica's connection settings.
 */
export function buildReplicationSecret(
  ms: MusicService,
  observed: V1Secret | undefined,
  generate: () => string = generatePassword,
): V1Secret {
  const password = secretValue(observed, 'password') || generate();
  return secret(ms, childNames(ms.metadata.name!).replicationSecret, { username: REPLICATION_USER, password });
}

/**
 * Secret `{name}-db-root` (`password`): the servers read it at first start (never a plain env value). Filled from
 * spec.database.rootPassword when given, otherwise generated once and kept. When spec.database.rootPassword
 * changes, the password the servers still have is kept as `previous`: the database step logs in with it and
 * changes the servers' root password to the new one (servers read the Secret only when they initialise).
 */
export function buildRootSecret(
  ms: MusicService,
  observed: V1Secret | undefined,
  generate: () => string = generatePassword,
): V1Secret {
  const current = secretValue(observed, 'password');
  const password = ms.spec.database?.rootPassword || current || generate();
  const previous = current && current !== password ? current : secretValue(observed, 'previous');
  return secret(ms, childNames(ms.metadata.name!).rootSecret, {
    password,
    ...(previous && previous !== password ? { previous } : {}),
  });
}
