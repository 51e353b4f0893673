import { type Credential, CredentialError, credentialFromSecret } from '../../credentials/index.ts';
import type { GroupVersionKind, KubeObject } from '../../runtime/index.ts';
import { type ObjectSource, readerOf } from './reader.ts';

const SECRET: GroupVersionKind = { apiVersion: 'v1', kind: 'Secret' };
type SecretObject = KubeObject & { data?: Record<string, string> };

/** The part of a compose CR that says where its credentials are. */
export interface ComposeSecretRefs {
  metadata: { namespace?: string };
  spec: { secret: { name: string }; aesSecret?: { name?: string; key?: string } };
}

/** The AES key Secret a CR reads (compose-operator's defaults: `aes-secret-key`, key `AES_SECRET_KEY`). */
export const aesSecretOf = (cr: ComposeSecretRefs) => ({
  name: cr.spec.aesSecret?.name ?? 'aes-secret-key',
  key: cr.spec.aesSecret?.key ?? 'AES_SECRET_KEY',
});

/** The Secrets a compose CR reads: watch these to react when credentials appear or change. */
export const secretsOf = (cr: ComposeSecretRefs) => [cr.spec.secret.name, aesSecretOf(cr).name];

/**
 * Decrypts the logins a compose CR names (`users`: the credential Secret's data keys, which are also the user
 * names) with the AES key from its key Secret, reading both from the cache (controllers) or the API (`statecraft status
 * --live`). Throws CredentialError naming the
 * Secret and key that is missing; ERR_CREDENTIAL_IMPLAUSIBLE_PLAINTEXT means the AES key is wrong.
 */
export async function readComposeCredentials<U extends string>(
  from: ObjectSource,
  cr: ComposeSecretRefs,
  users: Record<U, string>,
): Promise<Record<U, Credential>> {
  const reader = readerOf(from);
  const ns = cr.metadata.namespace;
  const aes = aesSecretOf(cr);
  const aesSecret = await reader.get<SecretObject>(SECRET, ns, aes.name);
  if (!aesSecret)
    throw new CredentialError('ERR_CREDENTIAL_SECRET_KEY_MISSING', `AES key Secret ${aes.name} not found`);
  const keyB64 = aesSecret.data?.[aes.key];
  if (keyB64 === undefined)
    throw new CredentialError('ERR_CREDENTIAL_SECRET_KEY_MISSING', `Secret ${aes.name} has no key '${aes.key}'`);
  const key = Buffer.from(keyB64, 'base64');
  const name = cr.spec.secret.name;
  const secret = await reader.get<SecretObject>(SECRET, ns, name);
  if (!secret) throw new CredentialError('ERR_CREDENTIAL_SECRET_KEY_MISSING', `credentials Secret ${name} not found`);
  const out = {} as Record<U, Credential>;
  for (const [role, user] of Object.entries(users) as [U, string][]) {
    out[role] = credentialFromSecret(secret.data, user, key, name);
  }
  return out;
}

/** The condition reason for a credential failure: a wrong AES key, or a Secret / key that is missing. */
export const credentialFailureReason = (err: unknown): 'WrongAesKey' | 'CredentialsUnavailable' =>
  err instanceof CredentialError && err.code === 'ERR_CREDENTIAL_IMPLAUSIBLE_PLAINTEXT'
    ? 'WrongAesKey'
    : 'CredentialsUnavailable';
