import type { V1LabelSelector } from '@kubernetes/client-node';
import type { ControllerReference } from './owner.ts';

/** A NetworkPolicy peer. (client-node's own type renames `from` to `_from`, which is not the wire format.) */
export interface NetworkPolicyPeer {
  podSelector?: V1LabelSelector;
  namespaceSelector?: V1LabelSelector;
}

export interface NetworkPolicy {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: { name: string; namespace: string; labels: Record<string, string>; ownerReferences: ControllerReference[] };
  spec: {
    podSelector: V1LabelSelector;
    policyTypes: string[];
    ingress: { from: NetworkPolicyPeer[]; ports: { protocol: string; port: number }[] }[];
  };
}

export interface NetworkPolicyInput {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  owner: ControllerReference;
  /** pods the policy isolates */
  podSelector: Record<string, string>;
  /** ports clients in the namespace may reach */
  clientPorts: number[];
  /** ports only the cluster's own pods may reach (replication, raft) */
  peerPorts: number[];
  /** ports any pod in any namespace may reach (health and metrics scraped from a monitoring namespace) */
  publicPorts?: number[];
}

/**
 * Ingress isolation for a broker cluster: client ports are open to pods of the same namespace, `publicPorts` to every namespace,
 * peer ports only to the cluster's own pods. Everything else inbound is denied.
 */
export function buildNetworkPolicy(input: NetworkPolicyInput): NetworkPolicy {
  const tcp = (port: number) => ({ protocol: 'TCP', port });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: input.name, namespace: input.namespace, labels: input.labels, ownerReferences: [input.owner] },
    spec: {
      podSelector: { matchLabels: { ...input.podSelector } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ podSelector: {} }],
          ports: input.clientPorts.map(tcp),
        },
        ...(input.publicPorts?.length
          ? [{ from: [{ namespaceSelector: {} }], ports: input.publicPorts.map(tcp) }]
          : []),
        {
          from: [{ podSelector: { matchLabels: { ...input.podSelector } } }],
          ports: input.peerPorts.map(tcp),
        },
      ],
    },
  };
}
