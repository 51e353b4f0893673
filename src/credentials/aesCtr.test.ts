import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  CredentialError,
  decryptCredential,
  decryptCredentialBytes,
  encryptCredential,
  isPlausibleText,
} from './aesCtr.ts';
import { credentialFromSecret } from './credentialFromSecret.ts';

interface Vector {
  username: string;
  aesKey: string;
  plaintext: string;
  ivHex: string;
  binBase64: string;
}
const vectors: Vector[] = JSON.parse(
  readFileSync(new URL('../../test/fixtures/aes-ctr-vectors.json', import.meta.url), 'utf8'),
).vectors;

test('encrypts to the openssl-made compose-operator vectors byte for byte', () => {
  assert.ok(vectors.length >= 5);
  for (const v of vectors) {
    const bin = encryptCredential(v.plaintext, v.aesKey, Buffer.from(v.ivHex, 'hex'));
    assert.equal(bin.toString('base64'), v.binBase64, v.username);
  }
});

test('decrypts the vectors (including the 128-bit counter wrap)', () => {
  for (const v of vectors) {
    assert.equal(decryptCredential(Buffer.from(v.binBase64, 'base64'), v.aesKey), v.plaintext, v.username);
  }
});

test('random IVs: two encryptions differ but both decrypt', () => {
  const key = 'k'.repeat(32);
  const a = encryptCredential('secret', key);
  const b = encryptCredential('secret', key);
  assert.notDeepEqual(a, b);
  assert.equal(a.length, 16 + 6);
  assert.equal(decryptCredential(a, key), 'secret');
  assert.equal(decryptCredential(b, key), 'secret');
});

const errorCases: Array<[string, () => unknown, string, RegExp]> = [
  ['short key', () => encryptCredential('x', 'short'), 'ERR_CREDENTIAL_AES_KEY_LENGTH', /exactly 32 bytes.*got 5/],
  ['long key', () => decryptCredential(Buffer.alloc(20), 'k'.repeat(33)), 'ERR_CREDENTIAL_AES_KEY_LENGTH', /got 33/],
  [
    'multi-byte key counted in bytes',
    () => encryptCredential('x', 'ü'.repeat(32)),
    'ERR_CREDENTIAL_AES_KEY_LENGTH',
    /got 64/,
  ],
  [
    'value of only an IV',
    () => decryptCredential(Buffer.alloc(16), 'k'.repeat(32)),
    'ERR_CREDENTIAL_VALUE_TOO_SHORT',
    /16 bytes/,
  ],
  [
    'empty value',
    () => decryptCredentialBytes(Buffer.alloc(0), 'k'.repeat(32), 'mysql.bin'),
    'ERR_CREDENTIAL_VALUE_TOO_SHORT',
    /mysql\.bin is 0 bytes/,
  ],
  [
    'wrong key',
    () => decryptCredential(Buffer.from(vectors[0].binBase64, 'base64'), 'x'.repeat(32)),
    'ERR_CREDENTIAL_IMPLAUSIBLE_PLAINTEXT',
    /wrong AES key\?/,
  ],
];
for (const [name, fn, code, message] of errorCases) {
  test(`error: ${name} → ${code}`, () => {
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof CredentialError);
      assert.equal(err.code, code);
      assert.match(err.message, message);
      return true;
    });
  });
}

test('wrong-key detection never leaks the garbage or the key', () => {
  const key = 'y'.repeat(32);
  try {
    decryptCredential(Buffer.from(vectors[0].binBase64, 'base64'), key);
    assert.fail('expected an error');
  } catch (err) {
    assert.ok(!(err as Error).message.includes(key));
  }
});

test('isPlausibleText: printable UTF-8 yes, control bytes and invalid UTF-8 no', () => {
  assert.equal(isPlausibleText(Buffer.from('p@ss w0rd ünïcödé')), true);
  assert.equal(isPlausibleText(Buffer.from([0x61, 0x00])), false);
  assert.equal(isPlausibleText(Buffer.from([0x61, 0x0a])), false);
  assert.equal(isPlausibleText(Buffer.from([0xc3, 0x28])), false);
  assert.equal(isPlausibleText(Buffer.from([0xc2, 0x85])), false);
});

// Without a MAC the check is statistical: 12 random bytes pass as printable UTF-8 with a probability of about
// 1e-4, so the IV is fixed to keep this test deterministic.
test('wrong keys are caught for realistic password lengths (1000 keys, 12-byte password)', () => {
  const bin = encryptCredential('Passw0rd!abc', 'a'.repeat(32), Buffer.alloc(16, 7));
  let accepted = 0;
  for (let i = 0; i < 1000; i++) {
    const key = Buffer.alloc(32, i % 256);
    key.writeUInt32BE(i, 0);
    if (key.equals(Buffer.from('a'.repeat(32)))) continue;
    if (isPlausibleText(decryptCredentialBytes(bin, key))) accepted++;
  }
  assert.equal(accepted, 0);
});

test('credentialFromSecret reads base64 Secret data; the data key is the user name', () => {
  const v = vectors[0];
  assert.deepEqual(credentialFromSecret({ mysql: v.binBase64 }, 'mysql', v.aesKey, 'mysql-credentials'), {
    username: 'mysql',
    password: v.plaintext,
  });
  assert.throws(
    () => credentialFromSecret({ mysql: v.binBase64 }, 'replication', v.aesKey, 'mysql-credentials'),
    (err: CredentialError) =>
      err.code === 'ERR_CREDENTIAL_SECRET_KEY_MISSING' &&
      /mysql-credentials has no key 'replication'/.test(err.message),
  );
  assert.throws(
    () => credentialFromSecret({ mysql: v.binBase64 }, 'mysql', 'z'.repeat(32), 'mysql-credentials'),
    (err: CredentialError) =>
      err.code === 'ERR_CREDENTIAL_IMPLAUSIBLE_PLAINTEXT' && /mysql-credentials key 'mysql'/.test(err.message),
  );
});
