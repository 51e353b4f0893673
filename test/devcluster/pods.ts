/** Helpers for the node-agent tests: apply objects, wait for pods, find a pod's server process. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { processesMentioning } from '../../src/devcluster/processes.ts';
import { testCluster } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';

export async function apply(ns: string, objects: object[]): Promise<void> {
  const cluster = await testCluster();
  await cluster.kubectl(['apply', '-n', ns, '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n'));
}

export async function core(): Promise<k8s.CoreV1Api> {
  return (await testCluster()).kc.makeApiClient(k8s.CoreV1Api);
}

/** Waits until pod `name` is Ready (and, with `notUid`, is a new pod); returns it. */
export async function readyPod(ns: string, name: string, opts: { notUid?: string; timeoutMs?: number } = {}) {
  const api = await core();
  return eventually(
    `pod ${ns}/${name} Ready`,
    async () => {
      const pod = await api.readNamespacedPod({ name, namespace: ns });
      if (opts.notUid && pod.metadata?.uid === opts.notUid) return false;
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      return ready && pod.status?.podIP ? pod : false;
    },
    opts.timeoutMs ?? 90_000,
    250,
  );
}

/** Pids of the pod's server processes (their command lines name the pod's private directory). */
export function podProcesses(uid: string): number[] {
  return processesMentioning(join(tmpdir(), 'statecraft-pods', uid));
}

export const secret = (name: string, data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name },
  stringData: data,
});

export function statefulSet(name: string, replicas: number, podSpec: object, claimMount?: string): object[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: { clusterIP: 'None', selector: { app: name }, ports: [{ port: 1 }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name },
      spec: {
        serviceName: name,
        replicas,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: podSpec },
        ...(claimMount
          ? {
              volumeClaimTemplates: [
                {
                  metadata: { name: 'data' },
                  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
                },
              ],
            }
          : {}),
      },
    },
  ];
}
