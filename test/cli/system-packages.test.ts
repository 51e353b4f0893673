import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { SYSTEM_PACKAGES_FILE } from '../../src/devcluster/system-packages.ts';

const main = resolve('src/cli/main.ts');

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [main, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolvePromise({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// The real commands on a list with one package no machine has (nothing is installed or removed): when they may not
// install, `cluster up` and `dev` stop before building or starting anything, with one message naming the command.
test('a missing package that may not be installed: one message with the exact apt-get command, exit 1, nothing started', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'statecraft-pkgs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const list = join(dir, 'packages.txt');
  await writeFile(
    list,
    `${await readFile(SYSTEM_PACKAGES_FILE, 'utf8')}\nstatecraft-no-such-package  statecraft-no-such-program\n`,
  );
  const env = { STATECRAFT_SYSTEM_PACKAGES: list, STATECRAFT_CACHE_DIR: join(dir, 'cache') };
  const root = process.getuid?.() === 0;
  const command = `${root ? '' : 'sudo '}apt-get install -y --no-install-recommends statecraft-no-such-package`;

  const up = await cli(['cluster', 'up', '--dir', join(dir, 'c1'), '--no-install-packages'], env);
  assert.equal(up.code, 1, up.stderr);
  assert.match(
    up.stderr,
    /^statecraft cluster: the local cluster needs Debian packages that are not installed: statecraft-no-such-package\./m,
  );
  assert.match(up.stderr, /Not installing them \(--no-install-packages\)/);
  assert.ok(up.stderr.includes(command), up.stderr);
  assert.ok(!existsSync(join(dir, 'c1', 'state.json')), 'nothing was started');
  assert.doesNotMatch(up.stderr, /starting etcd|building/);

  const dev = await cli(['dev', '--dir', join(dir, 'c2'), '--exit-after', '1'], { ...env, STATECRAFT_NO_APT: '1' });
  assert.equal(dev.code, 1, dev.stderr);
  assert.match(dev.stderr, /^statecraft dev: the local cluster needs Debian packages .*STATECRAFT_NO_APT is set/m);
  assert.ok(dev.stderr.includes(command), dev.stderr);
  assert.ok(!existsSync(join(dir, 'c2', 'state.json')), 'nothing was started');
});
