import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StatecraftError } from '../runtime/errors.ts';
import { binDir, cacheDir } from './paths.ts';
import {
  COREDNS_VERSION,
  ETCD_VERSION,
  HELM_VERSION,
  KUBERNETES_VERSION,
  KWOK_VERSION,
  stagingVersion,
} from './versions.ts';

/** A build that could not finish: one message a person can act on, and where the full log is. */
export class BuildError extends StatecraftError {
  readonly logPath: string | undefined;
  constructor(message: string, logPath?: string, code = 'ERR_DEVCLUSTER_BUILD') {
    super(code, logPath ? `${message} (build log: ${logPath})` : message);
    this.logPath = logPath;
  }
}

export interface Binaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kwok: string;
  helm: string;
}

export type Progress = (line: string) => void;

const KUBE_COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'] as const;

/**
 * Paths of every binary, built on first use and read from the cache afterwards. A cold build reports which
 * component it builds and how far it is (packages compiled of those to compile, elapsed against the last measured
 * time of that component), and the total at the end; a warm start says the binaries came from the cache.
 */
export async function ensureBinaries(progress: Progress = () => {}): Promise<Binaries> {
  const started = Date.now();
  const built: string[] = [];
  const timed = async <T>(component: string, build: () => Promise<T | undefined>, cached: T): Promise<T> => {
    const t0 = Date.now();
    const result = await build();
    if (result === undefined) return cached;
    const seconds = (Date.now() - t0) / 1000;
    built.push(`${component} ${formatDuration(seconds)}`);
    progress(`  ${component} built in ${formatDuration(seconds)}`);
    await recordBuildSeconds(component, seconds);
    return result;
  };
  const kube = await timed('kubernetes', () => ensureKubernetes(progress), kubernetesPaths());
  const etcd = await timed('etcd', () => ensureEtcd(progress), etcdPath());
  const kwok = await timed('kwok', () => ensureKwok(progress), kwokPath());
  const helm = await timed('helm', () => ensureHelm(progress), helmPath());
  if (built.length) {
    progress(
      `control plane built in ${formatDuration((Date.now() - started) / 1000)} (${built.join(', ')}); ` +
        `cached in ${join(cacheDir(), 'bin')}, so the next start takes seconds`,
    );
  } else {
    progress(
      `control-plane binaries: from the cache (${join(cacheDir(), 'bin')}: kubernetes ${KUBERNETES_VERSION}, ` +
        `etcd ${ETCD_VERSION}, kwok ${KWOK_VERSION}, helm ${HELM_VERSION})`,
    );
  }
  return {
    etcd,
    kubeApiserver: kube['kube-apiserver'],
    kubeControllerManager: kube['kube-controller-manager'],
    kubeScheduler: kube['kube-scheduler'],
    kubectl: kube.kubectl,
    kwok,
    helm,
  };
}

/** "42 s", "14 min 40 s" */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
}

/** What a running build has done, for one progress line. */
export interface BuildProgress {
  /** the component (and which command of it) being built */
  label: string;
  /** packages compiled so far (`go build -v` lines) */
  compiled: number;
  /** packages that need compiling (stale per `go list`), when known */
  total?: number;
  elapsedSeconds: number;
  /** how long this component took the last time it was built here */
  lastSeconds?: number;
}

/** "  kube-apiserver (1/4): 812 of 2104 packages compiled (39%), 4 min 10 s so far (last build: 12 min 30 s)" */
export function formatBuildProgress(p: BuildProgress): string {
  const packages =
    p.total !== undefined && p.total > 0
      ? `${Math.min(p.compiled, p.total)} of ${p.total} packages compiled (${Math.floor((100 * Math.min(p.compiled, p.total)) / p.total)}%)`
      : `${p.compiled} packages compiled`;
  const last = p.lastSeconds ? ` (last build: ${formatDuration(p.lastSeconds)})` : ' (first build here)';
  return `  ${p.label}: ${packages}, ${formatDuration(p.elapsedSeconds)} so far${last}`;
}

const timingsPath = () => join(cacheDir(), 'build', 'timings.json');

async function readBuildTimings(): Promise<Record<string, number>> {
  try {
    return JSON.parse(await readFile(timingsPath(), 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

async function recordBuildSeconds(component: string, seconds: number): Promise<void> {
  const timings = { ...(await readBuildTimings()), [component]: Math.round(seconds) };
  await mkdir(dirname(timingsPath()), { recursive: true });
  await writeFile(timingsPath(), `${JSON.stringify(timings, null, 2)}\n`);
}

/** `go build -v` names each package it compiles on a line of its own; everything else (go: downloading ...) is not. */
export function isPackageLine(text: string): boolean {
  return /^[\w.~+-]+(\/[\w.~+-]+)*$/.test(text);
}

/** Counts compiled packages across the `go` runs of one component and prints a line every 30 s. */
class BuildMeter {
  compiled = 0;
  total: number | undefined;
  label: string;
  private readonly started = Date.now();
  private readonly lastSeconds: number | undefined;
  private readonly progress: Progress;
  private timer: NodeJS.Timeout | undefined;

  constructor(label: string, lastSeconds: number | undefined, progress: Progress) {
    this.label = label;
    this.lastSeconds = lastSeconds;
    this.progress = progress;
  }

  static async start(component: string, progress: Progress): Promise<BuildMeter> {
    return new BuildMeter(component, (await readBuildTimings())[component], progress);
  }

  /** a line of `go build -v` stderr: an import path is one package compiled */
  line(text: string): void {
    if (isPackageLine(text)) this.compiled++;
  }

  running(): () => void {
    this.timer ??= setInterval(() => this.report(), 30_000);
    return () => {
      clearInterval(this.timer);
      this.timer = undefined;
    };
  }

  report(): void {
    this.progress(
      formatBuildProgress({
        label: this.label,
        compiled: this.compiled,
        total: this.total,
        elapsedSeconds: (Date.now() - this.started) / 1000,
        lastSeconds: this.lastSeconds,
      }),
    );
  }
}

/** Packages `go build` would compile for `packages` (stale per `go list`), or undefined when go list cannot say. */
async function stalePackageCount(
  packages: string[],
  buildFlags: string[],
  cwd: string,
  log: LogSink,
  env: Record<string, string> = {},
): Promise<number | undefined> {
  try {
    const out = await go(
      ['list', ...buildFlags, '-deps', '-f', '{{if .Stale}}{{.ImportPath}}{{end}}', ...packages],
      cwd,
      log,
      { env },
    );
    return out.split('\n').filter(Boolean).length;
  } catch {
    return undefined;
  }
}

function kubernetesPaths(): Record<(typeof KUBE_COMMANDS)[number], string> {
  const out = binDir('kubernetes', KUBERNETES_VERSION);
  return Object.fromEntries(KUBE_COMMANDS.map((c) => [c, join(out, c)])) as Record<
    (typeof KUBE_COMMANDS)[number],
    string
  >;
}
const etcdPath = () => join(binDir('etcd', ETCD_VERSION), 'etcd');
const kwokPath = () => join(binDir('kwok', KWOK_VERSION), 'kwok');
const helmPath = () => join(binDir('helm', HELM_VERSION), 'helm');

/**
 * k8s.io/kubernetes cannot be `go install`ed: it requires its staging modules at v0.0.0 and replaces them with
 * local paths. A wrapper module that requires it and replaces each staging module by its published v0.Y.Z builds
 * the same commands. The staging list is read from that version's own go.mod, so a version bump needs no edit here.
 */
async function ensureKubernetes(
  progress: Progress,
): Promise<Record<(typeof KUBE_COMMANDS)[number], string> | undefined> {
  const out = binDir('kubernetes', KUBERNETES_VERSION);
  const paths = kubernetesPaths();
  if (KUBE_COMMANDS.every((c) => existsSync(paths[c]))) return undefined;

  const work = join(cacheDir(), 'build', `kubernetes-${KUBERNETES_VERSION}`);
  let built = false;
  await withBuildLock(work, 'kubernetes', progress, async (log) => {
    if (KUBE_COMMANDS.every((c) => existsSync(paths[c]))) return; // another process built them while we waited
    built = true;
    const meter = await BuildMeter.start('kubernetes', progress);
    progress(
      `building kubernetes ${KUBERNETES_VERSION} (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl)`,
    );
    progress(`  resolving and downloading the k8s.io/kubernetes ${KUBERNETES_VERSION} modules`);
    const stopMeter = meter.running();
    try {
      const staging = await kubernetesStagingModules(work, log);
      const v0 = stagingVersion(KUBERNETES_VERSION);
      const goMod = [
        'module statecraft.local/kubebuild',
        '',
        'go 1.24',
        '',
        `require k8s.io/kubernetes ${KUBERNETES_VERSION}`,
        '',
        'replace (',
        ...staging.map((m) => `\t${m} => ${m} ${v0}`),
        ')',
        '',
      ].join('\n');
      await writeFile(join(work, 'go.mod'), goMod);
      await writeFile(
        join(work, 'tools.go'),
        `//go:build tools\n\npackage tools\n\nimport (\n${KUBE_COMMANDS.map((c) => `\t_ "k8s.io/kubernetes/cmd/${c}"`).join('\n')}\n)\n`,
      );
      await go(['mod', 'tidy'], work, log);
      const ldflags = kubeLdflags();
      const flags = ['-trimpath', '-tags', 'selinux,notest'];
      const todo = KUBE_COMMANDS.filter((c) => !existsSync(paths[c]));
      // the commands share most packages: one total for all of them, counted down across the builds
      meter.total = await stalePackageCount(
        todo.map((c) => `k8s.io/kubernetes/cmd/${c}`),
        flags,
        work,
        log,
      );
      progress(
        `  compiling ${meter.total ?? 'the'} packages${meter.total ? '' : ' needed'}; the first build takes many minutes on a small machine`,
      );
      await mkdir(out, { recursive: true });
      for (const [i, c] of KUBE_COMMANDS.entries()) {
        if (existsSync(paths[c])) continue;
        meter.label = `${c} (${i + 1}/${KUBE_COMMANDS.length})`;
        progress(`  building ${c} (${i + 1}/${KUBE_COMMANDS.length})`);
        const tmp = `${paths[c]}.tmp`;
        await go(['build', '-v', ...flags, '-ldflags', ldflags, '-o', tmp, `k8s.io/kubernetes/cmd/${c}`], work, log, {
          meter,
        });
        await rename(tmp, paths[c]);
      }
    } finally {
      stopMeter();
    }
  });
  return built ? paths : undefined;
}

/** The binaries only the pod network needs (`cluster up --pod-network`): cluster DNS and the Service proxy. */
export interface NetworkBinaries {
  coredns: string;
  kubeProxy: string;
}

/** Built on first use and cached like the control plane; a cluster without the pod network never builds them. */
export async function ensureNetworkBinaries(progress: Progress = () => {}): Promise<NetworkBinaries> {
  const timed = async (component: string, build: () => Promise<string | undefined>, cached: string) => {
    const t0 = Date.now();
    const result = await build();
    if (result === undefined) return cached;
    const seconds = (Date.now() - t0) / 1000;
    progress(`  ${component} built in ${formatDuration(seconds)}`);
    await recordBuildSeconds(component, seconds);
    return result;
  };
  const coredns = await timed('coredns', () => ensureCoreDns(progress), corednsPath());
  const kubeProxy = await timed('kube-proxy', () => ensureKubeProxy(progress), kubeProxyPath());
  return { coredns, kubeProxy };
}

const corednsBuildKey = () =>
  `${COREDNS_VERSION}-${createHash('sha256').update(COREDNS_PLUGINS.join(',')).digest('hex').slice(0, 8)}`;
const corednsPath = () => join(binDir('coredns', corednsBuildKey()), 'coredns');
const kubeProxyPath = () => join(binDir('kube-proxy', KUBERNETES_VERSION), 'kube-proxy');

/**
 * CoreDNS's own main links every plugin (cloud DNS providers and their SDKs included). The cluster needs a few, so a
 * wrapper module with its own main imports only those and lists them as the directives, which is how CoreDNS is
 * meant to be trimmed; coremain then runs it as usual. The list is in the order of CoreDNS's plugin.cfg (the order
 * plugins handle a query), and part of the cache key: another list builds another binary.
 */
export const COREDNS_PLUGINS = [
  'bind',
  'ready',
  'health',
  'errors',
  'log',
  'loadbalance',
  'cache',
  'hosts',
  'kubernetes',
];

export function corednsMain(plugins: string[] = COREDNS_PLUGINS): string {
  return [
    'package main',
    '',
    'import (',
    '\t"github.com/coredns/coredns/core/dnsserver"',
    '\t"github.com/coredns/coredns/coremain"',
    ...plugins.map((p) => `\t_ "github.com/coredns/coredns/plugin/${p}"`),
    ')',
    '',
    '// the order of execution, as in CoreDNS plugin.cfg',
    'func init() {',
    `\tdnsserver.Directives = []string{${plugins.map((p) => JSON.stringify(p)).join(', ')}}`,
    '}',
    '',
    'func main() { coremain.Run() }',
    '',
  ].join('\n');
}

function ensureCoreDns(progress: Progress): Promise<string | undefined> {
  const bin = corednsPath();
  const work = join(cacheDir(), 'build', `coredns-${corednsBuildKey()}`);
  return buildOnce('coredns', corednsBuildKey(), bin, progress, async (log, meter) => {
    await writeFile(join(work, 'go.mod'), 'module statecraft.local/corednsbuild\n\ngo 1.25\n');
    await writeFile(join(work, 'main.go'), corednsMain());
    await go(['get', `github.com/coredns/coredns@${COREDNS_VERSION}`], work, log);
    await go(['mod', 'tidy'], work, log);
    meter.total = await stalePackageCount(['.'], ['-trimpath'], work, log);
    await go(['build', '-v', '-trimpath', '-ldflags', '-s -w', '-o', `${bin}.tmp`, '.'], work, log, { meter });
    await rename(`${bin}.tmp`, bin);
  });
}

/** kube-proxy from the same k8s.io/kubernetes wrapper recipe (own directory, so the four commands' cache stays). */
function ensureKubeProxy(progress: Progress): Promise<string | undefined> {
  const bin = kubeProxyPath();
  const work = join(cacheDir(), 'build', `kube-proxy-${KUBERNETES_VERSION}`);
  return buildOnce('kube-proxy', KUBERNETES_VERSION, bin, progress, async (log, meter) => {
    const staging = await kubernetesStagingModules(work, log);
    const v0 = stagingVersion(KUBERNETES_VERSION);
    await writeFile(
      join(work, 'go.mod'),
      [
        'module statecraft.local/kubeproxybuild',
        '',
        'go 1.24',
        '',
        `require k8s.io/kubernetes ${KUBERNETES_VERSION}`,
        '',
        'replace (',
        ...staging.map((m) => `\t${m} => ${m} ${v0}`),
        ')',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(work, 'tools.go'),
      '//go:build tools\n\npackage tools\n\nimport _ "k8s.io/kubernetes/cmd/kube-proxy"\n',
    );
    await go(['mod', 'tidy'], work, log);
    const flags = ['-trimpath', '-tags', 'selinux,notest'];
    meter.total = await stalePackageCount(['k8s.io/kubernetes/cmd/kube-proxy'], flags, work, log);
    await go(
      ['build', '-v', ...flags, '-ldflags', kubeLdflags(), '-o', `${bin}.tmp`, 'k8s.io/kubernetes/cmd/kube-proxy'],
      work,
      log,
      { meter },
    );
    await rename(`${bin}.tmp`, bin);
  });
}

/** Version stamps as upstream's build sets them (kubectl version, /version of the apiserver). */
function kubeLdflags(version = KUBERNETES_VERSION): string {
  const [major, minor] = version.slice(1).split('.');
  return [
    '-s -w',
    `-X k8s.io/component-base/version.gitVersion=${version}`,
    `-X k8s.io/component-base/version.gitMajor=${major}`,
    `-X k8s.io/component-base/version.gitMinor=${minor}`,
    `-X k8s.io/client-go/pkg/version.gitVersion=${version}`,
    '-X k8s.io/component-base/version.gitTreeState=clean',
  ].join(' ');
}

/** Staging modules are the `replace k8s.io/x => ./staging/...` lines of k8s.io/kubernetes' own go.mod. */
async function kubernetesStagingModules(work: string, log: LogSink): Promise<string[]> {
  const json = await go(['mod', 'download', '-json', `k8s.io/kubernetes@${KUBERNETES_VERSION}`], work, log);
  const info = JSON.parse(json) as { GoMod?: string };
  if (!info.GoMod) throw new BuildError(`go mod download did not return the go.mod of k8s.io/kubernetes`, log.path);
  const text = await readFile(info.GoMod, 'utf8');
  const modules = [...text.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//gm)].map((m) => m[1]);
  if (modules.length === 0) throw new BuildError('found no staging modules in k8s.io/kubernetes go.mod', log.path);
  return modules;
}

/**
 * Builds one binary at most once per cache (a lock against parallel builders; skipped when another process built
 * it while we waited), with a progress meter: `build(log, meter)` does the component's own go steps. Resolves to
 * the binary when this call built it, undefined when it was there already.
 */
async function buildOnce(
  component: string,
  version: string,
  bin: string,
  progress: Progress,
  build: (log: LogSink, meter: BuildMeter) => Promise<void>,
): Promise<string | undefined> {
  if (existsSync(bin)) return undefined;
  const work = join(cacheDir(), 'build', `${component}-${version}`);
  let built = false;
  await withBuildLock(work, component, progress, async (log) => {
    if (existsSync(bin)) return; // another process built it while we waited
    built = true;
    const meter = await BuildMeter.start(component, progress);
    progress(`building ${component} ${version}`);
    const stopMeter = meter.running();
    try {
      await mkdir(dirname(bin), { recursive: true });
      await build(log, meter);
    } finally {
      stopMeter();
    }
  });
  return built ? bin : undefined;
}

/** etcd's server module carries replace directives too; a wrapper module of its own keeps its graph apart. */
function ensureEtcd(progress: Progress): Promise<string | undefined> {
  const bin = etcdPath();
  const work = join(cacheDir(), 'build', `etcd-${ETCD_VERSION}`);
  return buildOnce('etcd', ETCD_VERSION, bin, progress, async (log, meter) => {
    await writeFile(join(work, 'go.mod'), 'module statecraft.local/etcdbuild\n\ngo 1.24\n');
    await go(['get', `go.etcd.io/etcd/server/v3@${ETCD_VERSION}`], work, log);
    meter.total = await stalePackageCount(['go.etcd.io/etcd/server/v3'], ['-trimpath'], work, log);
    await go(
      ['build', '-v', '-trimpath', '-ldflags', '-s -w', '-o', `${bin}.tmp`, 'go.etcd.io/etcd/server/v3'],
      work,
      log,
      { meter },
    );
    await rename(`${bin}.tmp`, bin);
  });
}

function ensureKwok(progress: Progress): Promise<string | undefined> {
  const bin = kwokPath();
  const work = join(cacheDir(), 'build', `kwok-${KWOK_VERSION}`);
  return buildOnce('kwok', KWOK_VERSION, bin, progress, async (log, meter) => {
    meter.total = await kwokStalePackages(work, log);
    await go(
      ['install', '-v', '-trimpath', '-ldflags', '-s -w', `sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}`],
      work,
      log,
      { meter, env: { GOBIN: dirname(bin) } },
    );
  });
}

/** The helm binary alone (built on first use, cached): for `npm run build-installer` and the chart tests. */
export async function helmBinary(progress: Progress = () => {}): Promise<string> {
  await ensureHelm(progress);
  return helmPath();
}

/** helm's module has no replace directives, so `go install` builds it from its own go.mod. */
function ensureHelm(progress: Progress): Promise<string | undefined> {
  const bin = helmPath();
  const work = join(cacheDir(), 'build', `helm-${HELM_VERSION}`);
  return buildOnce('helm', HELM_VERSION, bin, progress, async (log, meter) => {
    await go(
      ['install', '-v', '-trimpath', '-ldflags', '-s -w', `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`],
      work,
      log,
      { meter, env: { GOBIN: dirname(bin) } },
    );
  });
}

/**
 * `go install pkg@version` builds with the module's own go.mod as the main module; `go list` cannot take a version,
 * so it runs in that module's directory of the module cache (read-only, as go install sees it). Exact on a cold
 * build; when only the binary is missing, kwok's own packages (~44) count as stale here though go install reuses
 * them, which the capped progress line absorbs.
 */
async function kwokStalePackages(work: string, log: LogSink): Promise<number | undefined> {
  try {
    const info = JSON.parse(await go(['mod', 'download', '-json', `sigs.k8s.io/kwok@${KWOK_VERSION}`], work, log)) as {
      Dir?: string;
    };
    if (!info.Dir) return undefined;
    return stalePackageCount(['./cmd/kwok'], ['-trimpath'], info.Dir, log, { GOFLAGS: '-mod=readonly' });
  } catch {
    return undefined;
  }
}

interface LogSink {
  path: string;
  write(chunk: string | Buffer): void;
}

/**
 * Serialises builds of one component across processes (parallel test files may all ask for the cluster at once):
 * the lock is a directory, which mkdir creates atomically. A lock whose owner died is taken over.
 */
async function withBuildLock(
  work: string,
  component: string,
  progress: Progress,
  build: (log: LogSink) => Promise<void>,
): Promise<void> {
  await mkdir(work, { recursive: true });
  const lock = join(work, 'lock');
  let told = false;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      const owner = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => '0'));
      if (owner && !isAlive(owner)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (!told) progress(`waiting for another process (pid ${owner || '?'}) that is building ${component}`);
      told = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  const logPath = join(work, 'build.log');
  const stream = createWriteStream(logPath, { flags: 'a' });
  const log: LogSink = { path: logPath, write: (c) => stream.write(c) };
  try {
    await build(log);
  } finally {
    stream.end();
    await rm(lock, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `go`, teeing output into the build log; with a meter, `-v` lines count compiled packages. */
async function go(
  args: string[],
  cwd: string,
  log: LogSink,
  opts: { meter?: BuildMeter; env?: Record<string, string> } = {},
): Promise<string> {
  log.write(`\n$ go ${args.join(' ')}\n`);
  const child = spawn('go', args, {
    cwd,
    // GOTOOLCHAIN stays as the machine has it: with the default `auto`, an older local Go fetches the toolchain a
    // module asks for from the module proxy, which our machines can reach
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    log.write(d);
  });
  let partial = '';
  child.stderr.on('data', (d: Buffer) => {
    log.write(d);
    if (!opts.meter) return;
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) opts.meter.line(l.trim());
  });
  try {
    const [code] = (await Promise.race([
      once(child, 'exit'),
      once(child, 'error').then(([err]) => {
        throw err;
      }),
    ])) as [number | null];
    if (code !== 0) throw new BuildError(`go ${args[0]} failed with exit code ${code}`, log.path);
    return stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BuildError(
        'the Go toolchain (`go`) was not found on PATH; install Go 1.24 or newer to build the local control plane',
        log.path,
      );
    }
    throw err;
  }
}
