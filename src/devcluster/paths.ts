import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where built binaries live: outside the repository, shared by every checkout and run on this machine.
 * `STATECRAFT_CACHE_DIR` overrides it (CI and tests may point it elsewhere).
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STATECRAFT_CACHE_DIR) return env.STATECRAFT_CACHE_DIR;
  const xdg = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'statecraft');
}

/** `<cache>/bin/<component>-<version>/` */
export function binDir(component: string, version: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'bin', `${component}-${version}`);
}

/**
 * The default directory of the local cluster: one fixed place per user, so `cluster down` finds what `cluster up`
 * started without being told. `STATECRAFT_CLUSTER_DIR` overrides it.
 */
export function defaultClusterDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STATECRAFT_CLUSTER_DIR) return env.STATECRAFT_CLUSTER_DIR;
  const xdg = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(xdg, 'statecraft', 'cluster');
}
