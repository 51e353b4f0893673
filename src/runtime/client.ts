/**
 * A small JSON client for the Kubernetes API. The server address, TLS material and credentials come from a
 * kubeconfig: our own loader's (kubeconfig.ts, what `statecraft run` uses) or a `@kubernetes/client-node`
 * KubeConfig, matched structurally and never imported here. Requests go over one keep-alive
 * agent per client; kinds are resolved to REST paths through API discovery, cached, refreshed on a miss (a CRD may
 * have been installed since).
 *
 * Write fence (`fence(reason)`, used by the manager when leadership is lost or it stops)
 * - Guarantees: once `fence()` returns, every mutating request (POST, PUT, PATCH, DELETE — no exceptions) issued
 *   through this client is refused with FencedError before a byte of it is sent; mutating requests in flight are
 *   cut off and reject with FencedError, and their connections are reset (TCP RST) so that bytes the kernel still
 *   holds are discarded instead of being delivered when a partition heals. Write guards (`guardWrites`) are checked
 *   the same way, at the last moment before a request goes out. Reads and watches are not affected.
 * - Caveats: a request whose bytes already reached the API server may still be applied — a client cannot recall
 *   it; callers bound that window by bounding their requests (e.g. the leader elector's renew deadline). The fence
 *   covers this client only: another KubeClient, or a database connection, is not fenced by it.
 *
 * Caveats: only JSON; `get` and `delete` treat 404 as "absent" (undefined / false) instead of throwing.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError, FencedError, GoneError, isNotFound } from './errors.ts';
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

/** Per-call options of get/create/replace/patch/delete: cancel with `signal`, bound with `timeoutMs`. */
export interface CallOptions {
  signal?: AbortSignal;
  /** whole-request timeout; default 30 s */
  timeoutMs?: number;
}

/** Called after every request; the runtime's metrics hook in here. */
export type RequestObserver = (method: string, status: number) => void;

/** A check run right before each mutating request is sent: a returned reason refuses the request. */
export type WriteGuard = () => string | undefined;

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The TCP socket under each TLS socket this module's agents opened, so a fenced write can reset it. */
const tcpSockets = new WeakMap<net.Socket, net.Socket>();

/** An https.Agent that opens the TCP connection itself (TLS on top) and remembers it, see `resetConnection`. */
class HttpsAgent extends https.Agent {
  override createConnection(
    options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const tcp = net.connect({
      host: options.host ?? undefined,
      port: Number(options.port),
      localAddress: options.localAddress,
      family: options.family,
    });
    tcp.on('error', () => {}); // reported by the TLS socket on top
    const withTcp = { ...options, socket: tcp } as http.ClientRequestArgs;
    const socket = super.createConnection(withTcp, callback) as net.Socket;
    tcpSockets.set(socket, tcp);
    return socket;
  }
}

/**
 * Closes a request's connection with a TCP RST, which makes the kernel drop whatever it has not sent yet (a plain
 * close would keep retransmitting it). Falls back to destroy() when there is no TCP handle.
 */
function resetConnection(req: http.ClientRequest): void {
  const socket = req.socket;
  if (!socket) return;
  const tcp = tcpSockets.get(socket) ?? socket;
  try {
    tcp.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

export class KubeClient {
  readonly kubeConfig: KubeConfigLike;
  private readonly server: URL;
  private readonly agent: http.Agent;
  private readonly resources = new Map<string, ResourceInfo>();
  private readonly discovered = new Map<string, Promise<void>>();
  private readonly observers: RequestObserver[] = [];
  private readonly writeFence = new AbortController();
  private readonly writeGuards: WriteGuard[] = [];
  private readonly writesInFlight = new Set<http.ClientRequest>();
  /** sent as User-Agent; the API server's audit log records it, so it names the instance (see Manager) */
  readonly userAgent: string;

  constructor(kubeConfig: KubeConfigLike, options: { maxSockets?: number; userAgent?: string } = {}) {
    this.kubeConfig = kubeConfig;
    this.userAgent = options.userAgent ?? 'statecraft-runtime';
    this.server = new URL(serverOf(kubeConfig));
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
    this.agent = this.server.protocol === 'https:' ? new HttpsAgent(agentOptions) : new http.Agent(agentOptions);
  }

  onRequest(observer: RequestObserver): void {
    this.observers.push(observer);
  }

  /**
   * Fences the client: from now on every mutating request is refused with FencedError, and those in flight are
   * cut off (see the module doc). Idempotent; the first reason is kept. There is no un-fencing.
   */
  fence(reason: string): void {
    if (this.writeFence.signal.aborted) return;
    this.writeFence.abort(new FencedError(reason));
    for (const req of this.writesInFlight) {
      resetConnection(req);
      req.destroy(new Error('write fenced')); // request() turns it into a FencedError naming the request
    }
    this.writesInFlight.clear();
  }

  /** Aborted (reason: the FencedError) when the client is fenced. */
  get writesFenced(): AbortSignal {
    return this.writeFence.signal;
  }

  /** Adds a check that every mutating request must pass right before it is sent (see WriteGuard). */
  guardWrites(guard: WriteGuard): void {
    this.writeGuards.push(guard);
  }

  /** Throws FencedError when a mutating request may not be sent now. */
  private checkWrite(method: string, path: string): void {
    if (!MUTATING.has(method)) return;
    const fenced = this.writeFence.signal.reason as FencedError | undefined;
    if (fenced) throw new FencedError(fenced.reason, { method, path });
    for (const guard of this.writeGuards) {
      const reason = guard();
      if (reason !== undefined) throw new FencedError(reason, { method, path });
    }
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
      'User-Agent': this.userAgent,
      ...(auth.headers as Record<string, string> | undefined),
    };
    if (body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const mod = url.protocol === 'https:' ? https : http;
    // the last moment before the request exists: the fence or a guard may have closed while we awaited credentials
    this.checkWrite(method, path);
    options.signal?.throwIfAborted();
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
      if (MUTATING.has(method)) {
        this.writesInFlight.add(req);
        req.once('close', () => this.writesInFlight.delete(req));
      }
      req.end(body);
    });
  }

  /** One JSON request; non-2xx answers reject with ApiError. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    this.checkWrite(method, path);
    const timeout = AbortSignal.timeout(Math.max(1, Math.floor(options.timeoutMs ?? 30_000)));
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let text: string;
    let res: http.IncomingMessage;
    try {
      ({ res } = await this.send(method, path, { ...options, signal }));
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      text = Buffer.concat(chunks).toString('utf8');
    } catch (err) {
      const fenced = this.writeFence.signal.reason as FencedError | undefined;
      if (fenced && MUTATING.has(method) && !(err instanceof FencedError)) {
        throw new FencedError(`${fenced.reason} (cut off in flight; the server may or may not have applied it)`, {
          method,
          path,
        });
      }
      throw err;
    }
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
          if (isNotFound(err)) return; // group/version not served (yet)
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
    options: CallOptions = {},
  ): Promise<T | undefined> {
    try {
      return withKind(await this.request<T>('GET', await this.path(gvk, namespace, name), callOptions(options)), gvk);
    } catch (err) {
      if (isNotFound(err)) return undefined;
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

  async create<T extends KubeObject>(obj: T, options: { fieldManager?: string } & CallOptions = {}): Promise<T> {
    const gvk = kindOf(obj);
    const path = await this.path(gvk, obj.metadata?.namespace);
    return withKind(
      await this.request<T>('POST', path, {
        body: obj,
        query: { fieldManager: options.fieldManager },
        ...callOptions(options),
      }),
      gvk,
    );
  }

  /** PUT: optimistic concurrency on metadata.resourceVersion (409 Conflict when stale). */
  async replace<T extends KubeObject>(obj: T, options: { subresource?: string } & CallOptions = {}): Promise<T> {
    const gvk = kindOf(obj);
    const path = await this.path(gvk, obj.metadata?.namespace, obj.metadata?.name, options.subresource);
    return withKind(await this.request<T>('PUT', path, { body: obj, ...callOptions(options) }), gvk);
  }

  /** DELETE; resolves false when the object was already gone. */
  async delete(
    gvk: GroupVersionKind,
    namespace: string | undefined,
    name: string,
    options: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'; uid?: string } & CallOptions = {},
  ): Promise<boolean> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
    if (options.uid) body.preconditions = { uid: options.uid };
    try {
      await this.request('DELETE', await this.path(gvk, namespace, name), { body, ...callOptions(options) });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async patch<T extends KubeObject = KubeObject>(
    gvk: GroupVersionKind,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType,
    options: { subresource?: string; fieldManager?: string; force?: boolean } & CallOptions = {},
  ): Promise<T> {
    const path = await this.path(gvk, namespace, name, options.subresource);
    return withKind(
      await this.request<T>('PATCH', path, {
        body: patch,
        contentType: PATCH_CONTENT_TYPE[type],
        query: { fieldManager: options.fieldManager, force: type === 'apply' ? (options.force ?? false) : undefined },
        ...callOptions(options),
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

/** Only the CallOptions fields, so other option fields never leak into a request. */
function callOptions(options: CallOptions): CallOptions {
  return { signal: options.signal, timeoutMs: options.timeoutMs };
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
