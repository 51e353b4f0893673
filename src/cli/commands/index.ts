import type { Command } from '../command.ts';
import { aesCommand } from './aes.ts';
import { clusterCommand } from './cluster.ts';
import { crdsCommand } from './crds.ts';
import { devCommand } from './dev.ts';
import { runCommand } from './run.ts';

/** Every `statecraft` subcommand. Add new ones here. */
export const commands: Command[] = [aesCommand, clusterCommand, crdsCommand, devCommand, runCommand];
