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
import { INSTALL_NAMESPACE, renderInstaller } from '../../install/installer.ts';
import { registerStatecraftMetrics } from '../../observe/metrics.ts';
import { Manager } from '../../runtime/index.ts';
import { type Command, UserError } from '../command.ts';
import { type FixtureCredentials, sampleFixtures } from '../dev/sampleFixtures.ts';
import {
  CANNOT_RUN_HERE,
  type KubeObject,
  podProblem,
  type SampleState,
  sampleState,
  stateLine,
} from '../dev/sampleStatus.ts';
import { databaseEndpoints, nextSteps, type SummaryRow, summaryTable } from '../dev/summary.ts';

const run = promisify(execFile);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CRD_DIR = join(REPO, 'deploy', 'crds');
export const SAMPLES_DIR = join(REPO, 'samples');
/** Samples that are patches to other samples, not objects: printed as a next step instead of applied. */
export const PATCH_SAMPLES = ['compose-mysqlreplication-switchover-patch.yaml'];

const DEFAULT_TIMEOUT_S = 300;

const HELP = `usage: statecraft dev [--dir DIR] [--exit-after SECONDS] [--timeout SECONDS] [--operator in-process|pod]
                      [--no-install-packages]

Brings up the local cluster (installing the Debian packages its node agent needs when they are missing, and
building the control plane on first use), installs Statecraft's CRDs, runs the operator with every controller in
this process, creates what the seed samples expect (Secrets, namespace, labelled nodes, the MariaDB pods the
MysqlReplication sample manages) and applies the samples. It prints each sample's state as it changes and, once
every sample has converged (or the timeout passed, naming what did not), a summary and the next steps. The operator
then keeps running until Ctrl-C. Operator logs go to DIR/logs/operator.log.

  --dir DIR                cluster directory (default ${defaultClusterDir()}, or $STATECRAFT_CLUSTER_DIR)
  --timeout SECONDS        how long to wait for the samples to converge before the summary (default ${DEFAULT_TIMEOUT_S})
  --exit-after SECONDS     exit after the summary instead of running on, and wait at most SECONDS for it (counted
                           from applying the samples); the exit code is 0 only if every sample converged
  --operator pod           run the operator as an installed operator does: dist/install.yaml's objects (the chart,
                           with its default address mode on the pod network, whose cluster DNS serves the host
                           names; with --address-mode=pod-ip on a loopback cluster) in namespace statecraft-system — two pods of the
                           Statecraft image (run by the node agent from this checkout), leader election, and only
                           the generated RBAC. Default in-process: the operator runs in this process
  --no-install-packages    never run apt-get (also STATECRAFT_NO_APT=1): stop with the command to run instead

Missing packages (deploy/system-packages.txt) are installed with apt-get when running as root or with passwordless
sudo; the command is printed before it runs. Otherwise dev stops with the exact command and exit code 1.`;

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

const POLL_MS = 2000;

/** "namespace/name"; every sample kind and pod is namespaced, and a manifest without a namespace lands in default */
const nameOf = (o: Record<string, unknown>) => {
  const m = o.metadata as { name: string; namespace?: string };
  return `${m.namespace ?? 'default'}/${m.name}`;
};
const describe = (o: Record<string, unknown>) => `${o.kind} ${nameOf(o)}`;
const since = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s`;

/** "1 Namespace, 6 Nodes, 7 Secrets" */
function countByKind(objects: Record<string, unknown>[]): string {
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(o.kind as string, (counts.get(o.kind as string) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}${n > 1 ? 's' : ''}`).join(', ');
}

export const devCommand: Command = {
  name: 'dev',
  summary: 'local cluster + CRDs + the operator + the seed samples, in one command',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        dir: { type: 'string' },
        'exit-after': { type: 'string' },
        timeout: { type: 'string' },
        'no-install-packages': { type: 'boolean' },
        operator: { type: 'string', default: 'in-process' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const seconds = (flag: 'exit-after' | 'timeout') => {
      const v = values[flag];
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new UserError(`--${flag} wants a number of seconds, not '${v}'`);
      return n;
    };
    const exitAfter = seconds('exit-after');
    const inPod = values.operator === 'pod';
    if (!inPod && values.operator !== 'in-process') {
      throw new UserError(`--operator wants in-process or pod, not '${values.operator}'`);
    }
    const timeout = Math.min(seconds('timeout') ?? DEFAULT_TIMEOUT_S, exitAfter ?? Number.POSITIVE_INFINITY);
    const dir = resolve(values.dir ?? defaultClusterDir());
    console.log(`statecraft dev: cluster directory ${dir}`);
    const {
      state,
      alreadyRunning,
      seconds: upSeconds,
    } = await clusterUp({
      dir,
      progress: (l) => console.error(l),
      installPackages: !values['no-install-packages'],
      installRefusedBy: values['no-install-packages'] ? '--no-install-packages' : undefined,
    });
    console.log(alreadyRunning ? `cluster already running in ${dir}` : `cluster up in ${upSeconds.toFixed(1)} s`);
    console.log(`kubeconfig: ${state.kubeconfig}`);
    const kc = new KubeConfig();
    kc.loadFromFile(state.kubeconfig);
    const registrations = controllers();
    const hasController = (kind: string) => registrations.some((r) => r.name === kind.toLowerCase());
    const crds = await installCrds(kc);
    const crdKinds = (await readManifests(CRD_DIR)).map((c) => (c.spec as { names: { kind: string } }).names.kind);
    const waiting = crdKinds.filter((k) => !hasController(k));
    console.log(
      `installed ${crds.length} CRDs; ${waiting.length ? `no controller yet for ${waiting.join(', ')} (their objects are stored, nothing acts on them)` : 'every kind has its controller'}`,
    );

    const logPath = join(dir, 'logs', 'operator.log');
    let mgr: Manager | undefined;
    if (inPod) {
      const text = await renderInstaller(state.binaries.helm, REPO, [
        'crds.install=false', // installed above, by the same field manager as the in-process mode
        // the pod network has cluster DNS, so the chart's default (auto: host names in a pod) works as in production;
        // without it the host names resolve nowhere here
        ...(state.network ? [] : ['addressMode=pod-ip']),
        'aesKey.create=false', // the samples' fixtures bring the AES key
      ]);
      await kubectlApply(
        state.binaries.kubectl,
        state.kubeconfig,
        parseAllDocuments(text)
          .map((d) => d.toJSON())
          .filter(Boolean),
      );
      await run(
        state.binaries.kubectl,
        [
          `--kubeconfig=${state.kubeconfig}`,
          '-n',
          INSTALL_NAMESPACE,
          'rollout',
          'status',
          'deployment/statecraft',
          '--timeout=120s',
        ],
        { maxBuffer: 16 * 1024 * 1024 },
      );
      console.log(
        `operator running in pods: deployment ${INSTALL_NAMESPACE}/statecraft (the chart's objects, its RBAC only); ` +
          `logs: kubectl -n ${INSTALL_NAMESPACE} logs deployment/statecraft`,
      );
    } else {
      const inProcess = new Manager(kc, {
        metricsBindAddress: '127.0.0.1:0',
        healthProbeBindAddress: '127.0.0.1:0',
        logger: pino({ level: 'info' }, createWriteStream(logPath, { flags: 'a' })),
      });
      mgr = inProcess;
      inProcess.add(...registrations);
      registerStatecraftMetrics(inProcess);
      const running = inProcess.start();
      running.catch((err) => console.error(`operator stopped: ${(err as Error).message}`));
      while (!inProcess.isReady) await Promise.race([running, new Promise((r) => setTimeout(r, 100))]);
      console.log(
        `operator running: ${registrations.map((r) => r.name).join(', ')}; metrics http://${inProcess.metricsAddress}/metrics, ` +
          `health http://${inProcess.healthAddress}/readyz, log ${logPath}`,
      );
    }

    const fixtures = sampleFixtures(await devCredentials(dir));
    await kubectlApply(state.binaries.kubectl, state.kubeconfig, fixtures);
    console.log(`created what the samples expect: ${countByKind(fixtures)}`);
    const samples = await readManifests(SAMPLES_DIR, PATCH_SAMPLES);
    await kubectlApply(state.binaries.kubectl, state.kubeconfig, samples);
    const applied = Date.now();
    console.log(
      `applied ${samples.length} samples from ${SAMPLES_DIR}:\n${samples.map((o) => `  ${describe(o)}`).join('\n')}`,
    );

    const watched = samples.filter((s) => hasController(s.kind as string));
    const kinds = [...new Set(watched.map((s) => (s.kind as string).toLowerCase()))];
    const keys = new Set(watched.map(describe));
    // the kinds whose servers cannot run here report their False condition; nobody waits for them
    const awaited = watched.filter((s) => !CANNOT_RUN_HERE[s.kind as string]);
    const convergedAt = new Map<string, number>();
    const current = new Map<string, { state: SampleState; object: KubeObject }>();
    const shown = new Map<string, string>();
    let pods: Record<string, unknown>[] = [];
    let lastError = '';
    const poll = async () => {
      const { stdout } = await run(
        state.binaries.kubectl,
        [`--kubeconfig=${state.kubeconfig}`, 'get', [...kinds, 'pods'].join(','), '-A', '-o', 'json'],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      const items = (JSON.parse(stdout) as { items: Record<string, unknown>[] }).items;
      pods = items.filter((i) => i.kind === 'Pod');
      for (const item of items) {
        const key = describe(item);
        let line: string | undefined;
        if (item.kind === 'Pod') {
          const problem = podProblem(item);
          line = problem
            ? `pod ${nameOf(item)}: ${problem}`
            : shown.has(key)
              ? `pod ${nameOf(item)}: recovered`
              : undefined;
          if (!problem && shown.get(key)?.endsWith('recovered')) line = undefined;
          if (!line) continue;
        } else {
          if (!keys.has(key)) continue;
          const st = sampleState(item as KubeObject);
          current.set(key, { state: st, object: item as KubeObject });
          if (st.converged && !convergedAt.has(key)) convergedAt.set(key, Date.now());
          line = `${key}: ${stateLine(st)}`;
        }
        if (shown.get(key) !== line) console.log(`${since(applied)}  ${line}`);
        shown.set(key, line);
      }
      lastError = '';
    };
    const pollReporting = () =>
      poll().catch((err) => {
        const message = (err as Error).message.split('\n')[0];
        if (message !== lastError) console.error(`status: ${message}`);
        lastError = message;
      });

    let stop = false;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => (stop = true));
    const sleep = async (ms: number) => {
      for (const until = Date.now() + ms; !stop && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
    };
    console.log(
      `waiting for ${awaited.length} samples to converge (at most ${Math.round(timeout)} s; Ctrl-C stops the operator)`,
    );
    const allConverged = () => awaited.every((s) => current.get(describe(s))?.state.converged);
    const deadline = applied + timeout * 1000;
    while (!stop) {
      await pollReporting();
      if (allConverged() || Date.now() >= deadline) break;
      await sleep(POLL_MS);
    }

    // the finish line
    const ok = allConverged();
    const elapsed = ((Date.now() - applied) / 1000).toFixed(1);
    const missing = awaited.filter((s) => !current.get(describe(s))?.state.converged).map(describe);
    console.log('');
    console.log(
      ok
        ? `all ${awaited.length} samples converged in ${elapsed} s`
        : `${stop ? 'stopped' : 'timed out'} after ${elapsed} s; not converged: ${missing.join(', ')}`,
    );
    const rows: SummaryRow[] = samples.map((s) => {
      const key = describe(s);
      const kind = s.kind as string;
      if (!hasController(kind)) {
        return { kind, name: nameOf(s), state: 'no controller yet', converged: false, noController: true };
      }
      const st = current.get(key)?.state;
      if (CANNOT_RUN_HERE[kind]) {
        const why = CANNOT_RUN_HERE[kind];
        return {
          kind,
          name: nameOf(s),
          state: st ? `${stateLine(st)} (${why})` : why,
          converged: false,
          cannotRunHere: true,
        };
      }
      const at = convergedAt.get(key);
      return {
        kind,
        name: nameOf(s),
        state: st ? (st.converged ? st.state : stateLine(st)) : 'not seen',
        converged: !!st?.converged,
        seconds: at === undefined ? undefined : (at - applied) / 1000,
      };
    });
    for (const line of summaryTable(rows)) console.log(line);
    const stuckPods = pods.flatMap((p) => {
      const problem = podProblem(p);
      return problem ? [`  pod ${nameOf(p)}: ${problem}`] : [];
    });
    if (!ok && stuckPods.length) console.log(`pods with problems:\n${stuckPods.join('\n')}`);
    console.log('');
    const replication = samples.find((s) => s.kind === 'MysqlReplication');
    const replicationMeta = replication?.metadata as { name: string; namespace?: string } | undefined;
    const keepsRunning = exitAfter === undefined && !stop;
    const simulated = [
      ...(samples.some((s) => s.kind === 'ShazamqCluster' || s.kind === 'StreamBusCluster') ? ['the brokers'] : []),
      ...(samples.some((s) => s.kind === 'MusicService') ? ["MusicService's app (nginx)"] : []),
    ];
    for (const line of nextSteps({
      dir,
      kubeconfig: state.kubeconfig,
      kubectl: state.binaries.kubectl,
      resources: [...new Set(samples.map((s) => (s.kind as string).toLowerCase()))],
      switchover: replicationMeta && {
        name: replicationMeta.name,
        namespace: replicationMeta.namespace ?? 'default',
        patchFile: join(SAMPLES_DIR, PATCH_SAMPLES[0]),
      },
      databases: databaseEndpoints(
        [...current.values()].map((c) => c.object),
        pods as Parameters<typeof databaseEndpoints>[1],
      ),
      simulated,
      operatorLog: inPod
        ? `${state.binaries.kubectl} --kubeconfig ${state.kubeconfig} -n ${INSTALL_NAMESPACE} logs deployment/statecraft`
        : logPath,
      keepsRunning,
    })) {
      console.log(line);
    }

    while (keepsRunning && !stop) {
      await sleep(POLL_MS);
      if (!stop) await pollReporting();
    }
    await mgr?.stop();
    return exitAfter !== undefined && !ok ? 1 : 0;
  },
};
