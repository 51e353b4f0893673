import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { type ClusterState, clusterDown, clusterUp } from '../../src/devcluster/cluster.ts';
import { networkLeftovers, nftTables } from '../../src/devcluster/network/host.ts';
import { podLinkNames, slotOfPodIp } from '../../src/devcluster/network/plan.ts';
import { isOurs, processesMentioning } from '../../src/devcluster/processes.ts';
import { kubectlFor } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { alive, statefulSet } from './pods.ts';

const run = promisify(execFile);
const PASSWORD = 'net-root-pw';
const connect = (host: string) =>
  mysql.createConnection({ host, port: 3306, user: 'root', password: PASSWORD, connectTimeout: 5000 });

interface PodJson {
  metadata: { name: string; uid: string };
  status: { podIP?: string; conditions?: { type: string; status: string }[] };
}

// Its own cluster, with the pod network on: the acceptance of issue 21 (pod sandboxes, endpoints, cluster DNS,
// replication by a headless name, nothing left after `cluster down`).
test('pod network: pods in their own namespaces, endpoints, cluster DNS, replication by name, clean down', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'statecraft-podnet-'));
  let state: ClusterState | undefined;
  t.after(async () => {
    await clusterDown(dir).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });
  state = (await clusterUp({ dir, podNetwork: true, progress: (l) => console.error(`[cluster] ${l}`) })).state;
  const net = state.network;
  assert.ok(net, 'the cluster recorded its pod network');
  const kubectl = kubectlFor(state);
  const ns = 'default';

  await kubectl(
    ['apply', '-n', ns, '-f', '-'],
    [
      ...statefulSet('mdb', 3, {
        containers: [
          {
            name: 'mariadb',
            image: 'mariadb:10.11',
            args: ['--log-bin=mysql-bin', '--binlog-format=ROW'],
            env: [{ name: 'MARIADB_ROOT_PASSWORD', value: PASSWORD }],
            ports: [{ containerPort: 3306 }],
          },
        ],
      }),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'mariadb' },
        spec: { selector: { app: 'mdb' }, ports: [{ name: 'mysql', port: 3306, targetPort: 3306 }] },
      },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n'),
  );
  const pods = await eventually(
    'three mariadb pods Ready',
    async () => {
      const out = JSON.parse(await kubectl(['get', 'pods', '-n', ns, '-l', 'app=mdb', '-o', 'json'])) as {
        items: PodJson[];
      };
      const ready = out.items.filter((p) =>
        p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return ready.length === 3 ? ready.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)) : false;
    },
    150_000,
    500,
  );
  const ipOf = (name: string) => pods.find((p) => p.metadata.name === name)!.status.podIP!;

  await t.test('each pod has an address of the pod CIDR, in a network namespace of its own', () => {
    for (const p of pods) {
      const slot = slotOfPodIp(net, p.status.podIP);
      assert.ok(slot, `${p.metadata.name}: ${p.status.podIP} is in ${net.podCidr}`);
      assert.ok(existsSync(join('/run/netns', podLinkNames(net, slot).netns)), `netns of ${p.metadata.name}`);
    }
    assert.equal(new Set(pods.map((p) => p.status.podIP)).size, 3);
  });

  await t.test('a Service selecting three MariaDB pods has three endpoints', async () => {
    const addresses = await eventually(
      'EndpointSlice of Service mariadb with 3 ready endpoints',
      async () => {
        const out = JSON.parse(
          await kubectl(['get', 'endpointslices', '-n', ns, '-l', 'kubernetes.io/service-name=mariadb', '-o', 'json']),
        ) as { items: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[] };
        const ready = out.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready);
        return ready.length === 3 ? ready.flatMap((e) => e.addresses).sort() : false;
      },
      30_000,
    );
    assert.deepEqual(addresses, pods.map((p) => p.status.podIP!).sort());
    const endpoints = JSON.parse(await kubectl(['get', 'endpoints', 'mariadb', '-n', ns, '-o', 'json'])) as {
      subsets?: { addresses?: { ip: string }[] }[];
    };
    assert.equal(endpoints.subsets?.flatMap((s) => s.addresses ?? []).length, 3, 'v1 Endpoints too');
  });

  await t.test('inside a pod, a headless pod name and a Service name resolve through cluster DNS', async () => {
    const resolveIn = async (pod: string, name: string) =>
      (await kubectl(['exec', '-n', ns, pod, '--', 'getent', 'hosts', name])).trim().split(/\s+/)[0];
    assert.equal(await resolveIn('mdb-1', 'mdb-0.mdb'), ipOf('mdb-0'), 'short headless name (search path)');
    assert.equal(await resolveIn('mdb-2', `mdb-1.mdb.${ns}.svc.cluster.local`), ipOf('mdb-1'), 'headless FQDN');
    const clusterIp = (
      await kubectl(['get', 'service', 'mariadb', '-n', ns, '-o', 'jsonpath={.spec.clusterIP}'])
    ).trim();
    assert.equal(await resolveIn('mdb-1', 'mariadb'), clusterIp, 'Service name resolves to its ClusterIP');
    const resolv = await kubectl(['exec', '-n', ns, 'mdb-1', '--', 'cat', '/etc/resolv.conf']);
    assert.match(resolv, new RegExp(`nameserver ${net.hostIp.replace(/\./g, '\\.')}`));
  });

  await t.test('a ClusterIP Service answers from inside a pod and from the host (kube-proxy)', async () => {
    const clusterIp = (
      await kubectl(['get', 'service', 'mariadb', '-n', ns, '-o', 'jsonpath={.spec.clusterIP}'])
    ).trim();
    assert.ok(clusterIp.startsWith(`10.${net.octet}.`), `ClusterIP ${clusterIp} from the cluster's Service range`);
    const fromPod = await eventually(
      'SELECT through the Service from pod mdb-2',
      async () =>
        (
          await kubectl([
            'exec',
            '-n',
            ns,
            'mdb-2',
            '--',
            'mariadb',
            '-h',
            'mariadb',
            '-uroot',
            `-p${PASSWORD}`,
            '-N',
            '-e',
            'SELECT @@hostname',
          ]).catch(() => '')
        ).trim() || false,
      30_000,
      500,
    );
    assert.match(fromPod, /^mdb-[012]$/);
    const seen = new Set<string>();
    for (let i = 0; i < 12 && seen.size < 2; i++) {
      const conn = await connect(clusterIp);
      const [rows] = (await conn.query('SELECT @@hostname AS h')) as unknown as [{ h: string }[]];
      seen.add(rows[0].h);
      await conn.end();
    }
    assert.ok(seen.size >= 2, `the host reaches more than one endpoint through the ClusterIP: ${[...seen]}`);
    const tables = await nftTables(net.routerNetns);
    assert.ok(
      tables.some((t) => t.includes('kube-proxy')),
      `kube-proxy's table in the router namespace: ${tables}`,
    );
  });

  await t.test(
    "inside a pod, the API server answers at https://kubernetes.default.svc with the pod's token",
    async () => {
      const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
      const script =
        `curl -sS --max-time 10 --cacert ${sa}/ca.crt -H "Authorization: Bearer $(cat ${sa}/token)" ` +
        'https://kubernetes.default.svc/api/v1/namespaces/default/pods/mdb-0 -o /dev/null -w "%{http_code} " && ' +
        'echo "$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"';
      const out = (await kubectl(['exec', '-n', ns, 'mdb-0', '--', 'sh', '-c', script])).trim();
      // 403: the API server verified the token and names the pod's service account (which may not read pods)
      assert.match(out, /^(200|403) /, out);
      assert.equal(out.split(' ')[1], `${net.apiServiceIp}:443`);
    },
  );

  await t.test("a replica with MASTER_HOST='<headless name>' replicates", async () => {
    const primary = await connect(ipOf('mdb-0'));
    const replica = await connect(ipOf('mdb-1'));
    try {
      await replica.query('SET GLOBAL server_id = 2');
      await replica.query(
        `CHANGE MASTER TO MASTER_HOST='mdb-0.mdb', MASTER_PORT=3306, MASTER_USER='root', ` +
          `MASTER_PASSWORD='${PASSWORD}', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1`,
      );
      await replica.query('START SLAVE');
      await primary.query('CREATE DATABASE IF NOT EXISTS netcheck');
      await primary.query('CREATE TABLE IF NOT EXISTS netcheck.t (id INT PRIMARY KEY)');
      await primary.query('INSERT INTO netcheck.t VALUES (21)');
      await eventually(
        'the row on the replica',
        async () => {
          const [rows] = (await replica.query('SELECT id FROM netcheck.t').catch(() => [[]])) as unknown as [
            { id: number }[],
          ];
          if (rows.length === 1) return true;
          const [status] = (await replica.query('SHOW SLAVE STATUS')) as unknown as [Record<string, unknown>[]];
          if (status[0]?.Last_IO_Error) console.error(`replica: ${status[0].Last_IO_Error}`);
          return false;
        },
        30_000,
        500,
      );
      const [status] = (await replica.query('SHOW SLAVE STATUS')) as unknown as [Record<string, unknown>[]];
      assert.equal(status[0].Slave_IO_Running, 'Yes');
      assert.equal(status[0].Master_Host, 'mdb-0.mdb');
    } finally {
      await primary.end();
      await replica.end();
    }
  });

  await t.test('cluster down leaves no namespace, link, route, file or process behind', async () => {
    assert.ok((await networkLeftovers(net)).length > 3, 'the network existed while the cluster ran');
    const processes = state!.processes;
    const inPods: number[] = [];
    for (const p of pods) {
      const { netns } = podLinkNames(net, slotOfPodIp(net, p.status.podIP)!);
      const { stdout } = await run('ip', ['netns', 'pids', netns]);
      inPods.push(...stdout.split('\n').filter(Boolean).map(Number));
    }
    assert.ok(inPods.length >= 3, `processes in the pods' namespaces: ${inPods}`);
    await clusterDown(dir);
    state = undefined;
    assert.deepEqual(await networkLeftovers(net), []);
    assert.deepEqual(
      processes.filter(isOurs).map((p) => p.name),
      [],
    );
    assert.deepEqual(processesMentioning(dir), [], 'no process mentions the cluster directory');
    assert.deepEqual(alive(inPods), [], "no process that ran in a pod's namespace is left");
  });
});

test('pod network: cluster down after the node agent was killed (SIGKILL) still leaves nothing behind', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'statecraft-podnet-crash-'));
  t.after(async () => {
    await clusterDown(dir).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });
  const { state } = await clusterUp({ dir, podNetwork: true });
  const net = state.network!;
  const kubectl = kubectlFor(state);
  await kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'r', namespace: 'default' },
      spec: { containers: [{ name: 'redis', image: 'redis:7' }] },
    }),
  );
  const ip = await eventually(
    'pod r Ready with a pod-CIDR address',
    async () => {
      const pod = JSON.parse(await kubectl(['get', 'pod', 'r', '-o', 'json'])) as PodJson;
      const ready = pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      return ready && slotOfPodIp(net, pod.status.podIP) ? pod.status.podIP! : false;
    },
    90_000,
  );
  const { netns } = podLinkNames(net, slotOfPodIp(net, ip)!);
  const inPod = (await run('ip', ['netns', 'pids', netns])).stdout.split('\n').filter(Boolean).map(Number);
  assert.ok(inPod.length >= 1, 'redis-server runs in the pod namespace');

  const agent = state.processes.find((p) => p.name === 'node-agent')!;
  process.kill(agent.pid, 'SIGKILL'); // the agent alone: it cannot clean anything up
  await eventually('the agent gone', async () => !isOurs(agent), 10_000);
  assert.ok(
    (await networkLeftovers(net)).some((l) => l === `netns ${netns}`),
    'its pod namespace outlived it',
  );

  await clusterDown(dir);
  assert.deepEqual(await networkLeftovers(net), []);
  assert.deepEqual(alive(inPod), [], 'the pod process is stopped too');
  assert.deepEqual(processesMentioning(dir), []);
});
