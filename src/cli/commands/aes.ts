import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CredentialError, decryptCredential, encryptCredential } from '../../credentials/aesCtr.ts';
import type { Command } from '../command.ts';
import { UserError } from '../command.ts';

const USAGE = `usage: statecraft aes encrypt -k KEY -p PLAINTEXT (-u USERNAME | --stdout)
       statecraft aes decrypt -k KEY -f FILE

Credentials in compose-operator's format (IV(16) || AES-256-CTR ciphertext), the same files as its aes-tool.

  encrypt   write USERNAME.bin in the current directory (use it as Secret data key USERNAME),
            or with --stdout write the raw bytes to standard output instead
  decrypt   print the plaintext of FILE ('-' reads standard input)

  -k, --key KEY           the 32-byte AES key (the operator's aes-secret-key / AES_SECRET_KEY)
  -p, --plaintext TEXT    the password to encrypt
  -u, --username NAME     output file NAME.bin
      --stdout            write the encrypted bytes to standard output
  -f, --file FILE         the .bin file to decrypt`;

export const aesCommand: Command = {
  name: 'aes',
  summary: "encrypt/decrypt compose-operator credential files (aes-tool's flags)",
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        key: { type: 'string', short: 'k' },
        plaintext: { type: 'string', short: 'p' },
        username: { type: 'string', short: 'u' },
        stdout: { type: 'boolean' },
        file: { type: 'string', short: 'f' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const action = positionals[0];
    if (values.help || !action) {
      console.log(USAGE);
      return action ? 0 : 2;
    }
    if (!values.key) throw new UserError('AES key is required (-k/--key)');
    try {
      switch (action) {
        case 'encrypt': {
          if (values.plaintext === undefined) throw new UserError('plaintext is required (-p/--plaintext)');
          const bin = encryptCredential(values.plaintext, values.key);
          if (values.stdout) {
            process.stdout.write(bin);
            return 0;
          }
          if (!values.username) throw new UserError('username is required (-u/--username) unless --stdout is given');
          if (!/^[A-Za-z0-9._-]+$/.test(values.username)) {
            throw new UserError(`username '${values.username}' is not a valid Secret data key`);
          }
          const file = `${values.username}.bin`;
          writeFileSync(file, bin, { mode: 0o600 });
          console.error(`encrypted and saved to ${file}`);
          return 0;
        }
        case 'decrypt': {
          if (!values.file) throw new UserError('file is required (-f/--file)');
          const bin = values.file === '-' ? readFileSync(0) : readFile(values.file);
          console.log(decryptCredential(bin, values.key, values.file));
          return 0;
        }
        default:
          throw new UserError(`unknown aes action '${action}'\n${USAGE}`);
      }
    } catch (err) {
      if (err instanceof CredentialError) throw new UserError(err.message);
      throw err;
    }
  },
};

function readFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UserError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
