/**
 * compose-operator credential values: `IV (16 random bytes) || AES-256-CTR(plaintext)`, key = the 32 raw bytes of
 * the key string, the IV being the initial 128-bit big-endian counter block (what `openssl enc -aes-256-ctr` and
 * Go's cipher.NewCTR do). No padding, no MAC, no KDF: byte-compatible with upstream's aes-tool and Secrets.
 *
 * Because CTR has no integrity, a wrong key "decrypts" to garbage without any error. Passwords are text, so
 * `decryptCredential` rejects plaintext that is not printable UTF-8 and says "wrong AES key?" instead of handing
 * garbage to a database login (where it would surface as a confusing ACCESS_DENIED).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { StatecraftError } from '../runtime/errors.ts';

export const IV_LENGTH = 16;
export const KEY_LENGTH = 32;

export type CredentialErrorCode =
  | 'ERR_CREDENTIAL_AES_KEY_LENGTH'
  | 'ERR_CREDENTIAL_VALUE_TOO_SHORT'
  | 'ERR_CREDENTIAL_IMPLAUSIBLE_PLAINTEXT'
  | 'ERR_CREDENTIAL_SECRET_KEY_MISSING';

/** A credential could not be encrypted or decrypted. The message never contains the key or the plaintext. */
export class CredentialError extends StatecraftError {
  declare readonly code: CredentialErrorCode;
  constructor(code: CredentialErrorCode, message: string) {
    super(code, message);
  }
}

/** The AES key as raw bytes; `what` names where it came from (e.g. `Secret aes-secret-key key AES_SECRET_KEY`). */
export function aesKeyBytes(key: string | Uint8Array, what = 'AES key'): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (bytes.length !== KEY_LENGTH) {
    throw new CredentialError(
      'ERR_CREDENTIAL_AES_KEY_LENGTH',
      `${what} must be exactly ${KEY_LENGTH} bytes for AES-256, got ${bytes.length}`,
    );
  }
  return bytes;
}

/** Encrypts `plaintext` into the compose-operator `.bin` format. `iv` is random unless given (tests). */
export function encryptCredential(plaintext: string | Uint8Array, key: string | Uint8Array, iv?: Uint8Array): Buffer {
  const k = aesKeyBytes(key);
  const counter = iv ? Buffer.from(iv) : randomBytes(IV_LENGTH);
  if (counter.length !== IV_LENGTH) throw new RangeError(`IV must be ${IV_LENGTH} bytes, got ${counter.length}`);
  const cipher = createCipheriv('aes-256-ctr', k, counter);
  const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : Buffer.from(plaintext);
  return Buffer.concat([counter, cipher.update(data), cipher.final()]);
}

/** Decrypts a `.bin` value to raw bytes, with no plausibility check (what upstream does). */
export function decryptCredentialBytes(value: Uint8Array, key: string | Uint8Array, what = 'value'): Buffer {
  const k = aesKeyBytes(key);
  if (value.length <= IV_LENGTH) {
    throw new CredentialError(
      'ERR_CREDENTIAL_VALUE_TOO_SHORT',
      `${what} is ${value.length} bytes; it must hold a ${IV_LENGTH}-byte IV followed by at least one byte of ciphertext`,
    );
  }
  const buf = Buffer.from(value);
  const decipher = createDecipheriv('aes-256-ctr', k, buf.subarray(0, IV_LENGTH));
  return Buffer.concat([decipher.update(buf.subarray(IV_LENGTH)), decipher.final()]);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** True when `bytes` is valid UTF-8 without control characters (C0, DEL, C1) — what any real password looks like. */
export function isPlausibleText(bytes: Uint8Array): boolean {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return false;
  }
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0xfffd) return false;
  }
  return true;
}

/**
 * Decrypts a `.bin` value to its text. Throws CredentialError: AES_KEY_LENGTH, VALUE_TOO_SHORT, or
 * IMPLAUSIBLE_PLAINTEXT when the result is not printable text (almost certainly a wrong key or a tampered value).
 */
export function decryptCredential(value: Uint8Array, key: string | Uint8Array, what = 'value'): string {
  const bytes = decryptCredentialBytes(value, key, what);
  if (!isPlausibleText(bytes)) {
    throw new CredentialError(
      'ERR_CREDENTIAL_IMPLAUSIBLE_PLAINTEXT',
      `${what} decrypts to non-printable bytes: wrong AES key? (or the value was not made by aes-tool)`,
    );
  }
  return bytes.toString('utf8');
}
