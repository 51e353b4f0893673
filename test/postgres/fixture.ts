/**
 * A PostgresReplication in a test namespace: the sample's Secrets and pg-node-0..2 pods (src/cli/dev/
 * postgresFixtures.ts, the same `statecraft dev` creates), the operator, and helpers to read the CR, connect to a
 * node and find which pod a Service selects.
 */
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { parse } from 'yaml';
import { installCrds } from '../../src/apis/install.ts';
import type { PostgresReplication } from '../../src/apis/postgresreplication.ts';
import {
  POSTGRES_ADMIN_USER,
  POSTGRES_NODES,
  postgresPod,
  postgresSecrets,
} from '../../src/cli/dev/postgresFixtures.ts';
import { controllers } from '../../src/controllers/index.ts';
import { apply, core, readyPod } from '../devcluster/pods.ts';
import { startManager } from '../runtime/support.ts';
import { testCluster, testNamespace } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';

export const CREDS = {
  aesKey: 'k3y-0123456789abcdef0123456789ab',
  adminPassword: "Adm'n-pw",
  replicationPassword: 'R3pl-pw',
};
const GROUP = 'upm.syntropycloud.io';

export function sampleCr(): PostgresReplication {
  return parse(readFileSync(new URL('../../samples/compose-postgresreplication.yaml', import.meta.url), 'utf8'));
}

export interface PgSetup {
  ns: string;
  name: string;
  get(): Promise<PostgresReplication>;
  patch(body: object, type?: 'merge'): Promise<void>;
  podIp(node: string): Promise<string>;
  connect(node: string): Promise<pg.Client>;
  /** the pods a Service's selector matches */
  selected(service: string): Promise<string[]>;
  waitReady(what: string, timeoutMs?: number): Promise<PostgresReplication>;
}

export async function setupPostgres(
  t: { after(fn: () => Promise<void> | void): void },
  prefix: string,
  cr: PostgresReplication = sampleCr(),
): Promise<PgSetup> {
  const ns = await testNamespace(t, prefix);
  const cluster = await testCluster();
  await installCrds(cluster.kc);
  await apply(ns, [...postgresSecrets(CREDS), ...POSTGRES_NODES.map((n) => postgresPod(n, undefined))]);
  await Promise.all(POSTGRES_NODES.map((n) => readyPod(ns, n, { timeoutMs: 120_000 })));
  await startManager(
    t,
    controllers({ addressMode: 'pod-ip', only: ['postgresreplication'], postgresReplication: { resyncMs: 1000 } }),
    { namespaces: [ns] },
  );
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  const api = await core();
  const name = cr.metadata.name!;
  const ref = { group: GROUP, version: 'v1alpha1', namespace: ns, plural: 'postgresreplications' };
  await custom.createNamespacedCustomObject({ ...ref, body: { ...cr, metadata: { ...cr.metadata, namespace: ns } } });
  const setup: PgSetup = {
    ns,
    name,
    get: async () => (await custom.getNamespacedCustomObject({ ...ref, name })) as PostgresReplication,
    patch: async (body) => {
      await custom.patchNamespacedCustomObject(
        { ...ref, name, body },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    },
    podIp: async (node) => (await api.readNamespacedPod({ name: node, namespace: ns })).status!.podIP!,
    connect: async (node) => {
      const c = new pg.Client({
        host: await setup.podIp(node),
        port: 5432,
        user: POSTGRES_ADMIN_USER,
        password: CREDS.adminPassword,
        database: 'postgres',
        connectionTimeoutMillis: 3000,
      });
      c.on('error', () => {});
      await c.connect();
      return c;
    },
    selected: async (service) => {
      const svc = await api.readNamespacedService({ name: service, namespace: ns });
      const sel = svc.spec?.selector ?? {};
      const pods = await api.listNamespacedPod({ namespace: ns });
      return pods.items
        .filter((p) => Object.entries(sel).every(([k, v]) => p.metadata?.labels?.[k] === v))
        .map((p) => p.metadata!.name!)
        .sort();
    },
    waitReady: (what, timeoutMs = 120_000) =>
      eventually(
        what,
        async () => {
          const o = await setup.get();
          return o.status?.ready === true && o.status.observedGeneration === o.metadata.generation ? o : false;
        },
        timeoutMs,
        250,
      ),
  };
  return setup;
}
