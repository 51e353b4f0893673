import type { ControllerReference } from './owner.ts';

export const SERVICE_MONITOR_CRD = 'servicemonitors.monitoring.coreos.com';

export interface ServiceMonitorInput {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  owner: ControllerReference;
  selector: Record<string, string>;
  /** name of the Service port to scrape */
  port: string;
  path?: string;
  interval?: string;
  scrapeTimeout?: string;
}

export interface ServiceMonitor {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'ServiceMonitor';
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    ownerReferences: ControllerReference[];
  };
  spec: {
    selector: { matchLabels: Record<string, string> };
    namespaceSelector: { matchNames: string[] };
    endpoints: { port: string; path: string; interval?: string; scrapeTimeout?: string }[];
  };
}

/** A Prometheus Operator ServiceMonitor; only applied when the monitoring.coreos.com CRD exists. */
export function buildServiceMonitor(input: ServiceMonitorInput): ServiceMonitor {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: input.name, namespace: input.namespace, labels: input.labels, ownerReferences: [input.owner] },
    spec: {
      selector: { matchLabels: { ...input.selector } },
      namespaceSelector: { matchNames: [input.namespace] },
      endpoints: [
        {
          port: input.port,
          path: input.path ?? '/metrics',
          ...(input.interval ? { interval: input.interval } : {}),
          ...(input.scrapeTimeout ? { scrapeTimeout: input.scrapeTimeout } : {}),
        },
      ],
    },
  };
}
