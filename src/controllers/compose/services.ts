import { controllerReference, type KubeObject, type ObjectMeta } from '../../runtime/index.ts';

/** A stored custom resource: it has metadata (name, namespace, uid). */
type StoredObject = KubeObject & { metadata: ObjectMeta };

/** The label keys a compose kind puts on its pods: `<prefix>.name` (member) and `<prefix>.readonly`. */
export interface RoleLabels {
  name: string;
  readonly: string;
}

/** compose-operator's label keys for a kind, e.g. roleLabels('mysql-replication'). */
export const roleLabels = (kind: string): RoleLabels => ({
  name: `compose-operator/${kind}.name`,
  readonly: `compose-operator/${kind}.readonly`,
});

export const readwriteServiceName = (cr: StoredObject) => `${cr.metadata.name}-readwrite`;
export const readonlyServiceName = (cr: StoredObject) => `${cr.metadata.name}-readonly`;

export interface RoleServicesSpec {
  labels: RoleLabels;
  /** Service type from the CR (`spec.service.type`), default ClusterIP */
  type?: string;
  port: number;
  /** the port's name, e.g. `mysql`, `redis`, `postgres` */
  portName: string;
  /** whether the CR has replicas that serve reads: the read-only Service exists only then */
  hasReadReplicas: boolean;
}

/**
 * `<cr>-readwrite` always, `<cr>-readonly` while there are non-isolated replicas; they select the pods by the
 * kind's role labels, so moving a label moves the traffic. `remove` names the Services to prune.
 */
export function buildRoleServices(
  cr: StoredObject,
  s: RoleServicesSpec,
): { apply: Record<string, unknown>[]; remove: string[] } {
  const owner = controllerReference(cr);
  const service = (name: string, readonly: 'true' | 'false') => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: cr.metadata.namespace, ownerReferences: [owner] },
    spec: {
      type: s.type ?? 'ClusterIP',
      selector: { [s.labels.readonly]: readonly, [s.labels.name]: cr.metadata.name! },
      ports: [{ name: s.portName, port: s.port, targetPort: s.port, protocol: 'TCP' }],
    },
  });
  return {
    apply: [
      service(readwriteServiceName(cr), 'false'),
      ...(s.hasReadReplicas ? [service(readonlyServiceName(cr), 'true')] : []),
    ],
    remove: s.hasReadReplicas ? [] : [readonlyServiceName(cr)],
  };
}
