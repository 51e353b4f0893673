/**
 * The live view model: every Statecraft CR's StatusReport, rebuilt from informer stores and announced when any of
 * them changes (coalesced, so a burst of status patches is one update). The web view and `statecraft status
 * --live` render it. Inside the operator it reads the manager's cache (no extra watches); standalone it runs its own
 * informers against the kubeconfig.
 *
 * Reads only the CR kinds and the kinds of `Related` (pods, Services, PVCs, HPAs, events): never Secrets.
 */
import { kinds } from '../apis/index.ts';
import {
  Cache,
  type GroupVersionKind,
  type Informer,
  type KubeClient,
  type KubeObject,
  type Logger,
  type Manager,
} from '../runtime/index.ts';
import { RELATED_KINDS, type Related } from './related.ts';
import { type StatusReport, statusReport } from './statusReport.ts';

export const crKinds = (): GroupVersionKind[] =>
  kinds.map((k) => ({ apiVersion: `${k.group}/${k.version}`, kind: k.kind }));

export interface FeedSources {
  crs: Informer[];
  related: Partial<Record<keyof Related, Informer>>;
}

export type FeedListener = (reports: StatusReport[]) => void;

export class TopologyFeed {
  private sources: FeedSources = { crs: [], related: {} };
  private readonly listeners = new Set<FeedListener>();
  private timer?: NodeJS.Timeout;
  private readonly coalesceMs: number;

  constructor(options: { coalesceMs?: number } = {}) {
    this.coalesceMs = options.coalesceMs ?? 150;
  }

  /** Starts reading the given informers (may be called once, after the feed was handed to its renderers). */
  attach(sources: FeedSources): void {
    this.sources = sources;
    const ping = () => this.changed();
    for (const inf of [...sources.crs, ...Object.values(sources.related)]) {
      inf?.addEventHandler({ added: ping, updated: ping, deleted: ping });
    }
    this.changed();
  }

  private changed(): void {
    if (this.timer || !this.listeners.size) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const reports = this.reports();
      for (const l of this.listeners) l(reports);
    }, this.coalesceMs);
    this.timer.unref();
  }

  /** Every CR's report now, sorted by kind, namespace, name. */
  reports(): StatusReport[] {
    const related: Related = {};
    for (const [key, inf] of Object.entries(this.sources.related) as Array<[keyof Related, Informer | undefined]>) {
      if (inf) related[key] = inf.store.list();
    }
    const out: StatusReport[] = [];
    for (const inf of this.sources.crs) {
      for (const o of inf.store.list()) {
        const cr: KubeObject = { ...o, apiVersion: inf.gvk.apiVersion, kind: inf.gvk.kind };
        out.push(statusReport(cr, related));
      }
    }
    return out.sort(
      (a, b) => a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
    );
  }

  /** Calls `fn` after every change (coalesced); returns the unsubscribe. */
  subscribe(fn: FeedListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

/**
 * Inside the operator: once the manager's caches synced, the informers its controllers already run (a kind no
 * controller watches is not read: a new informer there would need RBAC the operator was not given).
 */
export async function attachToManager(feed: TopologyFeed, mgr: Manager): Promise<void> {
  while (!mgr.isReady) {
    if (mgr.signal.aborted) return;
    await new Promise((r) => setTimeout(r, 200).unref());
  }
  const cached = async (gvk: GroupVersionKind) => (mgr.cache.has(gvk) ? await mgr.cache.informer(gvk) : undefined);
  const crs = (await Promise.all(crKinds().map(cached))).filter((i): i is Informer => !!i);
  const related: FeedSources['related'] = {};
  for (const [key, gvk] of Object.entries(RELATED_KINDS) as Array<[keyof Related, GroupVersionKind]>) {
    const inf = await cached(gvk);
    if (inf) related[key] = inf;
  }
  feed.attach({ crs, related });
}

/**
 * Standalone (`statecraft ui`): a cache of its own over the CR kinds the server serves and the related kinds. The
 * feed does not wait for sync: it shows what has arrived and updates as the rest does.
 */
export async function attachToCluster(
  feed: TopologyFeed,
  client: KubeClient,
  options: { namespaces?: string[]; log: Logger; signal: AbortSignal },
): Promise<void> {
  const cache = new Cache(client, { namespaces: options.namespaces, log: options.log });
  const served = async (gvk: GroupVersionKind) =>
    client.resource(gvk).then(
      () => cache.informer(gvk),
      () => undefined, // CRD not installed: nothing of that kind to show
    );
  const crs = (await Promise.all(crKinds().map(served))).filter((i): i is Informer => !!i);
  const related: FeedSources['related'] = {};
  for (const [key, gvk] of Object.entries(RELATED_KINDS) as Array<[keyof Related, GroupVersionKind]>) {
    const inf = await served(gvk);
    if (inf) related[key] = inf;
  }
  cache.start(options.signal);
  feed.attach({ crs, related });
}
