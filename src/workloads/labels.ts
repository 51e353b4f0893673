/**
 * The recommended `app.kubernetes.io/*` labels and the rules that keep user labels from breaking selectors.
 * A StatefulSet's selector is immutable and must match its pod template, so selector keys always win over
 * user-supplied pod labels: a user can add labels, never change the ones the operator selects on.
 */

export const MANAGED_BY = 'statecraft';

export interface LabelIdentity {
  /** app.kubernetes.io/name: what the software is, e.g. "shazamq" */
  name: string;
  /** app.kubernetes.io/instance: which custom resource, e.g. "my-cluster" */
  instance: string;
  /** app.kubernetes.io/component, e.g. "broker" */
  component?: string;
  /** app.kubernetes.io/version */
  version?: string;
  /** app.kubernetes.io/part-of */
  partOf?: string;
  /** app.kubernetes.io/managed-by; default MANAGED_BY (kinds that keep an upstream operator's value set theirs) */
  managedBy?: string;
}

/** The labels every child object carries. */
export function standardLabels(id: LabelIdentity): Record<string, string> {
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': id.name,
    'app.kubernetes.io/instance': id.instance,
    'app.kubernetes.io/managed-by': id.managedBy ?? MANAGED_BY,
  };
  if (id.component) labels['app.kubernetes.io/component'] = id.component;
  if (id.version) labels['app.kubernetes.io/version'] = labelValue(id.version);
  if (id.partOf) labels['app.kubernetes.io/part-of'] = id.partOf;
  return labels;
}

/**
 * The subset used in selectors: name + instance (+ component). Never includes the version, which changes on
 * upgrade while selectors must not.
 */
export function selectorLabels(id: LabelIdentity): Record<string, string> {
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': id.name,
    'app.kubernetes.io/instance': id.instance,
  };
  if (id.component) labels['app.kubernetes.io/component'] = id.component;
  return labels;
}

/**
 * Pod template labels: the user's `podLabels` first, then the operator's labels on top, so a podLabel can never
 * replace a selector key (the upstream operators let `podLabels` break the StatefulSet selector). Returns the keys
 * that were overridden so a controller can warn about them.
 */
export function podTemplateLabels(
  operatorLabels: Record<string, string>,
  userLabels: Record<string, string> | undefined,
): { labels: Record<string, string>; ignored: string[] } {
  const ignored = Object.keys(userLabels ?? {}).filter(
    (k) => k in operatorLabels && operatorLabels[k] !== userLabels?.[k],
  );
  return { labels: { ...(userLabels ?? {}), ...operatorLabels }, ignored };
}

/** A label selector string (`a=b,c=d`) for list calls. */
export function selectorString(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Label values are at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric. */
export function labelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}
