import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StatecraftError } from '../runtime/errors.ts';
import { binDir, cacheDir } from './paths.ts';
import { ETCD_VERSION, KUBERNETES_VERSION, KWOK_VERSION, stagingVersion } from './versions.ts';

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
}

export type Progress = (line: string) => void;

const KUBE_COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'] as const;

/** Paths of every binary, built on first use and read from the cache afterwards. */
export async function ensureBinaries(progress: Progress = () => {}): Promise<Binaries> {
  const kube = await ensureKubernetes(progress);
  const etcd = await ensureEtcd(progress);
  const kwok = await ensureKwok(progress);
  return {
    etcd,
    kubeApiserver: kube['kube-apiserver'],
    kubeControllerManager: kube['kube-controller-manager'],
    kubeScheduler: kube['kube-scheduler'],
    kubectl: kube.kubectl,
    kwok,
  };
}

/**
 * k8s.io/kubernetes cannot be `go install`ed: it requires its staging modules at v0.0.0 and replaces them with
 * local paths. A wrapper module that requires it and replaces each staging module by its published v0.Y.Z builds
 * the same commands. The staging list is read from that version's own go.mod, so a version bump needs no edit here.
 */
async function ensureKubernetes(progress: Progress): Promise<Record<(typeof KUBE_COMMANDS)[number], string>> {
  const out = binDir('kubernetes', KUBERNETES_VERSION);
  const paths = Object.fromEntries(KUBE_COMMANDS.map((c) => [c, join(out, c)])) as Record<
    (typeof KUBE_COMMANDS)[number],
    string
  >;
  if (KUBE_COMMANDS.every((c) => existsSync(paths[c]))) return paths;

  const work = join(cacheDir(), 'build', `kubernetes-${KUBERNETES_VERSION}`);
  await withBuildLock(work, async (log) => {
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
    progress(`resolving k8s.io/kubernetes ${KUBERNETES_VERSION} modules`);
    await go(['mod', 'tidy'], work, log);
    const version = KUBERNETES_VERSION;
    const [major, minor] = version.slice(1).split('.');
    const ldflags = [
      '-s -w',
      `-X k8s.io/component-base/version.gitVersion=${version}`,
      `-X k8s.io/component-base/version.gitMajor=${major}`,
      `-X k8s.io/component-base/version.gitMinor=${minor}`,
      `-X k8s.io/client-go/pkg/version.gitVersion=${version}`,
      '-X k8s.io/component-base/version.gitTreeState=clean',
    ].join(' ');
    await mkdir(out, { recursive: true });
    for (const [i, c] of KUBE_COMMANDS.entries()) {
      if (existsSync(paths[c])) continue;
      progress(`building ${c} ${version} (${i + 1}/${KUBE_COMMANDS.length}); the first build takes many minutes`);
      const tmp = `${paths[c]}.tmp`;
      await go(
        ['build', '-trimpath', '-tags', 'selinux,notest', '-ldflags', ldflags, '-o', tmp, `k8s.io/kubernetes/cmd/${c}`],
        work,
        log,
        progress,
      );
      await rename(tmp, paths[c]);
    }
  });
  return paths;
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

/** etcd's server module carries replace directives too; a wrapper module of its own keeps its graph apart. */
async function ensureEtcd(progress: Progress): Promise<string> {
  const out = binDir('etcd', ETCD_VERSION);
  const bin = join(out, 'etcd');
  if (existsSync(bin)) return bin;
  const work = join(cacheDir(), 'build', `etcd-${ETCD_VERSION}`);
  await withBuildLock(work, async (log) => {
    await writeFile(join(work, 'go.mod'), 'module statecraft.local/etcdbuild\n\ngo 1.24\n');
    progress(`building etcd ${ETCD_VERSION}`);
    await go(['get', `go.etcd.io/etcd/server/v3@${ETCD_VERSION}`], work, log);
    await mkdir(out, { recursive: true });
    await go(
      ['build', '-trimpath', '-ldflags', '-s -w', '-o', `${bin}.tmp`, 'go.etcd.io/etcd/server/v3'],
      work,
      log,
      progress,
    );
    await rename(`${bin}.tmp`, bin);
  });
  return bin;
}

async function ensureKwok(progress: Progress): Promise<string> {
  const out = binDir('kwok', KWOK_VERSION);
  const bin = join(out, 'kwok');
  if (existsSync(bin)) return bin;
  const work = join(cacheDir(), 'build', `kwok-${KWOK_VERSION}`);
  await withBuildLock(work, async (log) => {
    progress(`building kwok ${KWOK_VERSION}`);
    await mkdir(out, { recursive: true });
    await go(
      ['install', '-trimpath', '-ldflags', '-s -w', `sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}`],
      work,
      log,
      progress,
      {
        GOBIN: out,
      },
    );
  });
  return bin;
}

interface LogSink {
  path: string;
  write(chunk: string | Buffer): void;
}

/**
 * Serialises builds of one component across processes (parallel test files may all ask for the cluster at once):
 * the lock is a directory, which mkdir creates atomically. A lock whose owner died is taken over.
 */
async function withBuildLock(work: string, build: (log: LogSink) => Promise<void>): Promise<void> {
  await mkdir(work, { recursive: true });
  const lock = join(work, 'lock');
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

/** Runs `go`, teeing output into the build log; prints a heartbeat so a long build visibly progresses. */
async function go(
  args: string[],
  cwd: string,
  log: LogSink,
  progress?: Progress,
  extraEnv: Record<string, string> = {},
): Promise<string> {
  log.write(`\n$ go ${args.join(' ')}\n`);
  const child = spawn('go', args, {
    cwd,
    // GOTOOLCHAIN stays as the machine has it: with the default `auto`, an older local Go fetches the toolchain a
    // module asks for from the module proxy, which our machines can reach
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    log.write(d);
  });
  child.stderr.on('data', (d: Buffer) => log.write(d));
  const started = Date.now();
  const heartbeat = progress
    ? setInterval(() => progress(`  … still building (${Math.round((Date.now() - started) / 1000)} s)`), 60_000)
    : undefined;
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
  } finally {
    if (heartbeat) clearInterval(heartbeat);
  }
}
