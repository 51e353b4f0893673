/**
 * `statecraft status`: one CR's view (views/) plus its conditions and last events, as plain data (`-o json`) and as
 * terminal text (colour only when asked: the command passes `color` from the TTY check).
 */
import type { KubeObject } from '../runtime/index.ts';
import type { LiveReport } from './live/model.ts';
import {
  type AutoscalerView,
  autoscalersOf,
  type ClaimView,
  claimsOf,
  lastRoleChange,
  type PodView,
  podsOf,
  podView,
  type Related,
  type RoleChangeView,
  servicesOf,
} from './related.ts';
import { type NodeView, type ReplicaView, viewOf } from './views/index.ts';

export interface StatusReport {
  kind: string;
  namespace: string;
  name: string;
  ready?: boolean;
  nodes?: NodeView[];
  /** role Services (readwrite/readonly) and the Services the CR owns; `selects`: the pods each selects */
  services?: Array<{ role: string; name: string; selects?: string[] }>;
  replicas?: ReplicaView;
  /** the CR's pods (node pods of a topology; app and broker pods), PVCs and HPAs, when the caller read them */
  pods?: PodView[];
  claims?: ClaimView[];
  autoscalers?: AutoscalerView[];
  lastRoleChange?: RoleChangeView;
  lastBackup?: string;
  conditions: Array<{ type: string; status: string; reason?: string; message?: string }>;
  events: Array<{ type?: string; reason?: string; note?: string; time?: string }>;
  /** `status --live`: what each node's server says, beside status, with disagreements (live/) */
  live?: LiveReport;
}

/**
 * The view model of one CR, for every renderer (text, JSON, the web page). `related` holds objects of the CR's
 * namespace; an array is taken as its events alone. A kind of object not passed is left out of the report.
 */
export function statusReport(cr: KubeObject, related: Related | KubeObject[] = {}): StatusReport {
  const rel: Related = Array.isArray(related) ? { events: related } : related;
  const view = viewOf(cr.kind ?? '');
  const status = ((cr as { status?: Record<string, unknown> }).status ?? {}) as Record<string, unknown>;
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []) as Array<
    StatusReport['conditions'][number] & { lastTransitionTime?: string }
  >;
  const nodes = view.nodes?.(cr);
  const pods = rel.pods
    ? podsOf(
        cr,
        rel.pods,
        nodes?.map((n) => n.name),
      )
    : undefined;
  const named = view.services?.(cr) ?? [];
  const services = rel.services ? servicesOf(cr, rel.services, rel.pods ?? [], named) : view.services?.(cr);
  const events = (rel.events ?? [])
    .filter((e) => aboutCr(cr, e))
    .map((e) => e as KubeObject & Record<string, string | undefined>)
    .map((e) => ({
      type: e.type,
      reason: e.reason,
      note: e.note ?? e.message,
      time: e.eventTime ?? e.lastTimestamp ?? e.metadata?.creationTimestamp,
    }))
    .sort((a, b) => String(a.time).localeCompare(String(b.time)));
  return {
    kind: cr.kind ?? '',
    namespace: cr.metadata?.namespace ?? '',
    name: cr.metadata?.name ?? '',
    ready: typeof status.ready === 'boolean' ? status.ready : undefined,
    nodes,
    services: services?.length || view.services ? services : undefined,
    replicas: view.replicas?.(cr),
    pods: pods?.map(podView),
    claims: rel.pvcs ? claimsOf(cr, rel.pvcs, pods?.map((p) => p.metadata?.name ?? '') ?? []) : undefined,
    autoscalers: rel.hpas ? autoscalersOf(cr, rel.hpas) : undefined,
    lastRoleChange: lastRoleChange(conditions, events),
    lastBackup: view.lastBackup?.(cr),
    conditions: conditions.map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message })),
    events: events.slice(-5),
  };
}

/** An event about the CR (events.k8s.io `regarding`, core `involvedObject`); one naming no object is kept. */
function aboutCr(cr: KubeObject, e: KubeObject): boolean {
  const ref =
    (e as { regarding?: KubeObject['metadata'] & { kind?: string } }).regarding ??
    (e as { involvedObject?: KubeObject['metadata'] & { kind?: string } }).involvedObject;
  return !ref?.name || (ref.name === cr.metadata?.name && (!ref.kind || ref.kind === cr.kind));
}

const paint = (on: boolean, code: number, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => stripAnsi(r[i]).length)));
  return rows.map((r) =>
    r
      .map((c, i) => c + ' '.repeat(widths[i] - stripAnsi(c).length))
      .join('  ')
      .trimEnd(),
  );
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips our own colour codes for column widths
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

export function renderStatus(r: StatusReport, color: boolean): string {
  const green = (s: string) => paint(color, 32, s);
  const red = (s: string) => paint(color, 31, s);
  const bold = (s: string) => paint(color, 1, s);
  const lines = [bold(`${r.kind} ${r.namespace}/${r.name}`)];
  if (r.ready !== undefined) lines.push(`Ready: ${r.ready ? green('true') : red('false')}`);
  if (r.nodes) {
    lines.push('', bold('Nodes'));
    const rows = [['NAME', 'ROLE', 'HEALTH', 'READY', 'SOURCE', 'LAG(s)', 'LAG(bytes)', 'LINK', 'POSITION', 'ERRANT']];
    for (const n of r.nodes) {
      rows.push([
        n.name,
        n.role === 'source' ? bold(n.rawRole ?? n.role) : (n.rawRole ?? n.role),
        n.healthy ? green('Healthy') : red('Failed'),
        n.ready ? green('yes') : red('no'),
        n.source ?? '-',
        n.lagSeconds?.toString() ?? '-',
        n.lagBytes?.toString() ?? '-',
        n.linkUp === undefined ? '-' : n.linkUp ? green('up') : red('down'),
        n.position ?? '-',
        n.errant || n.diverged ? red(n.errant ?? 'diverged') : '-',
      ]);
    }
    lines.push(...table(rows));
  }
  if (r.live) lines.push('', ...renderLive(r.live, color));
  if (r.services?.length) {
    lines.push('', bold('Services'));
    for (const s of r.services) {
      const sel = s.selects ? ` -> ${s.selects.length ? s.selects.join(', ') : red('no pods')}` : '';
      lines.push(`  ${s.role.padEnd(9)} ${s.name}${sel}`);
    }
  }
  if (r.lastRoleChange) {
    const c = r.lastRoleChange;
    const stall = c.writeUnavailableMs !== undefined ? ` (writes unavailable ${c.writeUnavailableMs} ms)` : '';
    lines.push('', `Last role change: ${c.reason}${stall}${c.time ? ` at ${c.time}` : ''}`);
  }
  if (r.replicas) {
    const { desired, ready, phase } = r.replicas;
    lines.push('', `Replicas: ${ready ?? 0}/${desired ?? '?'} ready${phase ? ` (${phase})` : ''}`);
  }
  if (r.pods?.length && !r.nodes) {
    lines.push('', bold('Pods'));
    lines.push(
      ...table([
        ['NAME', 'PHASE', 'READY', 'RESTARTS'],
        ...r.pods.map((p) => [p.name, p.phase ?? '-', p.ready ? green('yes') : red('no'), String(p.restarts)]),
      ]),
    );
  }
  if (r.claims?.length) {
    lines.push('', bold('PVCs'));
    lines.push(
      ...table([
        ['NAME', 'PHASE', 'CAPACITY', 'CLASS'],
        ...r.claims.map((c) => [c.name, c.phase ?? '-', c.capacity ?? '-', c.storageClass ?? '-']),
      ]),
    );
  }
  if (r.autoscalers?.length) {
    lines.push('', bold('HPAs'));
    lines.push(
      ...table([
        ['NAME', 'TARGET', 'MIN', 'MAX', 'CURRENT', 'DESIRED'],
        ...r.autoscalers.map((h) => [
          h.name,
          h.target ?? '-',
          String(h.min ?? '-'),
          String(h.max ?? '-'),
          String(h.current ?? '-'),
          String(h.desired ?? '-'),
        ]),
      ]),
    );
  }
  if (r.lastBackup) lines.push(`Last backup: ${r.lastBackup}`);
  if (r.conditions.length) {
    lines.push('', bold('Conditions'));
    lines.push(
      ...table([
        ['TYPE', 'STATUS', 'REASON', 'MESSAGE'],
        ...r.conditions.map((c) => [
          c.type,
          c.status === 'True' ? green(c.status) : red(c.status),
          c.reason ?? '',
          (c.message ?? '').slice(0, 100),
        ]),
      ]),
    );
  }
  if (r.events.length) {
    lines.push('', bold('Last events'));
    for (const e of r.events) {
      const t = e.type === 'Warning' ? red(e.type) : (e.type ?? '');
      lines.push(`  ${e.time ?? ''}  ${t}  ${e.reason ?? ''}: ${(e.note ?? '').slice(0, 160)}`);
    }
  }
  return lines.join('\n');
}

/** The database side (`--live`): per node what the server says, and what contradicts status. */
function renderLive(live: LiveReport, color: boolean): string[] {
  const red = (s: string) => paint(color, 31, s);
  const green = (s: string) => paint(color, 32, s);
  const lines = [paint(color, 1, `Databases (observed ${live.at})`)];
  if (live.error) lines.push(`  ${red(live.error)}`);
  const rows = [
    ['NAME', 'STATUS ROLE', 'SERVER ROLE', 'READ_ONLY', 'LINK', 'SOURCE', 'LAG(s)', 'POSITION', 'DISAGREES'],
  ];
  for (const n of live.nodes) {
    const o = n.observed;
    const flags = n.disagreements.length ? red(n.disagreements.join('; ')) : o.error ? '-' : green('agrees');
    rows.push(
      o.error
        ? [
            n.name,
            n.status?.rawRole ?? n.status?.role ?? '-',
            red(`error: ${o.error.slice(0, 120)}`),
            '',
            '',
            '',
            '',
            '',
            flags,
          ]
        : [
            n.name,
            n.status?.rawRole ?? n.status?.role ?? '-',
            o.rawRole ?? '-',
            o.readOnly === undefined ? '-' : o.readOnly ? 'ON' : 'OFF',
            o.link ?? '-',
            o.source ?? '-',
            o.lagSeconds?.toString() ?? '-',
            (o.position ?? '-').slice(0, 60),
            flags,
          ],
    );
  }
  if (live.nodes.length) lines.push(...table(rows));
  return lines;
}
