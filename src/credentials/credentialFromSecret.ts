import { CredentialError, decryptCredential } from './aesCtr.ts';

/** A database login: compose-operator uses the Secret's data key as the user name. */
export interface Credential {
  username: string;
  password: string;
}

/**
 * Reads one login from a compose-operator credentials Secret's `data` (base64 values as the API returns them):
 * the data key is the user name, its value the encrypted password. `secretName` only serves error messages.
 */
export function credentialFromSecret(
  data: Record<string, string> | undefined,
  username: string,
  aesKey: string | Uint8Array,
  secretName: string,
): Credential {
  const encoded = data?.[username];
  if (encoded === undefined) {
    throw new CredentialError('ERR_CREDENTIAL_SECRET_KEY_MISSING', `Secret ${secretName} has no key '${username}'`);
  }
  const password = decryptCredential(Buffer.from(encoded, 'base64'), aesKey, `Secret ${secretName} key '${username}'`);
  return { username, password };
}
