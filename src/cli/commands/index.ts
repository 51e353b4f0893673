import type { Command } from '../command.ts';
import { aesCommand } from './aes.ts';
import { clusterCommand } from './cluster.ts';
import { devCommand } from './dev.ts';

/** Every `statecraft` subcommand. Add new ones here. */
export const commands: Command[] = [aesCommand, clusterCommand, devCommand];
