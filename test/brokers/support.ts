/**
 * Helpers for the broker e2e tests: an in-process manager running the broker controllers against the test
 * cluster (scoped to the test's namespaces), KWOK nodes for samples whose scheduling rules need them, and small
 * readers for pods and custom resources.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import { parse } from 'yaml';
import { installCrds } from '../../src/apis/install.ts';
import { controllers } from '../../src/controllers/index.ts';
import { KWOK_NODE_ANNOTATION } from '../../src/devcluster/cluster.ts';
import { Manager } from '../../src/runtime/index.ts';
import { type TestCluster, testCluster } from '../support/cluster.ts';

export const SAMPLES = join(import.meta.dirname, '..', '..', 'samples');

export async function sampleText(file: string): Promise<string> {
  return readFile(join(SAMPLES, file), 'utf8');
}

/** A sample parsed, moved to `namespace` (for tests that change it and must not collide with the verbatim run). */
export interface CrView {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number; [key: string]: unknown };
  spec: Record<string, unknown>;
  status?: {
    phase?: string;
    replicas?: number;
    readyReplicas?: number;
    observedGeneration?: number;
    selector?: string;
    conditions?: { type: string; status: string; reason: string; message: string }[];
    brokers?: unknown;
    endpoints?: unknown;
  };
}

export async function sampleIn(file: string, namespace: string): Promise<CrView> {
  const obj = parse(await sampleText(file));
  obj.metadata.namespace = namespace;
  return obj;
}

let crds: Promise<unknown> | undefined;
export function ensureCrds(cluster: TestCluster): Promise<unknown> {
  crds ??= installCrds(cluster.kc);
  return crds;
}

/** Starts a manager with the broker controllers watching `namespaces`; stops it when the test ends. */
export async function startManager(
  t: { after(fn: () => Promise<void> | void): void },
  namespaces: string[],
): Promise<Manager> {
  const cluster = await testCluster();
  await ensureCrds(cluster);
  const mgr = new Manager(cluster.kc, {
    metricsBindAddress: '127.0.0.1:0',
    healthProbeBindAddress: '0',
    namespaces,
    gracefulShutdownMs: 5_000,
    logger: pino({ level: process.env.STATECRAFT_TEST_LOG ?? 'warn' }),
  });
  mgr.add(...controllers({ only: ['shazamqcluster', 'streambuscluster'] }));
  const running = mgr.start();
  running.catch((err) => console.error('manager stopped with', err));
  t.after(() => mgr.stop());
  while (!mgr.isReady) {
    await Promise.race([running, new Promise((r) => setTimeout(r, 50))]);
  }
  return mgr;
}

/** KWOK nodes with labels and taints (the samples' nodeSelector/tolerations need them); deleted after the test. */
export async function fakeNodes(
  t: { after(fn: () => Promise<void> | void): void },
  prefix: string,
  count: number,
  labels: Record<string, string>,
  taints: k8s.V1Taint[],
): Promise<string[]> {
  const core = (await testCluster()).kc.makeApiClient(k8s.CoreV1Api);
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  for (const name of names) {
    await core.deleteNode({ name }).catch(() => {});
    await core.createNode({
      body: {
        metadata: {
          name,
          annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          labels: { ...labels, 'kubernetes.io/hostname': name, 'statecraft.dev/node-type': 'kwok', type: 'kwok' },
        },
        spec: { taints },
      },
    });
  }
  t.after(async () => {
    // pods bound to a deleted KWOK node would hang in Terminating: wait until the test's cleanup removed them
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const pods = await core
        .listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${names[0]}` })
        .catch(() => undefined);
      const left = [];
      for (const name of names) {
        const l = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` }).catch(() => pods);
        left.push(...(l?.items ?? []));
      }
      if (!left.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const name of names) await core.deleteNode({ name }).catch(() => {});
  });
  return names;
}

export interface Objects {
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  custom: k8s.CustomObjectsApi;
}

export async function apis(): Promise<Objects> {
  const kc = (await testCluster()).kc;
  return {
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
  };
}

export const SHAZAMQ = { group: 'shazamq.io', version: 'v1alpha1', plural: 'shazamqclusters' };
export const STREAMBUS = { group: 'streambus.io', version: 'v1alpha1', plural: 'streambusclusters' };

export async function getCr(kind: typeof SHAZAMQ, namespace: string, name: string): Promise<CrView | undefined> {
  const { custom } = await apis();
  return custom.getNamespacedCustomObject({ ...kind, namespace, name }).catch(() => undefined);
}

/** Pods of a cluster (by instance label), with name, uid, image, ready, deleting. */
export async function clusterPods(namespace: string, instance: string) {
  const { core } = await apis();
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/instance=${instance}` });
  return pods.items
    .map((p) => ({
      name: p.metadata?.name ?? '',
      uid: p.metadata?.uid ?? '',
      image: p.spec?.containers[0]?.image ?? '',
      node: p.spec?.nodeName,
      hash: p.metadata?.annotations?.['statecraft.dev/config-hash'],
      ready: !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      deleting: !!p.metadata?.deletionTimestamp,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Watches a cluster's pods and records the largest number of them unavailable (missing, not ready or terminating)
 * at any moment, relative to `expected` — the measure of "one pod at a time".
 */
export async function trackUnavailable(namespace: string, instance: string, expected: number) {
  const kc = (await testCluster()).kc;
  const pods = new Map<string, { ready: boolean; deleting: boolean }>();
  let max = 0;
  let synced = false;
  const replaced = new Set<string>();
  const watch = new k8s.Watch(kc);
  const req = await watch.watch(
    `/api/v1/namespaces/${namespace}/pods`,
    { labelSelector: `app.kubernetes.io/instance=${instance}` },
    (type: string, pod: k8s.V1Pod) => {
      const uid = pod.metadata?.uid ?? '';
      if (type === 'DELETED') {
        pods.delete(uid);
        replaced.add(pod.metadata?.name ?? '');
      } else {
        pods.set(uid, {
          ready: !!pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
          deleting: !!pod.metadata?.deletionTimestamp,
        });
      }
      const available = [...pods.values()].filter((p) => p.ready && !p.deleting).length;
      // the watch starts with one ADDED per existing pod: count only once the whole (Running) cluster was seen
      if (available >= expected) synced = true;
      if (synced) max = Math.max(max, expected - available);
    },
    () => {},
  );
  return {
    get maxUnavailable() {
      return max;
    },
    /** pod names that were deleted (replaced) while tracking */
    replaced,
    stop: () => req.abort(),
  };
}

export function condition(cr: CrView | undefined, type: string) {
  return (cr?.status?.conditions ?? []).find((c) => c.type === type);
}
