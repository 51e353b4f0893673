/**
 * The Debian packages the local cluster needs (database servers and clients for the node agent's pods, openssl for
 * the PKI), read from the one list in `deploy/system-packages.txt` that `.ci/run` and the README use too; which of
 * them this machine lacks; and — when it can and may — installing them with apt-get, said before it is done.
 *
 * "Can": apt-get exists and we are root or have passwordless sudo. "May": not refused with `--no-install-packages`
 * (the caller passes `install: false`) or `STATECRAFT_NO_APT=1`. There is no question on a terminal: `npm run dev`
 * promises to do the set-up, so it announces the command and runs it (CI=true behaves the same). Otherwise it stops
 * with one message naming the exact command to run.
 */
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, createWriteStream, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildError, type Progress } from './build.ts';
import { cacheDir } from './paths.ts';

export const SYSTEM_PACKAGES_FILE = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'deploy',
  'system-packages.txt',
);

export interface SystemPackage {
  name: string;
  /** programs Statecraft runs from it: names looked up on PATH, or absolute paths */
  programs: string[];
}

/** `name program...` lines; `#` starts a comment to the end of the line (.ci/run reads it the same way). */
export function parseSystemPackages(text: string): SystemPackage[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((l) => {
      const [name, ...programs] = l.split(/\s+/);
      return { name, programs };
    });
}

let list: SystemPackage[] | undefined;
/**
 * The list in deploy/system-packages.txt (read once); `STATECRAFT_SYSTEM_PACKAGES` names another file of the same
 * form (another distribution's names, or a test's list with a package this machine lacks).
 */
export function systemPackages(): SystemPackage[] {
  list ??= parseSystemPackages(readFileSync(process.env.STATECRAFT_SYSTEM_PACKAGES || SYSTEM_PACKAGES_FILE, 'utf8'));
  return list;
}

/** The listed package that provides a program (by its listed name or absolute path), if any. */
export function packageProviding(program: string, packages: SystemPackage[] = systemPackages()): string | undefined {
  const base = program.split('/').pop();
  return packages.find((p) =>
    p.programs.some((q) => q === program || (!q.startsWith('/') && !program.includes('/') && q === base)),
  )?.name;
}

/** Where Debian installs programs; searched after PATH, which for a non-root user often lacks the sbin dirs. */
export const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** PATH followed by the system directories it lacks. */
export function defaultProgramPath(env: NodeJS.ProcessEnv = process.env): string {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  return [...new Set([...dirs, ...SYSTEM_DIRS])].join(delimiter);
}

/** The executable a program name resolves to on `path` (an absolute name: itself, when executable). */
export function findProgram(program: string, path: string = defaultProgramPath()): string | undefined {
  const executable = (f: string) => {
    try {
      accessSync(f, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (program.includes('/')) return executable(program) ? program : undefined;
  for (const dir of path.split(delimiter)) {
    if (dir && executable(join(dir, program))) return join(dir, program);
  }
  return undefined;
}

/** "mariadb-install-db (Debian package mariadb-server)" — how a missing program is named to a person. */
export function describeMissingProgram(program: string): string {
  const pkg = packageProviding(program);
  return pkg ? `${program} (Debian package ${pkg})` : program;
}

/** What this machine has; injectable so the decisions are unit-tested without dpkg or apt. */
export interface PackageProbe {
  /** the installed packages among `names` according to dpkg; undefined when there is no dpkg-query */
  dpkgInstalled(names: string[]): Promise<Set<string> | undefined>;
  /** the path a program resolves to, if it is there */
  which(program: string): string | undefined;
  /** running as root */
  root(): boolean;
  /** `sudo -n true` succeeds */
  passwordlessSudo(): Promise<boolean>;
}

export const systemProbe: PackageProbe = {
  dpkgInstalled(names) {
    return new Promise((resolvePromise) => {
      // exit code 1 when some name is unknown; stdout still lists the known ones
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format placeholders
      execFile('dpkg-query', ['-W', '-f=${Package}\\t${Status}\\n', ...names], (err, stdout) => {
        if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT') return resolvePromise(undefined);
        const installed = new Set<string>();
        for (const line of stdout.split('\n')) {
          const [name, status] = line.split('\t');
          if (status?.endsWith(' ok installed')) installed.add(name.split(':')[0]);
        }
        resolvePromise(installed);
      });
    });
  },
  which: (program) => findProgram(program),
  root: () => process.getuid?.() === 0,
  passwordlessSudo: () =>
    new Promise((resolvePromise) => execFile('sudo', ['-n', 'true'], { timeout: 5000 }, (err) => resolvePromise(!err))),
};

export interface MissingPackage extends SystemPackage {
  /** listed programs that are not there */
  missingPrograms: string[];
  /** dpkg says it is installed (yet a program is missing), so apt-get cannot fix it */
  installed: boolean;
}

/**
 * Packages this machine lacks: not installed according to dpkg, or (also without dpkg) one of its programs is not
 * there. A package without programs is judged by dpkg alone.
 */
export async function missingSystemPackages(
  packages: SystemPackage[],
  probe: PackageProbe,
): Promise<{ missing: MissingPackage[]; dpkg: boolean }> {
  const installed = await probe.dpkgInstalled(packages.map((p) => p.name));
  const missing: MissingPackage[] = [];
  for (const p of packages) {
    const missingPrograms = p.programs.filter((q) => !probe.which(q));
    const dpkgOk = installed ? installed.has(p.name) : true;
    if (!dpkgOk || missingPrograms.length) missing.push({ ...p, missingPrograms, installed: !!installed && dpkgOk });
  }
  return { missing, dpkg: installed !== undefined };
}

export interface InstallContext {
  /** false: the caller was told not to install (`--no-install-packages`) or only checks */
  install: boolean;
  /** why installing is off, as the user would recognise it (the flag or variable) */
  refusedBy?: string;
  root: boolean;
  sudo: boolean;
  aptGet: boolean;
  dpkg: boolean;
}

export type PackagePlan =
  | { action: 'none' }
  | { action: 'install'; packages: string[]; commands: string[][]; shown: string }
  | { action: 'stop'; message: string };

/** The apt-get command lines installing `packages`, as argv (with `sudo -n env` when not root). */
export function aptCommands(packages: string[], root: boolean): string[][] {
  const prefix = root ? ['env'] : ['sudo', '-n', 'env'];
  const env = 'DEBIAN_FRONTEND=noninteractive';
  return [
    [...prefix, env, 'apt-get', 'update', '-qq'],
    [...prefix, env, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages],
  ];
}

/** The command a person types. */
export function aptCommandLine(packages: string[], root: boolean): string {
  const sudo = root ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

/** What to do about missing packages (pure). */
export function planSystemPackages(missing: MissingPackage[], c: InstallContext): PackagePlan {
  if (missing.length === 0) return { action: 'none' };
  const names = missing.map((m) => m.name);
  const broken = missing.filter((m) => m.installed);
  if (broken.length) {
    // installed, yet a program is not where Statecraft runs it from: another release's layout
    return {
      action: 'stop',
      message:
        `these packages are installed but lack programs the local cluster runs: ` +
        broken.map((m) => `${m.name} (${m.missingPrograms.join(', ')})`).join('; ') +
        '. Statecraft expects the layout of Debian 12 (bookworm).',
    };
  }
  const command = aptCommandLine(names, c.root);
  const head = `the local cluster needs Debian packages that are not installed: ${names.join(' ')}`;
  if (!c.dpkg || !c.aptGet) {
    const programs = missing.flatMap((m) => m.missingPrograms);
    return {
      action: 'stop',
      message:
        `the local cluster runs database servers and tools from Debian packages, and this machine has no ` +
        `${c.dpkg ? 'apt-get' : 'dpkg/apt-get'}; missing programs: ${programs.join(', ') || '(none found)'}. ` +
        `On Debian or Ubuntu: ${command}`,
    };
  }
  if (!c.install) {
    return {
      action: 'stop',
      message: `${head}.${c.refusedBy ? ` Not installing them (${c.refusedBy}).` : ''} Install them with:\n  ${command}`,
    };
  }
  if (!c.root && !c.sudo) {
    return {
      action: 'stop',
      message: `${head}, and installing them needs root (no passwordless sudo here). Install them with:\n  ${command}`,
    };
  }
  return { action: 'install', packages: names, commands: aptCommands(names, c.root), shown: command };
}

/** A missing package that could not or may not be installed here: the message names the command to run. */
export class SystemPackagesError extends BuildError {
  constructor(message: string, logPath?: string) {
    super(logPath ? `${message} (apt-get output: ${logPath})` : message, undefined, 'ERR_DEVCLUSTER_SYSTEM_PACKAGES');
  }
}

export interface EnsureOptions {
  /** install what is missing when possible; false only checks (and stops with the command to run) */
  install: boolean;
  /** how the caller's opt-out is spelled, for the message (default: the variable) */
  refusedBy?: string;
  progress?: Progress;
  probe?: PackageProbe;
  packages?: SystemPackage[];
  env?: NodeJS.ProcessEnv;
  /** runs one command line (argv) with its output going to the log; rejects on a non-zero exit */
  runCommand?: (argv: string[], log: string) => Promise<void>;
}

export interface EnsureResult {
  /** packages installed by this call */
  installed: string[];
  /** how many listed packages were checked */
  checked: number;
}

/**
 * Makes sure every listed package is there: nothing to do (one dpkg-query), install (announced first, then checked
 * again), or a SystemPackagesError whose message lists the exact command.
 */
export async function ensureSystemPackages(o: EnsureOptions): Promise<EnsureResult> {
  const probe = o.probe ?? systemProbe;
  const packages = o.packages ?? systemPackages();
  const env = o.env ?? process.env;
  const progress = o.progress ?? (() => {});
  const { missing, dpkg } = await missingSystemPackages(packages, probe);
  if (missing.length === 0) return { installed: [], checked: packages.length };

  const noApt = !!env.STATECRAFT_NO_APT && env.STATECRAFT_NO_APT !== '0';
  const root = probe.root();
  const plan = planSystemPackages(missing, {
    install: o.install && !noApt,
    refusedBy: noApt ? 'STATECRAFT_NO_APT is set' : o.refusedBy,
    root,
    sudo: !root && (await probe.passwordlessSudo()),
    aptGet: !!probe.which('apt-get'),
    dpkg,
  });
  if (plan.action === 'none') return { installed: [], checked: packages.length };
  if (plan.action === 'stop') throw new SystemPackagesError(plan.message);

  const logPath = join(cacheDir(env), 'logs', 'system-packages.log');
  await mkdir(dirname(logPath), { recursive: true });
  progress(
    `installing the Debian packages the local cluster needs: ${plan.packages.join(' ')}\n` +
      `  running: ${plan.shown}\n` +
      `  (--no-install-packages or STATECRAFT_NO_APT=1 refuses; output in ${logPath})`,
  );
  const started = Date.now();
  const heartbeat = setInterval(
    () => progress(`  … apt-get still running (${Math.round((Date.now() - started) / 1000)} s)`),
    15_000,
  );
  try {
    for (const argv of plan.commands) await (o.runCommand ?? runLogged)(argv, logPath);
  } catch (err) {
    throw new SystemPackagesError(
      `installing ${plan.packages.join(' ')} failed: ${(err as Error).message} (apt-get output: ${logPath}). ` +
        `Fix that, or run it yourself:\n  ${plan.shown}`,
    );
  } finally {
    clearInterval(heartbeat);
  }
  const { missing: still } = await missingSystemPackages(packages, probe);
  if (still.length) {
    throw new SystemPackagesError(
      `apt-get finished, yet these are still missing: ${still
        .map((m) => (m.missingPrograms.length ? `${m.name} (${m.missingPrograms.join(', ')})` : m.name))
        .join('; ')}`,
      logPath,
    );
  }
  progress(`installed ${plan.packages.join(' ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { installed: plan.packages, checked: packages.length };
}

function runLogged(argv: string[], logPath: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const log = createWriteStream(logPath, { flags: 'a' });
    log.write(`\n$ ${argv.join(' ')}\n`);
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (d: Buffer) => {
      log.write(d);
      tail = (tail + d.toString()).slice(-600);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => {
      log.end();
      reject(err);
    });
    child.on('close', (code) => {
      log.end();
      if (code === 0) resolvePromise();
      else
        reject(
          new Error(`${argv.slice(argv.indexOf('apt-get')).slice(0, 2).join(' ')} exited ${code}: ${tail.trim()}`),
        );
    });
  });
}
