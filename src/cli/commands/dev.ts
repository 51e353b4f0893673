import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { parseAllDocuments } from 'yaml';
import { installCrds } from '../../apis/install.ts';
import { controllers } from '../../controllers/index.ts';
import { clusterUp, kubectlApply } from '../../devcluster/cluster.ts';
import { defaultClusterDir } from '../../devcluster/paths.ts';
import { Manager } from '../../runtime/index.ts';
import type { Command } from '../command.ts';
import { type FixtureCredentials, sampleFixtures } from '../dev/sampleFixtures.ts';

const run = promisify(execFile);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CRD_DIR = join(REPO, 'deploy', 'crds');
export const SAMPLES_DIR = join(REPO, 'samples');
/** Samples that are patches to other samples, not objects: printed as a next step instead of applied. */
const PATCH_SAMPLES = ['compose-mysqlreplication-switchover-patch.yaml'];

const HELP = `usage: statecraft dev [--dir DIR] [--exit-after SECONDS]

Brings up the local cluster (building it on first use), installs Statecraft's CRDs, runs the operator with every
controller in this process, creates what the seed samples expect (Secrets, namespace, labelled nodes, the MariaDB
pods the MysqlReplication sample manages) and applies the samples. Then prints each custom resource's phase as it
changes, until Ctrl-C (or --exit-after). Operator logs go to DIR/logs/operator.log.`;

/** Every object in the YAML files of a directory (sorted by file name). */
export async function readManifests(dir: string, skip: string[] = []): Promise<Record<string, unknown>[]> {
  const files = (await readdir(dir).catch(() => [] as string[]))
    .filter((f) => /\.ya?ml$/.test(f) && !skip.includes(f))
    .sort();
  const objects: Record<string, unknown>[] = [];
  for (const f of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, f), 'utf8'))) {
      const o = doc.toJSON();
      if (o) objects.push(o);
    }
  }
  return objects;
}

/** Credentials are made once per cluster directory: the databases keep them in their data directories. */
async function devCredentials(dir: string): Promise<FixtureCredentials> {
  const path = join(dir, 'dev-credentials.json');
  try {
    return JSON.parse(await readFile(path, 'utf8')) as FixtureCredentials;
  } catch {
    const token = (n: number) => randomBytes(n).toString('base64url').slice(0, n);
    const creds = {
      aesKey: token(32),
      rootPassword: token(20),
      mysqlPassword: token(20),
      replicationPassword: token(20),
    };
    await writeFile(path, JSON.stringify(creds, null, 2), { mode: 0o600 });
    return creds;
  }
}

const describe = (o: Record<string, unknown>) => {
  const m = o.metadata as { name: string; namespace?: string };
  return `${o.kind} ${m.namespace ? `${m.namespace}/` : ''}${m.name}`;
};

export const devCommand: Command = {
  name: 'dev',
  summary: 'local cluster + CRDs + the operator + the seed samples, in one command',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { dir: { type: 'string' }, 'exit-after': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const dir = resolve(values.dir ?? defaultClusterDir());
    const { state, alreadyRunning, seconds } = await clusterUp({ dir, progress: (l) => console.error(l) });
    console.log(alreadyRunning ? `cluster already running in ${dir}` : `cluster up in ${seconds.toFixed(1)} s`);
    console.log(`kubeconfig: ${state.kubeconfig}`);
    const kc = new KubeConfig();
    kc.loadFromFile(state.kubeconfig);
    const crds = await installCrds(kc);
    console.log(`installed ${crds.length} CRDs: ${crds.join(', ')}`);

    const logPath = join(dir, 'logs', 'operator.log');
    const mgr = new Manager(kc, {
      metricsBindAddress: '127.0.0.1:0',
      healthProbeBindAddress: '127.0.0.1:0',
      logger: pino({ level: 'info' }, createWriteStream(logPath, { flags: 'a' })),
    });
    const registrations = controllers();
    mgr.add(...registrations);
    const running = mgr.start();
    running.catch((err) => console.error(`operator stopped: ${(err as Error).message}`));
    while (!mgr.isReady) await Promise.race([running, new Promise((r) => setTimeout(r, 100))]);
    console.log(
      `operator running: ${registrations.length} controllers, metrics http://${mgr.metricsAddress}/metrics, ` +
        `health http://${mgr.healthAddress}/readyz, logs ${logPath}`,
    );

    const fixtures = sampleFixtures(await devCredentials(dir));
    await kubectlApply(state.binaries.kubectl, state.kubeconfig, fixtures);
    console.log(`created what the samples expect:\n${fixtures.map((o) => `  ${describe(o)}`).join('\n')}`);
    const samples = await readManifests(SAMPLES_DIR, PATCH_SAMPLES);
    await kubectlApply(state.binaries.kubectl, state.kubeconfig, samples);
    console.log(`applied the samples from ${SAMPLES_DIR}:\n${samples.map((o) => `  ${describe(o)}`).join('\n')}`);
    const kubectl = `${state.binaries.kubectl} --kubeconfig ${state.kubeconfig}`;
    console.log(`switchover: ${kubectl} patch mysqlreplication mysql-replication-semi-sync-sample --type merge \\`);
    console.log(`  --patch-file ${join(SAMPLES_DIR, PATCH_SAMPLES[0])}`);

    const kinds = [...new Set(samples.map((s) => (s.kind as string).toLowerCase()))].join(',');
    const seen = new Map<string, string>();
    const report = async () => {
      const { stdout } = await run(state.binaries.kubectl, [
        `--kubeconfig=${state.kubeconfig}`,
        'get',
        kinds,
        '-A',
        '-o',
        'json',
      ]);
      for (const item of (JSON.parse(stdout) as { items: Record<string, unknown>[] }).items) {
        const status = (item.status ?? {}) as {
          phase?: string;
          ready?: boolean;
          conditions?: { type: string; status: string; reason?: string }[];
        };
        const notReady = status.conditions?.find((c) => c.status === 'False');
        const line = `${status.phase ?? (status.ready === undefined ? 'no status yet' : status.ready ? 'Ready' : 'NotReady')}${
          notReady?.reason ? ` (${notReady.type}: ${notReady.reason})` : ''
        }`;
        const key = describe(item);
        if (seen.get(key) !== line) console.log(`${new Date().toISOString().slice(11, 19)} ${key}: ${line}`);
        seen.set(key, line);
      }
    };
    const exitAfter = values['exit-after'] ? Number(values['exit-after']) * 1000 : Number.POSITIVE_INFINITY;
    const until = Date.now() + exitAfter;
    let stop = false;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => (stop = true));
    console.log(
      `watching the samples' status (Ctrl-C stops the operator; the cluster keeps running — 'statecraft cluster down' stops it)`,
    );
    while (!stop && Date.now() < until) {
      await report().catch((err) => console.error(`status: ${(err as Error).message}`));
      await new Promise((r) => setTimeout(r, 2000));
    }
    await mgr.stop();
    return 0;
  },
};
