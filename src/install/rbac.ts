/**
 * The operator's RBAC, generated from what the controllers declare (src/runtime/access.ts) — never written by hand,
 * so it holds exactly what the code uses: no wildcard verb or resource, and a permission appears only with the
 * controllers that need it, each rule commented with why. `npm run gen` writes it to deploy/rbac/ and the Helm
 * chart; src/install/rbac.test.ts fails when they are stale.
 */
import { kinds } from '../apis/index.ts';
import { controllers } from '../controllers/index.ts';
import { type Access, type GroupVersionKind, Manager, splitApiVersion, type Verb } from '../runtime/index.ts';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: Verb[];
}

/** A rule with the controllers and reasons behind it, for the generated comments. */
export interface ExplainedRule {
  rule: PolicyRule;
  why: string[];
}

export interface OperatorRbac {
  /** cluster-wide (the ClusterRole), or per watched namespace (a Role in each) */
  rules: ExplainedRule[];
  /** only in the operator's namespace: the leader Lease */
  operatorNamespaceRules: ExplainedRule[];
}

/**
 * What every controller and the runtime declare, read from controllers registered on a manager that is never
 * started (registration does no I/O).
 */
export function operatorAccess(): { controller: string; access: readonly Access[] }[] {
  // a manager that is never started: no request is made, so the config only has to name a server
  const mgr = new Manager({ server: 'https://127.0.0.1:1', applyToHTTPSOptions: async () => {} });
  mgr.add(...controllers({ addressMode: 'host' }));
  return mgr.access();
}

const VERB_ORDER: Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/** The resource name RBAC uses: our kinds' plurals from their CRDs, built-in kinds by the API's own rule. */
export function resourceOf(gvk: GroupVersionKind, subresource?: string): string {
  const own = kinds.find((k) => k.kind === gvk.kind && gvk.apiVersion === `${k.group}/${k.version}`);
  const lower = gvk.kind.toLowerCase();
  const plural =
    own?.plural ??
    (lower.endsWith('y') ? `${lower.slice(0, -1)}ies` : lower.endsWith('s') ? `${lower}es` : `${lower}s`);
  return subresource ? `${plural}/${subresource}` : plural;
}

/**
 * Merges declared access into RBAC rules: verbs unioned per resource, then resources of one API group with the
 * same verbs joined into one rule; sorted, so the output is stable. Pure.
 */
export function rbacRules(declared: readonly { controller: string; access: readonly Access[] }[]): OperatorRbac {
  type Entry = { group: string; resource: string; verbs: Set<Verb>; why: Set<string> };
  const collect = (operatorNamespace: boolean) => {
    const byResource = new Map<string, Entry>();
    for (const { controller, access } of declared) {
      for (const a of access) {
        if (!!a.operatorNamespace !== operatorNamespace) continue;
        const group = splitApiVersion(a.gvk.apiVersion).group;
        const resource = resourceOf(a.gvk, a.subresource);
        const key = `${group}/${resource}`;
        const e = byResource.get(key) ?? { group, resource, verbs: new Set<Verb>(), why: new Set<string>() };
        byResource.set(key, e);
        for (const v of a.verbs) e.verbs.add(v);
        e.why.add(`${controller}: ${a.reason}`);
      }
    }
    const rules = new Map<string, ExplainedRule>();
    for (const e of byResource.values()) {
      const verbs = VERB_ORDER.filter((v) => e.verbs.has(v));
      const key = `${e.group}|${verbs.join(',')}`;
      const r = rules.get(key) ?? { rule: { apiGroups: [e.group], resources: [], verbs }, why: [] };
      rules.set(key, r);
      r.rule.resources.push(e.resource);
      r.why.push(`${e.resource}: ${[...e.why].sort().join('; ')}`);
    }
    const out = [...rules.values()];
    for (const r of out) {
      r.rule.resources.sort();
      r.why.sort();
    }
    return out.sort(
      (a, b) =>
        a.rule.apiGroups[0].localeCompare(b.rule.apiGroups[0]) ||
        a.rule.resources[0].localeCompare(b.rule.resources[0]),
    );
  };
  return { rules: collect(false), operatorNamespaceRules: collect(true) };
}

/** `rules:` entries as YAML (flow lists, one rule per block), each preceded by comments saying who needs it and why. */
export function rulesYaml(rules: readonly ExplainedRule[], indent = ''): string {
  const list = (xs: readonly string[]) => `[${xs.map((x) => (x === '' ? '""' : x)).join(', ')}]`;
  return rules
    .map(({ rule, why }) =>
      [
        ...why.map((w) => `# ${w}`),
        `- apiGroups: ${list(rule.apiGroups)}`,
        `  resources: ${list(rule.resources)}`,
        `  verbs: ${list(rule.verbs)}`,
      ]
        .map((l) => `${indent}${l}\n`)
        .join(''),
    )
    .join('');
}
