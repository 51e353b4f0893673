import type { V1PersistentVolumeClaim, V1StatefulSet } from '@kubernetes/client-node';

/**
 * A StatefulSet's volumeClaimTemplate. volumeClaimTemplates are immutable on an existing StatefulSet, so once it
 * exists the size it was created with is kept here; growing is done on the PVCs themselves (see the storage step).
 */
export function claimTemplate(
  name: string,
  labels: Record<string, string>,
  size: string,
  observed: V1StatefulSet | undefined,
): V1PersistentVolumeClaim {
  const existing = observed?.spec?.volumeClaimTemplates?.find((t) => t.metadata?.name === name);
  const keptSize = existing?.spec?.resources?.requests?.storage;
  return {
    metadata: { name, labels },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: keptSize ? String(keptSize) : size } },
    },
  };
}
