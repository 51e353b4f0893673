import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { clusterOctet } from '../../src/devcluster/agent/ips.ts';
import { startMariadb } from '../../src/devcluster/servers/mariadb.ts';
import { startPostgres } from '../../src/devcluster/servers/postgres.ts';
import type { ServerHandle } from '../../src/devcluster/servers/process.ts';
import { startRedis } from '../../src/devcluster/servers/redis.ts';

// bare servers without a cluster, as other tests use them: an address of their own in 127.0.0.0/8
async function workdir(t: { after(fn: () => Promise<void>): void }, servers: ServerHandle[]) {
  const dir = await mkdtemp(join(tmpdir(), 'statecraft-servers-'));
  t.after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, ip: `127.${clusterOctet(dir)}.250.${1 + Math.floor(Math.random() * 250)}` };
}

test('startMariadb: image-style initialisation, conf files and args, stop', async (t) => {
  const servers: ServerHandle[] = [];
  const { dir, ip } = await workdir(t, servers);
  await writeFile(join(dir, 'x.cnf'), '[mysqld]\nmax_connections=42\n');
  const server = startMariadb({
    ip,
    port: 3306,
    dataDir: join(dir, 'data'),
    env: { MARIADB_ROOT_PASSWORD: 'pw', MARIADB_DATABASE: 'app' },
    args: ['--server-id=9'],
    configFiles: [join(dir, 'x.cnf')],
  });
  servers.push(server);
  await server.ready(60_000);
  const c = await mysql.createConnection({ host: ip, user: 'root', password: 'pw', database: 'app' });
  const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT @@server_id AS id, @@max_connections AS maxc');
  await c.end();
  assert.deepEqual(rows[0], { id: 9, maxc: 42 });
  const exit = await server.stop();
  assert.equal(exit.code, 0, 'a clean shutdown on SIGTERM');
});

test('startMariadb without a password option fails like the image', async (t) => {
  const servers: ServerHandle[] = [];
  const { dir, ip } = await workdir(t, servers);
  const server = startMariadb({ ip, port: 3306, dataDir: join(dir, 'data'), env: {} });
  servers.push(server);
  const exit = await server.exited;
  assert.equal(exit.code, 1);
  assert.match(exit.message ?? '', /password option is not specified/);
});

test('startRedis and startPostgres answer on their address', async (t) => {
  const servers: ServerHandle[] = [];
  const { dir, ip } = await workdir(t, servers);
  const redis = startRedis({ ip, port: 6379, dataDir: join(dir, 'redis'), args: ['--appendonly', 'yes'] });
  const postgres = startPostgres({ ip, port: 5432, dataDir: join(dir, 'pg'), env: { POSTGRES_PASSWORD: 'pw' } });
  servers.push(redis, postgres);
  await Promise.all([redis.ready(30_000), postgres.ready(60_000)]);
  const r = new Redis({ host: ip, port: 6379, lazyConnect: true });
  await r.connect();
  assert.equal(await r.ping(), 'PONG');
  r.disconnect();
  const c = new pg.Client({ host: ip, port: 5432, user: 'postgres', password: 'pw', database: 'postgres' });
  await c.connect();
  assert.equal((await c.query('SELECT 1 AS one')).rows[0].one, 1);
  await c.end();
});
