/**
 * Kubernetes Events (events.k8s.io/v1), deduplicated so a flapping object cannot flood the API server.
 *
 * - The first occurrence of (object, type, reason, action, note) creates an Event.
 * - Repeats within 30 minutes do not create new Events: they bump `series.count` on the existing one, at most one
 *   patch per key per minute (the latest count is flushed by a timer).
 * - New distinct events per object are rate-limited by a token bucket (burst 25, one more every 5 minutes), like
 *   client-go's spam filter; events over the limit are dropped with a debug log.
 * `event()` never throws and never blocks a reconcile: write failures are logged.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { KubeClient } from './client.ts';
import type { KubeObject } from './gvk.ts';

export interface EventInput {
  type: 'Normal' | 'Warning';
  /** CamelCase machine-readable reason, e.g. `SwitchoverStarted` */
  reason: string;
  /** what was done or failed, e.g. `Reconcile`, `Switchover` */
  action: string;
  /** human-readable; never put secrets here */
  note: string;
  related?: KubeObject;
}

const SERIES_WINDOW_MS = 30 * 60_000;
const PATCH_INTERVAL_MS = 60_000;
const BURST = 25;
const REFILL_MS = 5 * 60_000;
const MAX_KEYS = 4096;

interface Seen {
  namespace: string;
  name?: string;
  count: number;
  first: number;
  lastWrite: number;
  lastObserved: number;
  flush?: NodeJS.Timeout;
}

const microTime = (t: number): string => new Date(t).toISOString().replace('Z', '000Z');

export class EventRecorder {
  private readonly client: KubeClient;
  private readonly controller: string;
  private readonly instance: string;
  private readonly log: Logger;
  private readonly seen = new Map<string, Seen>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  readonly stats = { created: 0, patched: 0, dropped: 0 };

  constructor(client: KubeClient, options: { reportingController: string; reportingInstance: string; log: Logger }) {
    this.client = client;
    this.controller = options.reportingController;
    this.instance = options.reportingInstance;
    this.log = options.log;
  }

  event(regarding: KubeObject, input: EventInput): void {
    const m = regarding.metadata ?? {};
    const key = [m.uid ?? `${m.namespace}/${m.name}`, input.type, input.reason, input.action, input.note].join(
      '\u0000',
    );
    const now = Date.now();
    const seen = this.seen.get(key);
    if (seen && now - seen.first < SERIES_WINDOW_MS) {
      seen.count++;
      seen.lastObserved = now;
      if (!seen.flush && seen.name) {
        const wait = Math.max(0, seen.lastWrite + PATCH_INTERVAL_MS - now);
        seen.flush = setTimeout(() => this.flush(seen), wait);
        seen.flush.unref();
      }
      return;
    }
    if (!this.take(m.uid ?? key, now)) {
      this.stats.dropped++;
      this.log.debug({ reason: input.reason }, 'event dropped by the per-object rate limit');
      return;
    }
    this.prune(now);
    const namespace = m.namespace || 'default';
    const entry: Seen = { namespace, count: 1, first: now, lastWrite: now, lastObserved: now };
    this.seen.set(key, entry);
    const name = `${m.name ?? 'object'}.${randomBytes(8).toString('hex')}`;
    const body = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name, namespace },
      eventTime: microTime(now),
      reportingController: this.controller,
      reportingInstance: this.instance,
      type: input.type,
      reason: input.reason,
      action: input.action,
      note: input.note.slice(0, 1024),
      regarding: reference(regarding),
      ...(input.related ? { related: reference(input.related) } : {}),
    };
    this.client
      .create(body)
      .then(() => {
        entry.name = name;
        this.stats.created++;
        if (entry.count > 1 && !entry.flush) this.flush(entry);
      })
      .catch((err) => this.log.warn({ err: (err as Error).message, reason: input.reason }, 'could not write event'));
  }

  private flush(seen: Seen): void {
    seen.flush = undefined;
    if (!seen.name) return;
    seen.lastWrite = Date.now();
    const patch = { series: { count: seen.count, lastObservedTime: microTime(seen.lastObserved) } };
    this.client
      .patch({ apiVersion: 'events.k8s.io/v1', kind: 'Event' }, seen.namespace, seen.name, patch, 'merge')
      .then(() => {
        this.stats.patched++;
      })
      .catch((err) => this.log.warn({ err: (err as Error).message }, 'could not update event series'));
  }

  private take(id: string, now: number): boolean {
    const b = this.buckets.get(id) ?? { tokens: BURST, at: now };
    b.tokens = Math.min(BURST, b.tokens + (now - b.at) / REFILL_MS);
    b.at = now;
    this.buckets.set(id, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private prune(now: number): void {
    if (this.seen.size < MAX_KEYS) return;
    for (const [k, s] of this.seen) if (now - s.first >= SERIES_WINDOW_MS && !s.flush) this.seen.delete(k);
    for (const [k, b] of this.buckets) if (now - b.at >= REFILL_MS * BURST) this.buckets.delete(k);
  }

  /** Cancels pending series flushes (on shutdown). */
  close(): void {
    for (const s of this.seen.values()) if (s.flush) clearTimeout(s.flush);
  }
}

function reference(obj: KubeObject) {
  const m = obj.metadata ?? {};
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
  };
}
