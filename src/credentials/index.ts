/** compose-operator-compatible credentials: AES-256-CTR `.bin` values and Secret reading. */
export {
  aesKeyBytes,
  CredentialError,
  type CredentialErrorCode,
  decryptCredential,
  decryptCredentialBytes,
  encryptCredential,
  isPlausibleText,
} from './aesCtr.ts';
export { type Credential, credentialFromSecret } from './credentialFromSecret.ts';
