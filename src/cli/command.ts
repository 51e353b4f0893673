import { StatecraftError } from '../runtime/errors.ts';

/** One `statecraft <name>` subcommand. Each lives in its own file under commands/ and is listed in commands/index.ts. */
export interface Command {
  name: string;
  summary: string;
  /** argv after the command name; resolves to the process exit code */
  run(argv: string[]): Promise<number>;
}

/** An error whose message is meant for the user as is: printed without a stack trace, exit code 1. */
export class UserError extends StatecraftError {
  constructor(message: string) {
    super('ERR_CLI_USAGE', message);
  }
}
