/**
 * The finish line of `statecraft dev`: a table of the samples (kind, name, state, time to converge) and the next
 * steps — kubectl against the cluster, status, switchover, the databases from this machine, stopping. Pure.
 */
import { childNames } from '../../controllers/musicservice/children.ts';
import { COMPOSE_INIT_SECRET } from './sampleFixtures.ts';
import type { KubeObject } from './sampleStatus.ts';

export interface SummaryRow {
  kind: string;
  /** namespace/name */
  name: string;
  state: string;
  converged: boolean;
  /** seconds from applying the samples to the first converged observation */
  seconds?: number;
  /** the kind has a CRD but no controller yet */
  noController?: boolean;
  /** the kind's servers cannot run here (sampleStatus.ts CANNOT_RUN_HERE): reported, never waited for */
  cannotRunHere?: boolean;
}

export function summaryTable(rows: SummaryRow[]): string[] {
  const cells = [
    ['KIND', 'NAME', 'STATE', 'CONVERGED'],
    ...rows.map((r) => [
      r.kind,
      r.name,
      r.state,
      r.noController || r.cannotRunHere
        ? '-'
        : r.converged && r.seconds !== undefined
          ? `${r.seconds.toFixed(1)} s`
          : 'not yet',
    ]),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...cells.map((c) => c[i].length)));
  return cells.map((c) => `  ${c.map((v, i) => (i < 3 ? v.padEnd(widths[i]) : v)).join('  ')}`.trimEnd());
}

export interface DatabaseEndpoint {
  /** `MysqlReplication default/mysql-replication-semi-sync-sample` */
  owner: string;
  role: string;
  pod: string;
  host: string;
  port: number;
  user: string;
  /** a command printing the password (no password is ever printed itself) */
  passwordCommand: string;
}

interface PodLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  status?: { podIP?: string };
  spec?: { containers?: { ports?: { containerPort?: number }[] }[] };
}

const secretValue = (ns: string, secret: string, key: string) =>
  `kubectl -n ${ns} get secret ${secret} -o jsonpath='{.data.${key.replace(/\./g, '\\.')}}' | base64 -d`;

/**
 * Where each sample's databases answer from this machine: their pods' IPs (the local cluster has no Service
 * proxy), with the user and how to read its password. The MysqlReplication pods are dev's fixtures (root password
 * in their init Secret); MusicService's are its StatefulSets (root password in `{name}-db-root`); a MySQL's is its
 * Deployment's pod (the tutorial's login: databaseUser, password in `mysql-secret-{name}`).
 */
export function databaseEndpoints(samples: KubeObject[], pods: PodLike[]): DatabaseEndpoint[] {
  const out: DatabaseEndpoint[] = [];
  const pod = (ns: string, name: string) =>
    pods.find((p) => p.metadata?.namespace === ns && p.metadata?.name === name && p.status?.podIP);
  const add = (owner: string, role: string, p: PodLike, user: string, passwordCommand: string) =>
    out.push({
      owner,
      role,
      pod: p.metadata!.name!,
      host: p.status!.podIP!,
      port: p.spec?.containers?.[0]?.ports?.[0]?.containerPort ?? 3306,
      user,
      passwordCommand,
    });
  for (const s of samples) {
    const ns = s.metadata?.namespace ?? 'default';
    const owner = `${s.kind} ${ns}/${s.metadata?.name}`;
    if (s.kind === 'MysqlReplication') {
      const spec = s.spec as { source?: { name?: string }; replica?: { name?: string }[] };
      const nodes = [
        ...(spec.source?.name ? [['source', spec.source.name]] : []),
        ...(spec.replica ?? []).flatMap((r) => (r.name ? [['replica', r.name]] : [])),
      ];
      for (const [role, name] of nodes) {
        const p = pod(ns, name);
        if (p) add(owner, role, p, 'root', secretValue(ns, COMPOSE_INIT_SECRET, 'root-password'));
      }
    }
    if (s.kind === 'MusicService') {
      const names = childNames(s.metadata!.name!);
      const mine = pods
        .filter((p) => p.metadata?.namespace === ns && p.status?.podIP)
        .filter((p) => [names.dbMaster, names.dbReplica].some((n) => p.metadata?.name?.startsWith(`${n}-`)))
        .sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
      for (const p of mine) {
        const role = p.metadata!.name!.startsWith(`${names.dbMaster}-`) ? 'primary' : 'replica';
        add(owner, role, p, 'root', secretValue(ns, names.rootSecret, 'password'));
      }
    }
    if (s.kind === 'MySQL') {
      const name = s.metadata!.name!;
      const user = (s.spec as { databaseUser?: string }).databaseUser ?? 'root';
      const mine = pods.filter(
        (p) =>
          p.metadata?.namespace === ns &&
          p.status?.podIP &&
          p.metadata.labels?.app === 'mysql' &&
          p.metadata.labels['mysql-instance'] === name,
      );
      for (const p of mine) add(owner, 'server', p, user, secretValue(ns, `mysql-secret-${name}`, 'password'));
    }
  }
  return out;
}

export interface NextStepsInput {
  dir: string;
  kubeconfig: string;
  kubectl: string;
  /** resource names for `kubectl get` (musicservice,mysqlreplication,...) */
  resources: string[];
  switchover?: { name: string; namespace: string; patchFile: string };
  databases: DatabaseEndpoint[];
  /** kinds whose pods KWOK simulates (no process behind them) */
  simulated: string[];
  /** `statecraft status` once it exists */
  statusCommand?: string;
  /** the web view once it exists */
  webUrl?: string;
  operatorLog: string;
  /** the operator keeps running in this process after the summary */
  keepsRunning: boolean;
}

export function nextSteps(i: NextStepsInput): string[] {
  const lines = [
    'next steps',
    `  use the cluster:   export KUBECONFIG=${i.kubeconfig} PATH=${dirOf(i.kubectl)}:$PATH`,
    `  status:            ${i.statusCommand ?? `kubectl get ${i.resources.join(',')} -A`}`,
  ];
  if (i.webUrl) lines.push(`  web view:          ${i.webUrl}`);
  if (i.switchover) {
    lines.push(
      `  switchover:        kubectl -n ${i.switchover.namespace} patch mysqlreplication ${i.switchover.name} --type merge --patch-file ${i.switchover.patchFile}`,
    );
  }
  if (i.databases.length) {
    lines.push('  databases, from this machine (mariadb client; -p asks for the password):');
    const owners = [...new Set(i.databases.map((d) => d.owner))];
    for (const owner of owners) {
      const dbs = i.databases.filter((d) => d.owner === owner);
      lines.push(`    ${owner} — password: ${dbs[0].passwordCommand}`);
      const width = Math.max(...dbs.map((d) => `${d.role} ${d.pod}`.length));
      for (const d of dbs) {
        lines.push(`      ${`${d.role} ${d.pod}`.padEnd(width)}  mariadb -h ${d.host} -P ${d.port} -u ${d.user} -p`);
      }
    }
  }
  if (i.simulated.length) {
    lines.push(
      `  simulated:         the pods of ${i.simulated.join(' and of ')} run on KWOK nodes (real objects, no process)`,
    );
  }
  lines.push(`  operator log:      ${i.operatorLog}`);
  lines.push(`  stop the cluster:  npx statecraft cluster down --dir ${i.dir}`);
  if (i.keepsRunning) lines.push('the operator keeps running here; Ctrl-C stops it (the cluster keeps running)');
  return lines;
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}
