import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { clusterDown, clusterUp } from '../../src/devcluster/cluster.ts';
import { isOurs, processesMentioning } from '../../src/devcluster/processes.ts';
import { kubectlFor } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { alive, podProcesses } from './pods.ts';

// Needs its own cluster: stopping the shared one would pull it from under the other test files.
test('stopping the cluster (the agent gets SIGTERM) leaves no database process behind', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'statecraft-agent-down-'));
  t.after(async () => {
    await clusterDown(dir);
    await rm(dir, { recursive: true, force: true });
  });
  const { state } = await clusterUp({ dir });
  const kubectl = kubectlFor(state);
  const pod = (name: string, image: string, env: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'db', image, env: Object.entries(env).map(([n, value]) => ({ name: n, value })) }] },
  });
  await kubectl(
    ['apply', '-f', '-'],
    [
      pod('m', 'mariadb:10.11', { MARIADB_ROOT_PASSWORD: 'x' }),
      pod('r', 'redis:7', {}),
      pod('p', 'postgres:15', { POSTGRES_PASSWORD: 'x' }),
    ]
      .map((o) => JSON.stringify(o))
      .join('\n'),
  );
  const uids = await eventually(
    'three pods Ready',
    async () => {
      const out = JSON.parse(await kubectl(['get', 'pods', '-o', 'json'])) as {
        items: { metadata: { uid: string }; status: { conditions?: { type: string; status: string }[] } }[];
      };
      const ready = out.items.filter((p) =>
        p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return ready.length === 3 ? out.items.map((p) => p.metadata.uid) : false;
    },
    120_000,
  );
  const pids = uids.flatMap((uid) => podProcesses(uid));
  assert.ok(pids.length >= 3, `server processes found: ${pids}`);
  const agent = state.processes.find((p) => p.name === 'node-agent')!;

  await clusterDown(dir);
  assert.equal(isOurs(agent), false, 'the agent is gone');
  assert.deepEqual(alive(pids), [], 'no server process of the cluster is left');
  assert.deepEqual(processesMentioning(dir), [], 'no process mentions the cluster directory');
});
