import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postgresPod, postgresSecrets } from '../../src/cli/dev/postgresFixtures.ts';
import { apply, readyPod } from '../devcluster/pods.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';

test('kubectl exec into an agent pod: psql, env, stdin, exit codes', async (t) => {
  const ns = await testNamespace(t, 'pg-exec');
  await apply(ns, [
    ...postgresSecrets({ aesKey: 'k3y-0123456789abcdef0123456789ab', adminPassword: 'a', replicationPassword: 'r' }),
    postgresPod('pg-exec-0', undefined),
  ]);
  await readyPod(ns, 'pg-exec-0', { timeoutMs: 120_000 });
  const { kubectl } = await testCluster();
  const exec = (args: string[], input?: string) => kubectl(['exec', '-n', ns, ...args], input);

  assert.match(await exec(['pg-exec-0', '--', 'psql', '-tAc', 'select 1']), /^1\n/);
  // the pod's environment and mounts: PGDATA from its env, the data directory at its mount path
  assert.equal(await exec(['pg-exec-0', '--', 'sh', '-c', 'cat "$PGDATA/PG_VERSION"']), '15\n');
  assert.equal(await exec(['-i', 'pg-exec-0', '--', 'tr', 'a-z', 'A-Z'], 'hello\n'), 'HELLO\n');
  await assert.rejects(exec(['pg-exec-0', '--', 'sh', '-c', 'echo oops >&2; exit 3']), (err: Error) => {
    assert.match(err.message, /oops/);
    assert.match(err.message, /exit code 3/);
    return true;
  });
  await assert.rejects(exec(['pg-exec-0', '--', 'psql', '-c', 'select * from missing_table']), /missing_table/);
});
