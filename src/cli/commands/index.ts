import type { Command } from '../command.ts';
import { clusterCommand } from './cluster.ts';
import { crdsCommand } from './crds.ts';
import { devCommand } from './dev.ts';

/** Every `statecraft` subcommand. Add new ones here. */
export const commands: Command[] = [clusterCommand, crdsCommand, devCommand];
