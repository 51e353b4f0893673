/**
 * A small JSON client for the Kubernetes API. The server address, TLS material and credentials come from a
 * kubeconfig: our own loader's (kubeconfig.ts, what `statecraft run` uses) or a `@kubernetes/client-node`
 * KubeConfig, matched structurally and never imported here. Requests go over one keep-alive
 * agent per client; kinds are resolved to REST paths through API discovery, cached, refreshed on a miss (a CRD may
 * have been installed since).
 *
 * Caveats: only JSON; `get` and `delete` treat 404 as "absent" (undefined / false) instead of throwing.
 */
import http from 'node:http';
import https from 'node:https';
import { ApiError, GoneError } from './errors.ts';
import { type GroupVersionKind, gvkKey, type KubeObject, splitApiVersion } from './gvk.ts';
import { type KubeConfigLike, serverOf } from './kubeconfig.ts';

export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
  continue?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  /** server-side timeout; the server ends the watch cleanly after this long */
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
  signal?: AbortSignal;
}

export interface WatchEvent<T = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  object: T;
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** whole-request timeout for non-streaming requests; default 30 s */
  timeoutMs?: number;
}

/** Called after every request; the runtime's metrics hook in here. */
export type RequestObserver = (method: string, status: number) => void;

export class KubeClient {
  readonly kubeConfig: KubeConfigLike;
  private readonly server: URL;
  private readonly agent: http.Agent;
  private readonly resources = new Map<string, ResourceInfo>();
  private readonly discovered = new Map<string, Promise<void>>();
  private readonly observers: RequestObserver[] = [];

  constructor(kubeConfig: KubeConfigLike, options: { maxSockets?: number } = {}) {
    this.kubeConfig = kubeConfig;
    this.server = new URL(serverOf(kubeConfig));
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
    this.agent = this.server.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  onRequest(observer: RequestObserver): void {
    this.observers.push(observer);
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  /** Headers and TLS options for one request: credentials are re-read each time so refreshed tokens are used. */
  private async requestOptions(): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(opts);
    return opts;
  }

  private async send(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<{ res: http.IncomingMessage; req: http.ClientRequest }> {
    const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const auth = await this.requestOptions();
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'statecraft-runtime',
      ...(auth.headers as Record<string, string> | undefined),
    };
    if (body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        url,
        {
          method,
          headers,
          agent: this.agent,
          ca: auth.ca,
          cert: auth.cert,
          key: auth.key,
          pfx: auth.pfx,
          passphrase: auth.passphrase,
          servername: auth.servername,
          rejectUnauthorized: auth.rejectUnauthorized,
          auth: auth.auth,
          signal: options.signal,
        },
        (res) => resolve({ res, req }),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** One JSON request; non-2xx answers reject with ApiError. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const { res } = await this.send(method, path, { ...options, signal });
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    for (const o of this.observers) o(method, status);
    if (status < 200 || status >= 300) throw apiError(method, path, status, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** The REST resource serving a kind, from API discovery. */
  async resource(gvk: GroupVersionKind): Promise<ResourceInfo> {
    const key = gvkKey(gvk);
    let info = this.resources.get(key);
    if (info) return info;
    await this.discover(gvk.apiVersion, false);
    info = this.resources.get(key);
    if (info) return info;
    await this.discover(gvk.apiVersion, true);
    info = this.resources.get(key);
    if (!info) throw new Error(`kind ${gvk.kind} is not served by ${gvk.apiVersion} (is its CRD installed?)`);
    return info;
  }

  private discover(apiVersion: string, refresh: boolean): Promise<void> {
    let p = this.discovered.get(apiVersion);
    if (!p || refresh) {
      const path = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
      p = this.request<{ resources: { name: string; kind: string; namespaced: boolean }[] }>('GET', path)
        .then((list) => {
          for (const r of list.resources) {
            if (r.name.includes('/')) continue; // subresources
            this.resources.set(gvkKey({ apiVersion, kind: r.kind }), {
              apiVersion,
              kind: r.kind,
              plural: r.name,
              namespaced: r.namespaced,
            });
          }
        })
        .catch((err) => {
          this.discovered.delete(apiVersion);
          if (err instanceof ApiError && err.status === 404) return; // group/version not served (yet)
          throw err;
        });
      this.discovered.set(apiVersion, p);
    }
    return p;
  }

  /** The REST path of a collection (no name) or of one object. */
  async path(gvk: GroupVersionKind, namespace?: string, name?: string, subresource?: string): Promise<string> {
    const r = await this.resource(gvk);
    const { group, version } = splitApiVersion(gvk.apiVersion);
    let p = group ? `/apis/${group}/${version}` : `/api/${version}`;
    if (r.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
    p += `/${r.plural}`;
    if (name) p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
    return p;
  }

  /** GET one object; undefined when it does not exist. */
  async get<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    try {
      return withKind(await this.request<T>('GET', await this.path(gvk, namespace, name)), gvk);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** One page of a LIST (all pages when `limit` is unset). Items carry apiVersion and kind. */
  async list<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    options: ListOptions = {},
  ): Promise<ListResult<T>> {
    const path = await this.path(gvk, options.namespace);
    const items: T[] = [];
    let cont = options.continue;
    let resourceVersion = '';
    do {
      const page = await this.request<{ items: T[]; metadata: { resourceVersion: string; continue?: string } }>(
        'GET',
        path,
        {
          query: {
            labelSelector: options.labelSelector,
            fieldSelector: options.fieldSelector,
            limit: options.limit,
            continue: cont,
            resourceVersion: cont ? undefined : options.resourceVersion,
          },
          timeoutMs: 120_000,
        },
      );
      for (const item of page.items) items.push(withKind(item, gvk));
      resourceVersion = page.metadata.resourceVersion;
      cont = page.metadata.continue || undefined;
      if (options.limit) return { items, resourceVersion, continue: cont };
    } while (cont);
    return { items, resourceVersion };
  }

  async create<T extends KubeObject>(obj: T, options: { fieldManager?: string } = {}): Promise<T> {
    const gvk = kindOf(obj);
    const path = await this.path(gvk, obj.metadata?.namespace);
    return withKind(
      await this.request<T>('POST', path, { body: obj, query: { fieldManager: options.fieldManager } }),
      gvk,
    );
  }

  /** PUT: optimistic concurrency on metadata.resourceVersion (409 Conflict when stale). */
  async replace<T extends KubeObject>(obj: T, options: { subresource?: string } = {}): Promise<T> {
    const gvk = kindOf(obj);
    const path = await this.path(gvk, obj.metadata?.namespace, obj.metadata?.name, options.subresource);
    return withKind(await this.request<T>('PUT', path, { body: obj }), gvk);
  }

  /** DELETE; resolves false when the object was already gone. */
  async delete(
    gvk: GroupVersionKind,
    namespace: string | undefined,
    name: string,
    options: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'; uid?: string } = {},
  ): Promise<boolean> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
    if (options.uid) body.preconditions = { uid: options.uid };
    try {
      await this.request('DELETE', await this.path(gvk, namespace, name), { body });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return false;
      throw err;
    }
  }

  async patch<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType,
    options: { subresource?: string; fieldManager?: string; force?: boolean } = {},
  ): Promise<T> {
    const path = await this.path(gvk, namespace, name, options.subresource);
    return withKind(
      await this.request<T>('PATCH', path, {
        body: patch,
        contentType: PATCH_CONTENT_TYPE[type],
        query: { fieldManager: options.fieldManager, force: type === 'apply' ? (options.force ?? false) : undefined },
      }),
      gvk,
    );
  }

  /**
   * Streams watch events. Ends when the server closes the watch; throws GoneError on 410 (the caller must relist),
   * ApiError on other failures, and stops without error when `signal` aborts.
   */
  async *watch<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    options: WatchOptions = {},
  ): AsyncGenerator<WatchEvent<T>> {
    const path = await this.path(gvk, options.namespace);
    const { res, req } = await this.send('GET', path, {
      query: {
        watch: 1,
        resourceVersion: options.resourceVersion,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        timeoutSeconds: options.timeoutSeconds,
        allowWatchBookmarks: options.allowWatchBookmarks,
      },
      signal: options.signal,
    });
    try {
      const status = res.statusCode ?? 0;
      for (const o of this.observers) o('WATCH', status);
      if (status !== 200) {
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        throw apiError('WATCH', path, status, Buffer.concat(chunks).toString('utf8'));
      }
      let buffered = '';
      for await (const chunk of res) {
        buffered += (chunk as Buffer).toString('utf8');
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          nl = buffered.indexOf('\n');
          if (!line) continue;
          const event = JSON.parse(line) as { type: string; object: KubeObject & { code?: number; message?: string } };
          if (event.type === 'ERROR') {
            const s = event.object;
            if (s.code === 410) throw new GoneError(`watch ${path}: ${s.message ?? 'resource version too old'}`);
            throw new ApiError('WATCH', path, s.code ?? 500, String(s.reason ?? 'Error'), String(s.message ?? ''));
          }
          yield { type: event.type as WatchEvent['type'], object: withKind(event.object as T, gvk) };
        }
      }
    } finally {
      req.destroy();
    }
  }
}

function apiError(method: string, path: string, status: number, text: string): ApiError {
  let reason = 'Unknown';
  let message = text.slice(0, 500);
  try {
    const s = JSON.parse(text) as { reason?: string; message?: string };
    reason = s.reason ?? reason;
    message = s.message ?? message;
  } catch {}
  if (status === 410) reason = reason === 'Unknown' ? 'Gone' : reason;
  return new ApiError(method, path, status, reason, message);
}

export function kindOf(obj: KubeObject): GroupVersionKind {
  if (!obj.apiVersion || !obj.kind)
    throw new Error(`object ${obj.metadata?.name ?? '?'}: apiVersion and kind are required`);
  return { apiVersion: obj.apiVersion, kind: obj.kind };
}

/** LIST items and watch objects come without apiVersion/kind on some servers; put them back. */
function withKind<T extends KubeObject>(obj: T, gvk: GroupVersionKind): T {
  if (obj && typeof obj === 'object' && (!obj.apiVersion || !obj.kind)) {
    obj.apiVersion = gvk.apiVersion;
    obj.kind = gvk.kind;
  }
  return obj;
}
