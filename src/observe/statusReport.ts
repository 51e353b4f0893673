/**
 * `statecraft status`: one CR's view (views/) plus its conditions and last events, as plain data (`-o json`) and as
 * terminal text (colour only when asked: the command passes `color` from the TTY check).
 */
import type { KubeObject } from '../runtime/index.ts';
import { type NodeView, type ReplicaView, viewOf } from './views/index.ts';

export interface StatusReport {
  kind: string;
  namespace: string;
  name: string;
  ready?: boolean;
  nodes?: NodeView[];
  services?: Array<{ role: string; name: string }>;
  replicas?: ReplicaView;
  lastBackup?: string;
  conditions: Array<{ type: string; status: string; reason?: string; message?: string }>;
  events: Array<{ type?: string; reason?: string; note?: string; time?: string }>;
}

export function statusReport(cr: KubeObject, events: KubeObject[] = []): StatusReport {
  const view = viewOf(cr.kind ?? '');
  const status = ((cr as { status?: Record<string, unknown> }).status ?? {}) as Record<string, unknown>;
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []) as StatusReport['conditions'];
  return {
    kind: cr.kind ?? '',
    namespace: cr.metadata?.namespace ?? '',
    name: cr.metadata?.name ?? '',
    ready: typeof status.ready === 'boolean' ? status.ready : undefined,
    nodes: view.nodes?.(cr),
    services: view.services?.(cr),
    replicas: view.replicas?.(cr),
    lastBackup: view.lastBackup?.(cr),
    conditions: conditions.map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message })),
    events: events
      .map((e) => e as KubeObject & Record<string, string | undefined>)
      .map((e) => ({
        type: e.type,
        reason: e.reason,
        note: e.note ?? e.message,
        time: e.eventTime ?? e.lastTimestamp ?? e.metadata?.creationTimestamp,
      }))
      .sort((a, b) => String(a.time).localeCompare(String(b.time)))
      .slice(-5),
  };
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
  if (r.services?.length) {
    lines.push('', bold('Services'));
    for (const s of r.services) lines.push(`  ${s.role.padEnd(9)} ${s.name}`);
  }
  if (r.replicas) {
    const { desired, ready, phase } = r.replicas;
    lines.push('', `Replicas: ${ready ?? 0}/${desired ?? '?'} ready${phase ? ` (${phase})` : ''}`);
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
