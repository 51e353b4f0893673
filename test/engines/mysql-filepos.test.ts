/**
 * File/position replication (MusicService `replication.gtid: false`) on real MariaDB servers: a replica seeded from
 * the dump's binary log coordinates replicates without GTID positions, and the engine leaves it that way.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { connectNode, observeNode, seedReplica } from '../../src/engines/mysql/index.ts';
import { type MariadbServer, startMariadbServers, withAdmin } from '../support/mariadb.ts';
import { eventually } from '../support/wait.ts';
import { harness, REPLICATION } from './mysqlHarness.ts';

const servers: MariadbServer[] = await startMariadbServers(2, { cleanup: after });
const h = harness(servers);
after(() => h.close());

test('gtid: false — seeded from file/position coordinates, replicates by them, and the engine keeps it so', async () => {
  const desired = { ...h.desired('node-0', []), gtid: false };
  assert.ok((await h.converge(desired)).every((r) => r.ok));
  await withAdmin(servers[0], async (c) => {
    await c.query('CREATE DATABASE app');
    await c.query('CREATE TABLE app.t (id INT PRIMARY KEY)');
    await c.query('INSERT INTO app.t VALUES (1), (2), (3)');
  });
  const replica = await connectNode({ host: servers[1].host, port: servers[1].port }, servers[1].admin);
  try {
    const seeded = await seedReplica({
      source: { address: { host: servers[0].host, port: servers[0].port }, login: servers[0].admin },
      replica,
      replicaLogin: servers[1].admin,
      sourceForReplica: { host: servers[0].host, port: servers[0].port },
      replication: REPLICATION,
      gtid: false,
      openSourceSession: () => h.open('node-0'),
    });
    assert.match(seeded.coordinates?.file ?? '', /mariadb-bin\.\d+/);
    await withAdmin(servers[0], (c) => c.query('INSERT INTO app.t VALUES (4)'));
    const st = await eventually('replicating the new row by coordinates', async () => {
      const s = await observeNode(replica);
      const n = await withAdmin(servers[1], async (c) => {
        const [r] = await c.query('SELECT COUNT(*) AS n FROM app.t');
        return Number((r as Array<{ n: number }>)[0].n);
      });
      return n === 4 && s.replication?.sqlRunning === 'Yes' && s;
    });
    assert.equal(st.replication?.usesGtid, false, 'Using_Gtid must stay No');
    // the engine plans nothing more for it (a GTID topology would re-point it)
    const wanted = { ...h.desired('node-0', ['node-1']), gtid: false };
    const steps = await h.converge(wanted);
    assert.deepEqual(
      steps.map((r) => r.step.kind),
      [],
    );
    assert.equal((await observeNode(replica)).replication?.usesGtid, false);
  } finally {
    await replica.close();
  }
});
