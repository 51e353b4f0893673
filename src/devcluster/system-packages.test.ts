import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import {
  ensureSystemPackages,
  type InstallContext,
  missingSystemPackages,
  type PackageProbe,
  packageProviding,
  parseSystemPackages,
  planSystemPackages,
  SYSTEM_PACKAGES_FILE,
  SystemPackagesError,
  systemPackages,
} from './system-packages.ts';

const REPO = dirname(dirname(SYSTEM_PACKAGES_FILE));

test('the one list: .ci/run reads the same package names as statecraft, and the README points at the file', () => {
  const names = systemPackages().map((p) => p.name);
  assert.ok(names.includes('mariadb-server') && names.includes('postgresql-client') && names.includes('openssl'));
  const ciRun = readFileSync(join(REPO, '.ci', 'run'), 'utf8');
  const line = ciRun.split('\n').find((l) => l.includes('deploy/system-packages.txt') && !l.startsWith('#'));
  assert.ok(line, '.ci/run reads deploy/system-packages.txt');
  assert.doesNotMatch(ciRun, /mariadb-server|redis-tools/, '.ci/run names no package of its own');
  const fromBash = execFileSync('bash', ['-c', `set -euo pipefail; ${line}; printf '%s\\n' "\${packages[@]}"`], {
    cwd: REPO,
    encoding: 'utf8',
  });
  assert.deepEqual(fromBash.trim().split('\n'), names);
  assert.match(readFileSync(join(REPO, 'README.md'), 'utf8'), /deploy\/system-packages\.txt/);
});

test('parse: comments and blank lines skipped; programs after the name; a program maps back to its package', () => {
  const list = parseSystemPackages('# c\n\nfoo  a /opt/b  # trailing\nbar\n');
  assert.deepEqual(list, [
    { name: 'foo', programs: ['a', '/opt/b'] },
    { name: 'bar', programs: [] },
  ]);
  assert.equal(packageProviding('a', list), 'foo');
  assert.equal(packageProviding('/usr/bin/a', list), undefined, 'an absolute path matches only itself');
  assert.equal(packageProviding('/opt/b', list), 'foo');
  assert.equal(packageProviding('mariadb-install-db'), 'mariadb-server');
  assert.equal(packageProviding('/usr/lib/postgresql/15/bin/initdb'), 'postgresql');
});

/** A machine as the probe sees it: installed packages (undefined: no dpkg), programs on PATH, root, sudo. */
function fakeMachine(o: { installed?: string[]; programs: string[]; root?: boolean; sudo?: boolean }) {
  const state = { installed: o.installed ? new Set(o.installed) : undefined, programs: new Set(o.programs) };
  const probe: PackageProbe = {
    dpkgInstalled: async (names) =>
      state.installed ? new Set(names.filter((n) => state.installed!.has(n))) : undefined,
    which: (p) => (state.programs.has(p) ? `/usr/bin/${p}` : undefined),
    root: () => o.root ?? true,
    passwordlessSudo: async () => o.sudo ?? false,
  };
  return { state, probe };
}

const LIST = parseSystemPackages(
  'openssl openssl\nmariadb-server mariadbd mariadb-install-db\nredis-tools redis-cli\n',
);

test('missing: not installed per dpkg, or (without dpkg) a program not found; installed-but-broken is told apart', async () => {
  const dpkg = fakeMachine({ installed: ['openssl', 'redis-tools'], programs: ['openssl', 'apt-get'] });
  const a = await missingSystemPackages(LIST, dpkg.probe);
  assert.equal(a.dpkg, true);
  assert.deepEqual(
    a.missing.map((m) => [m.name, m.installed, m.missingPrograms]),
    [
      ['mariadb-server', false, ['mariadbd', 'mariadb-install-db']],
      ['redis-tools', true, ['redis-cli']],
    ],
  );
  const noDpkg = fakeMachine({ programs: ['openssl', 'mariadbd', 'mariadb-install-db'] });
  const b = await missingSystemPackages(LIST, noDpkg.probe);
  assert.equal(b.dpkg, false);
  assert.deepEqual(
    b.missing.map((m) => m.name),
    ['redis-tools'],
  );
});

test('plan: install when allowed; otherwise one message with the exact apt-get command', async () => {
  const { missing } = await missingSystemPackages(
    LIST,
    fakeMachine({ installed: ['openssl'], programs: ['openssl'] }).probe,
  );
  const ctx: InstallContext = { install: true, root: true, sudo: false, aptGet: true, dpkg: true };
  const cmd = 'apt-get update && apt-get install -y --no-install-recommends mariadb-server redis-tools';

  const asRoot = planSystemPackages(missing, ctx);
  assert.equal(asRoot.action, 'install');
  if (asRoot.action === 'install') {
    assert.deepEqual(asRoot.packages, ['mariadb-server', 'redis-tools']);
    assert.equal(asRoot.shown, cmd);
    assert.deepEqual(asRoot.commands.at(-1), [
      'env',
      'DEBIAN_FRONTEND=noninteractive',
      'apt-get',
      'install',
      '-y',
      '-qq',
      '--no-install-recommends',
      'mariadb-server',
      'redis-tools',
    ]);
  }
  const withSudo = planSystemPackages(missing, { ...ctx, root: false, sudo: true });
  assert.ok(withSudo.action === 'install' && withSudo.commands[0].slice(0, 3).join(' ') === 'sudo -n env');

  const stop = (c: Partial<InstallContext>) => {
    const plan = planSystemPackages(missing, { ...ctx, ...c });
    assert.equal(plan.action, 'stop');
    return plan.action === 'stop' ? plan.message : '';
  };
  assert.match(
    stop({ install: false, refusedBy: '--no-install-packages' }),
    /Not installing them \(--no-install-packages\)/,
  );
  assert.ok(stop({ install: false }).endsWith(`\n  ${cmd}`));
  const noRoot = stop({ root: false, sudo: false });
  assert.match(noRoot, /needs root/);
  assert.ok(
    noRoot.includes(
      `sudo apt-get update && sudo apt-get install -y --no-install-recommends mariadb-server redis-tools`,
    ),
  );
  assert.match(stop({ aptGet: false }), /no apt-get; missing programs: mariadbd, mariadb-install-db, redis-cli/);
  assert.deepEqual(planSystemPackages([], ctx), { action: 'none' });
  const broken = planSystemPackages(
    [{ name: 'postgresql', programs: ['/x/postgres'], missingPrograms: ['/x/postgres'], installed: true }],
    ctx,
  );
  assert.ok(broken.action === 'stop' && /installed but lack.*postgresql \(\/x\/postgres\)/.test(broken.message));
});

test('ensure: announces, installs through the runner, checks again; STATECRAFT_NO_APT or a failure stops with the command', async (t) => {
  const cache = mkdtempSync(join(tmpdir(), 'sc-pkgs-'));
  t.after(() => rmSync(cache, { recursive: true, force: true }));
  const env = { STATECRAFT_CACHE_DIR: cache, PATH: '/usr/bin' };

  const m = fakeMachine({ installed: ['openssl'], programs: ['openssl', 'apt-get'] });
  const events: string[] = [];
  const result = await ensureSystemPackages({
    install: true,
    packages: LIST,
    probe: m.probe,
    env,
    progress: (l) => events.push(`progress: ${l.split('\n')[0]}`),
    runCommand: async (argv) => {
      events.push(`run: ${argv.slice(2, 4).join(' ')}`);
      if (argv.includes('install')) {
        for (const p of ['mariadb-server', 'redis-tools']) m.state.installed!.add(p);
        for (const p of ['mariadbd', 'mariadb-install-db', 'redis-cli']) m.state.programs.add(p);
      }
    },
  });
  assert.deepEqual(result, { installed: ['mariadb-server', 'redis-tools'], checked: 3 });
  assert.equal(
    events[0],
    'progress: installing the Debian packages the local cluster needs: mariadb-server redis-tools',
  );
  assert.deepEqual(events.slice(1, 3), ['run: apt-get update', 'run: apt-get install']);
  assert.match(events[3], /^progress: installed mariadb-server redis-tools in/);

  const again = await ensureSystemPackages({ install: true, packages: LIST, probe: m.probe, env });
  assert.deepEqual(again, { installed: [], checked: 3 });

  const fresh = () => fakeMachine({ installed: [], programs: ['apt-get'] }).probe;
  let ran = false;
  await assert.rejects(
    ensureSystemPackages({
      install: true,
      packages: LIST,
      probe: fresh(),
      env: { ...env, STATECRAFT_NO_APT: '1' },
      runCommand: async () => {
        ran = true;
      },
    }),
    (err: unknown) =>
      err instanceof SystemPackagesError &&
      err.code === 'ERR_DEVCLUSTER_SYSTEM_PACKAGES' &&
      /STATECRAFT_NO_APT is set/.test(err.message) &&
      err.message.includes('apt-get install -y --no-install-recommends openssl mariadb-server redis-tools'),
  );
  assert.equal(ran, false, 'nothing runs when refused');
  await assert.rejects(
    ensureSystemPackages({
      install: true,
      packages: LIST,
      probe: fresh(),
      env,
      runCommand: async () => {
        throw new Error('apt-get install exited 100: E: Unable to locate package');
      },
    }),
    /installing openssl mariadb-server redis-tools failed: .*Unable to locate package.*run it yourself:\n {2}apt-get update/s,
  );
});
