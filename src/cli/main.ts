/** The `statecraft` command: dispatches to one of commands/*. */
import { BuildError } from '../devcluster/build.ts';
import { UserError } from './command.ts';
import { commands } from './commands/index.ts';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: statecraft <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'statecraft <command> --help' for a command's options.",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`statecraft: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load()).run(rest);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (
      err instanceof UserError ||
      err instanceof BuildError ||
      code === 'ERR_KUBECONFIG' ||
      (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
    ) {
      console.error(`statecraft ${name}: ${(err as Error).message}`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
