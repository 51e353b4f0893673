import type { Command } from '../command.ts';

/** A subcommand as listed by `statecraft --help`; its module is imported only when it runs. */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

/**
 * Every `statecraft` subcommand. Add new ones here. Commands are imported lazily so `statecraft run` loads only
 * what the operator needs (`cluster` and `dev` pull in @kubernetes/client-node and the dev cluster, ~80 MB of RSS).
 * `name` and `summary` repeat the command's own (a unit test checks they match).
 */
export const commands: CommandEntry[] = [
  {
    name: 'aes',
    summary: "encrypt/decrypt compose-operator credential files (aes-tool's flags)",
    load: async () => (await import('./aes.ts')).aesCommand,
  },
  {
    name: 'backup',
    summary: 'take, list or restore a logical MySQL/MariaDB backup (run by the MySQL kind backup CronJob)',
    load: async () => (await import('./backup.ts')).backupCommand,
  },
  {
    name: 'cluster',
    summary: 'run a local Kubernetes control plane (up, down, status)',
    load: async () => (await import('./cluster.ts')).clusterCommand,
  },
  {
    name: 'crds',
    summary:
      "print every CustomResourceDefinition Statecraft serves as YAML (pipe to 'kubectl apply --server-side -f -')",
    load: async () => (await import('./crds.ts')).crdsCommand,
  },
  {
    name: 'dev',
    summary: 'local cluster + CRDs + the operator + the seed samples, in one command',
    load: async () => (await import('./dev.ts')).devCommand,
  },
  {
    name: 'status',
    summary: 'show Statecraft CRs: topology nodes, roles, lag, Services, replicas, conditions, events',
    load: async () => (await import('./status.ts')).statusCommand,
  },
  {
    name: 'ui',
    summary: 'serve the live web view of every Statecraft CR (topology diagrams) against the current kubeconfig',
    load: async () => (await import('./ui.ts')).uiCommand,
  },
  {
    name: 'run',
    summary: 'run the operator (all controllers) against the current kubeconfig or in-cluster config',
    load: async () => (await import('./run.ts')).runCommand,
  },
];
