import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { clusterDown, clusterUp } from '../../src/devcluster/cluster.ts';
import { MARIADB_PROGRAMS } from '../../src/devcluster/servers/mariadb.ts';
import { findProgram } from '../../src/devcluster/system-packages.ts';
import { kubectlFor } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';

interface PodJson {
  status?: {
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      restartCount: number;
      state?: { waiting?: { reason?: string; message?: string }; running?: object };
    }[];
  };
}

// Its own cluster: the agent's program path (STATECRAFT_AGENT_PATH) is fixed when the agent starts. The path is a
// directory of links to this machine's MariaDB programs minus one, so nothing is uninstalled.
test('a server program that is not installed is a waiting state and an event naming the package, not a crash loop; the pod starts once it is there', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'statecraft-agent-pkg-'));
  const bin = join(dir, 'programs');
  t.after(async () => {
    await clusterDown(dir);
    await rm(dir, { recursive: true, force: true });
  });
  await mkdir(bin);
  const link = (p: string) => symlink(findProgram(p)!, join(bin, p));
  for (const p of MARIADB_PROGRAMS) if (p !== 'mariadb-install-db') await link(p);

  const { state } = await clusterUp({ dir, agentEnv: { STATECRAFT_AGENT_PATH: bin } });
  const kubectl = kubectlFor(state);
  await kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'db', namespace: 'default' },
      spec: {
        containers: [{ name: 'mariadb', image: 'mariadb:10.11', env: [{ name: 'MARIADB_ROOT_PASSWORD', value: 'x' }] }],
      },
    }),
  );
  const pod = async () => JSON.parse(await kubectl(['get', 'pod', 'db', '-o', 'json'])) as PodJson;

  const waiting = await eventually(
    'the container waiting with reason PackageNotInstalled',
    async () => {
      const w = (await pod()).status?.containerStatuses?.[0]?.state?.waiting;
      return w?.reason === 'PackageNotInstalled' ? w : false;
    },
    60_000,
  );
  assert.match(waiting.message!, /mariadb-install-db \(Debian package mariadb-server\) is not installed/);
  assert.match(waiting.message!, /apt-get install -y mariadb-server/);
  const events = JSON.parse(
    await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=db', '-o', 'json']),
  ) as { items: { type: string; reason: string; message: string }[] };
  const warning = events.items.find((e) => e.reason === 'PackageNotInstalled');
  assert.ok(warning, `a PackageNotInstalled event (events: ${events.items.map((e) => e.reason).join(', ')})`);
  assert.equal(warning.type, 'Warning');
  assert.match(warning.message, /Debian package mariadb-server/);
  assert.ok(!events.items.some((e) => e.reason === 'BackOff'), 'no crash loop');

  // a few rechecks later it is still waiting, never started, never restarted
  await new Promise((r) => setTimeout(r, 7000));
  const still = (await pod()).status?.containerStatuses?.[0];
  assert.equal(still?.state?.waiting?.reason, 'PackageNotInstalled');
  assert.equal(still?.restartCount, 0);

  // "installing" the package: the program appears on the agent's path and the container starts by itself
  await link('mariadb-install-db');
  await eventually(
    'pod db Ready',
    async () => (await pod()).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    120_000,
    500,
  );
  assert.equal((await pod()).status?.containerStatuses?.[0]?.restartCount, 0);
});
