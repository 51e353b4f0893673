/**
 * The web view's renderer: StatusReport (the same view model `statecraft status` prints) → HTML with an inline
 * SVG topology per CR. Pure functions, rendered on the server so the browser only swaps fragments in; every string
 * from the cluster goes through `esc` (CR, node and Service names, messages), and the page's CSP allows no inline
 * script, so a hostile name cannot run code.
 */
import { createHash } from 'node:crypto';
import type { StatusReport } from '../statusReport.ts';
import type { NodeView } from '../views/index.ts';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Escapes text and attribute values (always quoted with "). */
export const esc = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]);

export const reportKey = (r: StatusReport): string => `${r.kind}/${r.namespace}/${r.name}`;

/** One line of state for the CR list: Ready / Not ready / the phase / replicas. */
export function stateOf(r: StatusReport): { text: string; ok: boolean | undefined } {
  const ready = r.ready ?? r.conditions.find((c) => c.type === 'Ready')?.status === 'True';
  const hasReady = r.ready !== undefined || r.conditions.some((c) => c.type === 'Ready');
  const parts: string[] = [];
  if (hasReady) parts.push(ready ? 'Ready' : 'Not ready');
  if (r.replicas) parts.push(`${r.replicas.ready ?? 0}/${r.replicas.desired ?? '?'} replicas`);
  if (r.replicas?.phase) parts.push(r.replicas.phase);
  if (r.nodes) parts.push(`${r.nodes.length} nodes`);
  return { text: parts.join(' · ') || 'no status yet', ok: hasReady ? ready : undefined };
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

const W = 176;
const H = 66;
const GAP_X = 28;
const GAP_Y = 78;
const PAD = 14;

/** Rows of a topology: sources (and unattached nodes) on top, each replica one row below the node it follows. */
export function levels(nodes: NodeView[]): NodeView[][] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const depth = new Map<string, number>();
  const depthOf = (n: NodeView, seen: Set<string>): number => {
    const known = depth.get(n.name);
    if (known !== undefined) return known;
    const parent = n.source ? byName.get(n.source) : undefined;
    // a replica of an unknown host still sits below the sources; a cycle is cut where it closes
    const d = !parent || seen.has(parent.name) ? (n.role === 'replica' ? 1 : 0) : depthOf(parent, seen.add(n.name)) + 1;
    depth.set(n.name, d);
    return d;
  };
  const rows: NodeView[][] = [];
  for (const n of nodes) {
    const d = depthOf(n, new Set());
    rows[d] = [...(rows[d] ?? []), n];
  }
  const out = rows.filter(Boolean);
  // each row in the order of the nodes it follows, so arrows do not cross (a RedisCluster's replicas under
  // their masters)
  for (let i = 1; i < out.length; i++) {
    const above = new Map(out[i - 1].map((n, j) => [n.name, j]));
    const at = (n: NodeView) => above.get(n.source ?? '') ?? Number.MAX_SAFE_INTEGER;
    out[i] = [...out[i]].sort((a, b) => at(a) - at(b));
  }
  return out;
}

interface Box {
  x: number;
  y: number;
}

function arrow(from: Box, to: Box, label: string, cls: string, fromName: string, toName: string): string {
  const x1 = from.x + W / 2;
  const y1 = from.y + H;
  const x2 = to.x + W / 2;
  const y2 = to.y - 2;
  // the arrowhead: the tip and two points 11 px back along the line, 5 px to either side
  const len = Math.hypot(x2 - x1, y2 - y1) || 1;
  const [ux, uy] = [(x2 - x1) / len, (y2 - y1) / len];
  const head = [
    [x2, y2],
    [x2 - 11 * ux - 5 * uy, y2 - 11 * uy + 5 * ux],
    [x2 - 11 * ux + 5 * uy, y2 - 11 * uy - 5 * ux],
  ]
    .map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`)
    .join(' ');
  const mx = (x1 + x2) / 2;
  const my = (y1 + y2) / 2;
  return (
    `<g class="link ${cls}" data-from="${esc(fromName)}" data-to="${esc(toName)}">` +
    `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}"/><polygon points="${head}"/>` +
    // the label beside the arrow, on its outer side (left of an arrow going left)
    (label
      ? `<text class="lag" x="${x2 < x1 ? mx - 8 : mx + 8}" y="${my}" text-anchor="${x2 < x1 ? 'end' : 'start'}">${esc(label)}</text>`
      : '') +
    '</g>'
  );
}

function nodeBox(n: NodeView, at: Box, badges: string[]): string {
  const health = n.healthy ? 'healthy' : 'failed';
  const state = [n.rawRole ?? n.role, n.healthy ? 'Healthy' : 'Failed', n.ready ? 'ready' : 'not ready'].join(' · ');
  const third =
    n.errant || n.diverged
      ? `errant ${n.errant ?? 'diverged'}`
      : n.role === 'replica'
        ? `lag ${n.lagSeconds ?? '?'} s${n.lagBytes !== undefined ? ` · ${bytes(n.lagBytes)}` : ''}`
        : (n.position ?? '');
  const badgeSvg = badges
    .map(
      (b, i) =>
        `<g class="badge ${b === 'RW' ? 'rw' : 'ro'}"><rect x="${at.x + W - 34 - i * 34}" y="${at.y - 9}" width="30" height="16" rx="8"/>` +
        `<text x="${at.x + W - 19 - i * 34}" y="${at.y + 3}">${b}</text></g>`,
    )
    .join('');
  return (
    `<g class="node ${n.role} ${health}${n.errant || n.diverged ? ' errant' : ''}" data-node="${esc(n.name)}" data-role="${n.role}" data-healthy="${n.healthy}">` +
    `<title>${esc(n.name)}: ${esc(state)}${n.position ? ` — ${esc(n.position)}` : ''}</title>` +
    `<rect x="${at.x}" y="${at.y}" width="${W}" height="${H}" rx="8"/>` +
    `<text class="name" x="${at.x + 10}" y="${at.y + 20}">${esc(clip(n.name, 22))}</text>` +
    `<text class="state" x="${at.x + 10}" y="${at.y + 38}">${esc(clip(state, 30))}</text>` +
    `<text class="detail" x="${at.x + 10}" y="${at.y + 55}">${esc(clip(third, 30))}</text>` +
    `${badgeSvg}</g>`
  );
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Which nodes a read-write / read-only Service points at: the pods it selects, else by role. */
function serviceBadges(r: StatusReport, n: NodeView): string[] {
  const out: string[] = [];
  for (const [role, badge] of [
    ['readwrite', 'RW'],
    ['readonly', 'RO'],
  ] as const) {
    const svc = r.services?.filter((s) => s.role === role) ?? [];
    const on = svc.some((s) =>
      s.selects ? s.selects.includes(n.name) : role === 'readwrite' ? n.role === 'source' : n.role === 'replica',
    );
    if (on) out.push(badge);
  }
  return out;
}

/** The topology diagram of a replication CR: boxes per node, arrows source → replica with the lag on them. */
export function topologySvg(r: StatusReport): string {
  const nodes = r.nodes ?? [];
  if (!nodes.length) return '<p class="empty">no nodes observed yet</p>';
  const rows = levels(nodes);
  const widest = Math.max(...rows.map((row) => row.length));
  const width = PAD * 2 + widest * W + (widest - 1) * GAP_X;
  const height = PAD * 2 + rows.length * H + (rows.length - 1) * GAP_Y + 8;
  const at = new Map<string, Box>();
  rows.forEach((row, y) => {
    const rowWidth = row.length * W + (row.length - 1) * GAP_X;
    const x0 = (width - rowWidth) / 2;
    row.forEach((n, i) => {
      at.set(n.name, { x: x0 + i * (W + GAP_X), y: PAD + 8 + y * (H + GAP_Y) });
    });
  });
  const links = nodes
    .filter((n) => n.source && at.has(n.source))
    .map((n) => {
      const label = n.linkUp === false ? 'link down' : n.lagSeconds !== undefined ? `${n.lagSeconds} s` : '';
      const cls = n.linkUp === false ? 'down' : 'up';
      return arrow(at.get(n.source as string) as Box, at.get(n.name) as Box, label, cls, n.source as string, n.name);
    });
  const boxes = nodes.map((n) => nodeBox(n, at.get(n.name) as Box, serviceBadges(r, n)));
  return (
    `<svg class="topology" role="img" aria-label="${esc(`${r.kind} ${r.name} topology`)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">` +
    `${links.join('')}${boxes.join('')}</svg>`
  );
}

/** App and broker kinds: one box per pod (brokers, app replicas, database pods), coloured by readiness. */
export function podsSvg(r: StatusReport): string {
  const pods = r.pods ?? [];
  if (!pods.length) return '';
  const perRow = 4;
  const cols = Math.min(perRow, pods.length);
  const rows = Math.ceil(pods.length / perRow);
  const width = PAD * 2 + cols * W + (cols - 1) * GAP_X;
  const height = PAD * 2 + rows * H + (rows - 1) * 20;
  const boxes = pods.map((p, i) => {
    const x = PAD + (i % perRow) * (W + GAP_X);
    const y = PAD + Math.floor(i / perRow) * (H + 20);
    const claims = (r.claims ?? []).filter((c) => c.name.endsWith(`-${p.name}`)).map((c) => c.capacity ?? c.name);
    return (
      `<g class="pod ${p.ready ? 'healthy' : 'failed'}" data-pod="${esc(p.name)}" data-ready="${p.ready}">` +
      `<rect x="${x}" y="${y}" width="${W}" height="${H}" rx="8"/>` +
      `<text class="name" x="${x + 10}" y="${y + 20}">${esc(clip(p.name, 22))}</text>` +
      `<text class="state" x="${x + 10}" y="${y + 38}">${esc(`${p.phase ?? '?'} · ${p.ready ? 'ready' : 'not ready'}`)}</text>` +
      `<text class="detail" x="${x + 10}" y="${y + 55}">${esc(clip(`restarts ${p.restarts}${claims.length ? ` · pvc ${claims.join(', ')}` : ''}`, 30))}</text></g>`
    );
  });
  return `<svg class="pods" role="img" aria-label="${esc(`${r.kind} ${r.name} pods`)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${boxes.join('')}</svg>`;
}

/** A short, stable id-safe token for a CR (anchors in the list). */
export function anchorOf(r: StatusReport): string {
  const slug = reportKey(r)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
  return `cr-${slug.slice(0, 60)}-${createHash('sha1').update(reportKey(r)).digest('hex').slice(0, 6)}`;
}

/** Condition types where True is the bad news (the broker kinds' Degraded, kstatus' Stalled). */
const NEGATIVE = /^(Degraded|Stalled)$/;

/** One CR's card: header with its state, the diagram, Services, HPAs, last role change, conditions. */
export function renderCard(r: StatusReport): string {
  const state = stateOf(r);
  const cls = state.ok === undefined ? 'unknown' : state.ok ? 'ok' : 'bad';
  const parts = [
    `<section class="cr" id="${anchorOf(r)}" data-key="${esc(reportKey(r))}" data-kind="${esc(r.kind)}">`,
    `<h2><span class="kind">${esc(r.kind)}</span> <span class="ns">${esc(r.namespace)}/</span><span class="name">${esc(r.name)}</span>`,
    ` <span class="state ${cls}">${esc(state.text)}</span></h2>`,
  ];
  if (r.nodes) parts.push(topologySvg(r));
  else if (r.pods?.length) parts.push(podsSvg(r));
  if (r.services?.length) {
    parts.push('<ul class="services">');
    for (const s of r.services) {
      const target = s.selects ? (s.selects.length ? s.selects.join(', ') : 'no pods') : '';
      parts.push(
        `<li class="svc ${esc(s.role)}"><span class="role">${esc(s.role)}</span> ${esc(s.name)}${target ? ` → <span class="selects">${esc(target)}</span>` : ''}</li>`,
      );
    }
    parts.push('</ul>');
  }
  const facts: string[] = [];
  if (r.lastRoleChange) {
    const c = r.lastRoleChange;
    const stall = c.writeUnavailableMs !== undefined ? `, writes unavailable ${c.writeUnavailableMs} ms` : '';
    facts.push(`last role change: ${c.reason}${stall}${c.time ? ` at ${c.time}` : ''}`);
  }
  for (const h of r.autoscalers ?? []) {
    facts.push(`HPA ${h.name}: ${h.current ?? '?'} → ${h.desired ?? '?'} (min ${h.min ?? '?'}, max ${h.max ?? '?'})`);
  }
  if (r.claims?.length && r.nodes)
    facts.push(`PVCs: ${r.claims.map((c) => `${c.name} ${c.capacity ?? ''}`).join(', ')}`);
  if (r.lastBackup) facts.push(`last backup: ${r.lastBackup}`);
  if (facts.length) parts.push(`<ul class="facts">${facts.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>`);
  if (r.conditions.length) {
    parts.push('<table class="conditions"><tr><th>condition</th><th>status</th><th>reason</th><th>message</th></tr>');
    for (const c of r.conditions) {
      parts.push(
        `<tr class="${(c.status === 'True') !== NEGATIVE.test(c.type) ? 'ok' : 'bad'}"><td>${esc(c.type)}</td><td>${esc(c.status)}</td><td>${esc(c.reason)}</td><td>${esc(clip(c.message ?? '', 200))}</td></tr>`,
      );
    }
    parts.push('</table>');
  }
  parts.push('</section>');
  return parts.join('');
}

/** The list of every CR with its state, linking to its card. */
export function renderSummary(reports: StatusReport[]): string {
  if (!reports.length) return '<p class="empty">no Statecraft objects</p>';
  const rows = reports.map((r) => {
    const s = stateOf(r);
    return `<tr><td>${esc(r.kind)}</td><td><a href="#${anchorOf(r)}">${esc(r.namespace)}/${esc(r.name)}</a></td><td class="${s.ok === false ? 'bad' : s.ok ? 'ok' : ''}">${esc(s.text)}</td></tr>`;
  });
  return `<table class="summary"><tr><th>kind</th><th>object</th><th>state</th></tr>${rows.join('')}</table>`;
}

/** What one server-sent event carries: the list and every card, each with a revision to skip unchanged ones. */
export function snapshot(reports: StatusReport[]): {
  summary: string;
  cards: Array<{ key: string; rev: string; html: string }>;
} {
  return {
    summary: renderSummary(reports),
    cards: reports.map((r) => {
      const html = renderCard(r);
      return { key: reportKey(r), rev: createHash('sha1').update(html).digest('hex').slice(0, 12), html };
    }),
  };
}

/** The whole page, rendered with the current reports so it reads without JavaScript too. */
export function renderPage(reports: StatusReport[], title = 'Statecraft'): string {
  const snap = snapshot(reports);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><link rel="stylesheet" href="page.css"><script src="page.js" defer></script></head>
<body><header><h1>${esc(title)}</h1><span id="conn" class="conn">connecting…</span><span id="updated"></span></header>
<nav id="summary">${snap.summary}</nav>
<main id="crs">${snap.cards.map((c) => c.html.replace('<section ', `<section data-rev="${c.rev}" `)).join('\n')}</main>
</body></html>`;
}
