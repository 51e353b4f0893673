import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { installCrds } from '../../apis/install.ts';
import { clusterUp } from '../../devcluster/cluster.ts';
import { defaultClusterDir } from '../../devcluster/paths.ts';
import type { Command } from '../command.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CRD_DIR = join(REPO, 'deploy', 'crds');

/** Every object in the YAML files of a directory (sorted by file name). */
export async function readManifests(dir: string): Promise<object[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /\.ya?ml$/.test(f)).sort();
  const objects: object[] = [];
  for (const f of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, f), 'utf8'))) {
      const o = doc.toJSON();
      if (o) objects.push(o);
    }
  }
  return objects;
}

export const devCommand: Command = {
  name: 'dev',
  summary: 'bring up the local cluster, install the CRDs, run the operator against it',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { dir: { type: 'string' } } });
    const dir = values.dir ?? defaultClusterDir();
    const { state, alreadyRunning, seconds } = await clusterUp({ dir, progress: (l) => console.error(l) });
    console.log(alreadyRunning ? `cluster already running in ${dir}` : `cluster up in ${seconds.toFixed(1)} s`);
    console.log(`kubeconfig: ${state.kubeconfig}`);
    const kc = new KubeConfig();
    kc.loadFromFile(state.kubeconfig);
    const crds = await installCrds(kc);
    console.log(`installed ${crds.length} CRDs (server-side apply; the same objects as ${CRD_DIR})`);
    console.log(`try: ${state.binaries.kubectl} --kubeconfig ${state.kubeconfig} get nodes`);
    return 0;
  },
};
