import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { PATCH_SAMPLES, readManifests, SAMPLES_DIR } from '../../src/cli/commands/dev.ts';
import { CANNOT_RUN_HERE } from '../../src/cli/dev/sampleStatus.ts';
import { controllers } from '../../src/controllers/index.ts';
import { clusterDown } from '../../src/devcluster/cluster.ts';

const main = resolve('src/cli/main.ts');

// `statecraft dev` as a new user runs it, on a fresh cluster directory of its own (the binaries come from the
// cache): every sample with a controller converges, and the finish line says so.
test('statecraft dev --exit-after: every sample converges, the summary and the next steps are printed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'statecraft-dev-e2e-'));
  const child = spawn(process.execPath, [main, 'dev', '--dir', dir, '--exit-after', '300'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await clusterDown(dir);
    await rm(dir, { recursive: true, force: true });
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  assert.equal(code, 0, `dev exited ${code}:\n${out}`);

  const lines = out.split('\n');
  assert.ok(/^system packages: all \d+ installed$/m.test(out) || /installed .* in [\d.]+ s/.test(out), out);
  assert.match(out, /^cluster up in [\d.]+ s$/m);

  const samples = await readManifests(SAMPLES_DIR, PATCH_SAMPLES);
  const served = new Set(controllers().map((c) => c.name));
  const withController = samples.filter((s) => served.has((s.kind as string).toLowerCase()));
  const without = samples.filter((s) => !served.has((s.kind as string).toLowerCase()));
  assert.deepEqual(
    without.map((s) => s.kind),
    [],
    'every sample kind has a controller',
  );
  const awaited = withController.filter((s) => !CANNOT_RUN_HERE[s.kind as string]);
  assert.ok(
    withController.some((s) => s.kind === 'ProxysqlSync') &&
      withController.some((s) => s.kind === 'MysqlGroupReplication'),
  );
  assert.match(out, new RegExp(`^all ${awaited.length} samples converged in [\\d.]+ s$`, 'm'));

  // the table: one row per applied sample, each with a controller converged to its kind's ready state
  const header = lines.findIndex((l) => /^\s+KIND\s+NAME\s+STATE\s+CONVERGED$/.test(l));
  assert.ok(header > 0, `summary table printed:\n${out}`);
  const rows = lines.slice(header + 1, header + 1 + samples.length).map((l) => l.trim().split(/\s{2,}/));
  const ready: Record<string, string> = {
    MusicService: 'Available',
    MySQL: 'Ready',
    MysqlReplication: 'Ready',
    RedisCluster: 'Ready',
    PostgresReplication: 'Ready',
    RedisReplication: 'Ready',
    ShazamqCluster: 'Running',
    StreamBusCluster: 'Running',
  };
  for (const s of samples) {
    const m = s.metadata as { name: string; namespace?: string };
    const name = `${m.namespace ?? 'default'}/${m.name}`;
    const row = rows.find((r) => r[0] === s.kind && r[1] === name);
    assert.ok(row, `a row for ${s.kind} ${name}:\n${rows.map((r) => r.join(' | ')).join('\n')}`);
    if (CANNOT_RUN_HERE[s.kind as string]) {
      // reported honestly, never waited for: the False condition that says why, and what cannot run here
      assert.equal(row[3], '-', `${s.kind} ${name}`);
      assert.match(
        row[2],
        s.kind === 'ProxysqlSync'
          ? /^NotReady — ServerReady False \(ProxysqlUnreachable\): ProxySQL proxysql-node-0 \(proxysql-node-0\.default\.svc\.cluster\.local:6032\).*\(no ProxySQL runs on the local cluster\)$/
          : /^NotReady — TopologyReady False \(NodeUnreachable\): .*mysql-gr-node-0.*\(no MySQL server runs on the local cluster/,
        `${s.kind} ${name}`,
      );
    } else {
      assert.equal(row[2], ready[s.kind as string], `${s.kind} ${name} state`);
      assert.match(row[3], /^[\d.]+ s$/, `${s.kind} ${name} time to converge`);
    }
  }

  // honest output: no "no status yet", no healthy condition shown as a problem
  assert.doesNotMatch(out, /no status yet|AsExpected/);
  const crdLine = lines.find((l) => l.startsWith('installed ') && l.includes('CRDs'));
  assert.match(crdLine ?? '', /every kind has its controller/);

  // next steps
  assert.match(out, /^next steps$/m);
  assert.match(out, /switchover: +kubectl -n default patch mysqlreplication mysql-replication-semi-sync-sample/);
  assert.match(out, /source mysql-semi-sync-node-0 +mariadb -h \d+\.\d+\.\d+\.\d+ -P 3306 -u root -p/);
  assert.match(out, /primary miku-stream-db-master-0 +mariadb -h \d+\.\d+\.\d+\.\d+ -P 3306 -u root -p/);
  assert.match(out, /server mysql-my-mysql-instance-\S+ +mariadb -h \d+\.\d+\.\d+\.\d+ -P 3306 -u myuser -p/);
  assert.match(out, new RegExp(`stop the cluster: +npx statecraft cluster down --dir ${dir}`));
  assert.doesNotMatch(out, /keeps running here/, '--exit-after does not keep the operator running');
});
