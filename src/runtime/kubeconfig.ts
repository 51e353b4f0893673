/**
 * Loads the operator's connection to the API server: a kubeconfig file (or `$KUBECONFIG`, or `~/.kube/config`), or
 * the in-cluster service account. The result is a `KubeConfigSource`: the server URL and the TLS options and
 * credentials of each request (`applyToHTTPSOptions`, the same call `@kubernetes/client-node`'s KubeConfig offers,
 * so KubeClient and Manager take either).
 *
 * Why our own: importing `@kubernetes/client-node` costs about 80 MB of RSS (its import graph pulls in the generated
 * models and API classes of every group, several HTTP stacks and auth providers), more than half of what the whole
 * operator needs with 1000 objects cached. KubeClient only needs a server address and per-request credentials, so
 * `statecraft run` loads this module and never imports the library (only its types).
 *
 * Supported, as kubectl reads it:
 * - files: an explicit path; `$KUBECONFIG` (a `:`-separated list, merged like kubectl: the first file to define a
 *   cluster, user or context name wins, the first file to set `current-context` wins, missing files are skipped);
 *   `~/.kube/config`; relative paths in a file are relative to that file's directory.
 * - in-cluster: `KUBERNETES_SERVICE_HOST`/`_PORT` and the service account's `token` and `ca.crt`; the token is
 *   re-read every minute, since bound service account tokens rotate.
 * - clusters: `server`, `certificate-authority`(-`data`), `insecure-skip-tls-verify`, `tls-server-name`.
 * - users: `client-certificate`/`client-key` (files or `-data`), `token`, `tokenFile`, `username`/`password` (basic
 *   auth), `as`/`as-groups`/`as-uid` (impersonation) and `exec` credential plugins (client.authentication.k8s.io
 *   v1 and v1beta1: the ExecCredential is cached until its `expirationTimestamp`, `KUBERNETES_EXEC_INFO` is passed).
 * - nothing configured at all: `http://localhost:8080` without credentials, like kubectl and client-node.
 *
 * Caveats: legacy `auth-provider` entries (oidc, gcp, azure) are refused with an error that names the field — use
 * their exec plugin replacements (kubelogin, gke-gcloud-auth-plugin). `proxy-url` is ignored, as KubeClient did
 * before. File-based credentials (token, CA, client certificate) are re-read at most once a minute; a failed
 * re-read keeps the last good value.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type https from 'node:https';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';

/** What KubeClient needs from a kubeconfig: where the API server is, and how to authenticate each request. */
export interface KubeConfigSource {
  /** the API server's URL, e.g. `https://10.0.0.1:443` */
  readonly server: string;
  /** sets TLS options (ca, cert, key, servername, rejectUnauthorized) and auth headers for one request */
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

/** The part of `@kubernetes/client-node`'s KubeConfig that KubeClient uses (matched structurally, never imported). */
export interface ClientNodeKubeConfig {
  getCurrentCluster(): { server: string } | null;
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

/** Either our loader's result or a `@kubernetes/client-node` KubeConfig. */
export type KubeConfigLike = KubeConfigSource | ClientNodeKubeConfig;

/** The API server URL of either kind of kubeconfig. */
export function serverOf(kc: KubeConfigLike): string {
  if ('getCurrentCluster' in kc && typeof kc.getCurrentCluster === 'function') {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig: no current cluster (check current-context)');
    return cluster.server;
  }
  return (kc as KubeConfigSource).server;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface LoadKubeConfigOptions {
  /** a kubeconfig file; when set, nothing else is consulted */
  path?: string;
  /** context to use instead of the file's `current-context` */
  context?: string;
  /** environment to read KUBECONFIG, HOME and KUBERNETES_SERVICE_* from; default process.env */
  env?: NodeJS.ProcessEnv;
  /** the service account directory of the in-cluster config (tests point it at a temp dir) */
  serviceAccountDir?: string;
  /** how long file-based credentials are reused before being re-read; default 60 s */
  fileRefreshMs?: number;
  /** the clock, for tests; default Date.now */
  now?: () => number;
}

/** The error for a kubeconfig that cannot be used; the message names the file and the field. */
export class KubeConfigError extends Error {
  readonly code = 'ERR_KUBECONFIG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeConfigError';
  }
}

/**
 * Loads the kubeconfig like kubectl: `options.path`, else `$KUBECONFIG`, else `~/.kube/config`, else the in-cluster
 * service account. Files are read synchronously and fully checked here, so a bad file fails at start, not at the
 * first request.
 */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): LoadedKubeConfig {
  const env = options.env ?? process.env;
  if (options.path) return LoadedKubeConfig.fromFiles([options.path], options, `--kubeconfig ${options.path}`);
  const list = env.KUBECONFIG;
  if (list) {
    const files = list.split(delimiter).filter(Boolean);
    return LoadedKubeConfig.fromFiles(files, options, `$KUBECONFIG (${list})`);
  }
  const home = env.HOME || homedir();
  const defaultFile = join(home, '.kube', 'config');
  if (existsSync(defaultFile)) return LoadedKubeConfig.fromFiles([defaultFile], options, defaultFile);
  const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT && existsSync(join(saDir, 'token'))) {
    return loadInClusterConfig(options);
  }
  return new LoadedKubeConfig({ server: 'http://localhost:8080', origin: 'default (no kubeconfig found)' });
}

/** The in-cluster config: the API server from KUBERNETES_SERVICE_HOST/PORT, the pod's service account token. */
export function loadInClusterConfig(options: LoadKubeConfigOptions = {}): LoadedKubeConfig {
  const env = options.env ?? process.env;
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new KubeConfigError('in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set');
  }
  const origin = `in-cluster config (${dir})`;
  const now = options.now ?? Date.now;
  const refreshMs = options.fileRefreshMs ?? 60_000;
  let namespace: string | undefined;
  try {
    namespace = readFileSync(join(dir, 'namespace'), 'utf8').trim() || undefined;
  } catch {}
  const ca = new FileValue(join(dir, 'ca.crt'), `${origin}: ca.crt`, refreshMs, now);
  const tokenFile = new FileValue(join(dir, 'token'), `${origin}: token`, refreshMs, now);
  ca.get(); // fail now when unreadable
  tokenFile.get();
  return new LoadedKubeConfig({
    server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    origin,
    ca,
    tokenFile,
    namespace,
  });
}

interface Settings {
  server: string;
  /** where these settings came from, for error messages */
  origin: string;
  namespace?: string;
  ca?: Material;
  skipTLSVerify?: boolean;
  tlsServerName?: string;
  cert?: Material;
  key?: Material;
  token?: string;
  tokenFile?: FileValue;
  basic?: { username: string; password: string };
  impersonate?: { user?: string; groups?: string[]; uid?: string };
  exec?: ExecPlugin;
}

/** A loaded kubeconfig: the current context's cluster and user. */
export class LoadedKubeConfig implements KubeConfigSource {
  readonly server: string;
  /** the context's namespace (in-cluster: the pod's namespace), if any */
  readonly namespace: string | undefined;
  /** the file(s) or source this came from */
  readonly origin: string;
  private readonly settings: Settings;

  constructor(settings: Settings) {
    this.settings = settings;
    this.server = settings.server.replace(/\/$/, '');
    this.namespace = settings.namespace;
    this.origin = settings.origin;
  }

  /** Reads and merges kubeconfig files (the first definition of each name wins) and resolves the current context. */
  static fromFiles(files: string[], options: LoadKubeConfigOptions, origin: string): LoadedKubeConfig {
    const merged: MergedConfig = { clusters: new Map(), users: new Map(), contexts: new Map() };
    let read = 0;
    for (const file of files) {
      const path = resolve(file);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        // kubectl skips missing files of a KUBECONFIG list; an explicit single file must exist
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && files.length > 1) continue;
        throw new KubeConfigError(`kubeconfig ${path}: cannot read it: ${(err as Error).message}`, { cause: err });
      }
      read++;
      mergeFile(merged, path, text);
    }
    if (read === 0) throw new KubeConfigError(`${origin}: none of the files exists`);
    return resolveContext(merged, options, origin);
  }

  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    const s = this.settings;
    opts.headers ??= {};
    const headers = opts.headers as Record<string, string | string[]>;
    if (s.skipTLSVerify) opts.rejectUnauthorized = false;
    if (s.tlsServerName) opts.servername = s.tlsServerName;
    const ca = s.ca?.get();
    if (ca) opts.ca = ca;
    const cert = s.cert?.get();
    if (cert) opts.cert = cert;
    const key = s.key?.get();
    if (key) opts.key = key;
    if (s.impersonate?.user) headers['Impersonate-User'] = s.impersonate.user;
    if (s.impersonate?.groups?.length) headers['Impersonate-Group'] = s.impersonate.groups;
    if (s.impersonate?.uid) headers['Impersonate-Uid'] = s.impersonate.uid;
    if (s.basic) {
      headers.Authorization = `Basic ${Buffer.from(`${s.basic.username}:${s.basic.password}`).toString('base64')}`;
    }
    if (s.exec) {
      const cred = await s.exec.credential();
      if (cred.clientCertificateData) opts.cert = cred.clientCertificateData;
      if (cred.clientKeyData) opts.key = cred.clientKeyData;
      if (cred.token) headers.Authorization = `Bearer ${cred.token}`;
    }
    const token = s.tokenFile ? s.tokenFile.get()?.toString('utf8').trim() : s.token;
    if (token) headers.Authorization = `Bearer ${token}`;
  }
}

// --- files -----------------------------------------------------------------------------------------------------

interface Named<T> {
  value: T;
  /** the file that defined it: relative paths inside are relative to its directory */
  file: string;
}

interface MergedConfig {
  clusters: Map<string, Named<Record<string, unknown>>>;
  users: Map<string, Named<Record<string, unknown>>>;
  contexts: Map<string, Named<Record<string, unknown>>>;
  currentContext?: string;
}

function mergeFile(merged: MergedConfig, file: string, text: string): void {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new KubeConfigError(`kubeconfig ${file}: not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  if (doc === null || doc === undefined) return; // an empty file contributes nothing, as in kubectl
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new KubeConfigError(`kubeconfig ${file}: not a mapping`);
  const d = doc as Record<string, unknown>;
  for (const [field, key, target] of [
    ['clusters', 'cluster', merged.clusters],
    ['users', 'user', merged.users],
    ['contexts', 'context', merged.contexts],
  ] as const) {
    const list = d[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new KubeConfigError(`kubeconfig ${file}: ${field} must be a list`);
    list.forEach((entry: unknown, i) => {
      const e = (entry ?? {}) as Record<string, unknown>;
      if (typeof e.name !== 'string' || !e.name) {
        throw new KubeConfigError(`kubeconfig ${file}: ${field}[${i}].name is missing`);
      }
      if (target.has(e.name)) return; // the first file to define a name wins
      const value = e[key];
      if (value !== undefined && (value === null || typeof value !== 'object')) {
        throw new KubeConfigError(`kubeconfig ${file}: ${field}[${i}].${key} must be a mapping`);
      }
      target.set(e.name, { value: (value ?? {}) as Record<string, unknown>, file });
    });
  }
  const current = d['current-context'];
  if (merged.currentContext === undefined && typeof current === 'string' && current) merged.currentContext = current;
}

function resolveContext(merged: MergedConfig, options: LoadKubeConfigOptions, origin: string): LoadedKubeConfig {
  const now = options.now ?? Date.now;
  const refreshMs = options.fileRefreshMs ?? 60_000;
  const contextName = options.context ?? merged.currentContext;
  if (!contextName) throw new KubeConfigError(`${origin}: current-context is not set`);
  const context = merged.contexts.get(contextName);
  if (!context) throw new KubeConfigError(`${origin}: current-context "${contextName}" is not in contexts`);
  const ctx = context.value;
  const where = `${context.file}: contexts[${contextName}]`;
  const clusterName = str(ctx.cluster, `${where}.context.cluster`);
  if (!clusterName) throw new KubeConfigError(`${where}.context.cluster is not set`);
  const cluster = merged.clusters.get(clusterName);
  if (!cluster) throw new KubeConfigError(`${where}.context.cluster "${clusterName}" is not in clusters`);
  const c = cluster.value;
  const cw = `${cluster.file}: clusters[${clusterName}].cluster`;
  const server = str(c.server, `${cw}.server`);
  if (!server) throw new KubeConfigError(`${cw}.server is not set`);
  try {
    new URL(server);
  } catch {
    throw new KubeConfigError(`${cw}.server "${server}" is not a URL`);
  }
  const cdir = dirname(cluster.file);
  const settings: Settings = {
    server,
    origin,
    namespace: str(ctx.namespace, `${where}.context.namespace`) || undefined,
    skipTLSVerify: c['insecure-skip-tls-verify'] === true,
    tlsServerName: str(c['tls-server-name'], `${cw}.tls-server-name`) || undefined,
    ca: material(c, 'certificate-authority', cdir, cw, refreshMs, now),
  };

  const userName = str(ctx.user, `${where}.context.user`);
  if (userName) {
    const user = merged.users.get(userName);
    if (!user) throw new KubeConfigError(`${where}.context.user "${userName}" is not in users`);
    const u = user.value;
    const uw = `${user.file}: users[${userName}].user`;
    const udir = dirname(user.file);
    if (u['auth-provider'] !== undefined) {
      const name = (u['auth-provider'] as { name?: string } | null)?.name ?? '?';
      throw new KubeConfigError(
        `${uw}.auth-provider (${name}) is not supported: use the provider's exec credential plugin instead`,
      );
    }
    settings.cert = material(u, 'client-certificate', udir, uw, refreshMs, now);
    settings.key = material(u, 'client-key', udir, uw, refreshMs, now);
    if (!!settings.cert !== !!settings.key) {
      throw new KubeConfigError(`${uw}: client-certificate and client-key must be given together`);
    }
    settings.token = str(u.token, `${uw}.token`) || undefined;
    const tokenFile = str(u.tokenFile, `${uw}.tokenFile`);
    if (tokenFile && !settings.token) {
      settings.tokenFile = new FileValue(abs(udir, tokenFile), `${uw}.tokenFile`, refreshMs, now);
      settings.tokenFile.get(); // fail now when unreadable
    }
    const username = str(u.username, `${uw}.username`);
    if (username) settings.basic = { username, password: str(u.password, `${uw}.password`) };
    const as = str(u.as, `${uw}.as`);
    const groups = u['as-groups'];
    if (groups !== undefined && !(Array.isArray(groups) && groups.every((g) => typeof g === 'string'))) {
      throw new KubeConfigError(`${uw}.as-groups must be a list of strings`);
    }
    const asUid = str(u['as-uid'], `${uw}.as-uid`);
    if (as || groups?.length || asUid)
      settings.impersonate = { user: as || undefined, groups, uid: asUid || undefined };
    if (u.exec !== undefined && u.exec !== null) {
      settings.exec = new ExecPlugin(parseExec(u.exec, uw, udir), settings, cluster.value, now);
    }
  }
  return new LoadedKubeConfig(settings);
}

function str(v: unknown, field: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new KubeConfigError(`${field} must be a string`);
  return v;
}

function abs(dir: string, p: string): string {
  return isAbsolute(p) ? p : join(dir, p);
}

/** A PEM value given as `<field>` (a file) or `<field>-data` (base64). */
interface Material {
  get(): Buffer | undefined;
}

function material(
  obj: Record<string, unknown>,
  field: string,
  dir: string,
  where: string,
  refreshMs: number,
  now: () => number,
): Material | undefined {
  const file = str(obj[field], `${where}.${field}`);
  const data = str(obj[`${field}-data`], `${where}.${field}-data`);
  if (file) {
    const v = new FileValue(abs(dir, file), `${where}.${field}`, refreshMs, now);
    v.get(); // fail now when unreadable
    return v;
  }
  if (data) {
    const buf = Buffer.from(data, 'base64');
    if (buf.length === 0) throw new KubeConfigError(`${where}.${field}-data is not base64`);
    return { get: () => buf };
  }
  return undefined;
}

/**
 * A file's content, re-read when older than `refreshMs` (rotated tokens and certificates). The first read throws a
 * KubeConfigError naming the field; later failed re-reads keep the last good value.
 */
class FileValue implements Material {
  readonly path: string;
  readonly field: string;
  private readonly refreshMs: number;
  private readonly now: () => number;
  private value?: Buffer;
  private readAt = 0;

  constructor(path: string, field: string, refreshMs: number, now: () => number) {
    this.path = path;
    this.field = field;
    this.refreshMs = refreshMs;
    this.now = now;
  }

  get(): Buffer {
    const t = this.now();
    if (this.value && t - this.readAt < this.refreshMs) return this.value;
    try {
      const next = readFileSync(this.path);
      // keep the same Buffer when nothing changed: the https agent pools sockets by these options
      if (!this.value || !next.equals(this.value)) this.value = next;
      this.readAt = t;
    } catch (err) {
      if (!this.value) {
        throw new KubeConfigError(`${this.field}: cannot read ${this.path}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      this.readAt = t; // retry after another period
    }
    return this.value;
  }
}

// --- exec credential plugins -----------------------------------------------------------------------------------

const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];

interface ExecConfig {
  apiVersion: string;
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  provideClusterInfo: boolean;
  interactiveMode?: string;
  installHint?: string;
  where: string;
}

function parseExec(raw: unknown, uw: string, dir: string): ExecConfig {
  const where = `${uw}.exec`;
  if (typeof raw !== 'object' || raw === null) throw new KubeConfigError(`${where} must be a mapping`);
  const e = raw as Record<string, unknown>;
  const apiVersion = str(e.apiVersion, `${where}.apiVersion`);
  if (!EXEC_API_VERSIONS.includes(apiVersion)) {
    throw new KubeConfigError(`${where}.apiVersion "${apiVersion}" is not one of ${EXEC_API_VERSIONS.join(', ')}`);
  }
  let command = str(e.command, `${where}.command`);
  if (!command) throw new KubeConfigError(`${where}.command is not set`);
  // like client-go: a relative path with a separator is relative to the kubeconfig file; a bare name uses PATH
  if (command.includes('/') && !isAbsolute(command)) command = join(dir, command);
  const args = e.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    throw new KubeConfigError(`${where}.args must be a list of strings`);
  }
  const env = (e.env ?? []) as { name?: unknown; value?: unknown }[];
  if (!Array.isArray(env) || !env.every((v) => typeof v?.name === 'string' && typeof v?.value === 'string')) {
    throw new KubeConfigError(`${where}.env must be a list of {name, value} strings`);
  }
  return {
    apiVersion,
    command,
    args,
    env: env as { name: string; value: string }[],
    provideClusterInfo: e.provideClusterInfo === true,
    interactiveMode: str(e.interactiveMode, `${where}.interactiveMode`) || undefined,
    installHint: str(e.installHint, `${where}.installHint`) || undefined,
    where,
  };
}

export interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

/** Runs an exec credential plugin and caches its ExecCredential until it expires (forever without an expiry). */
class ExecPlugin {
  private readonly config: ExecConfig;
  private readonly settings: Settings;
  private readonly cluster: Record<string, unknown>;
  private readonly now: () => number;
  private cached?: { status: ExecCredentialStatus; expiresAt: number };
  private running?: Promise<ExecCredentialStatus>;

  constructor(config: ExecConfig, settings: Settings, cluster: Record<string, unknown>, now: () => number) {
    this.config = config;
    this.settings = settings;
    this.cluster = cluster;
    this.now = now;
  }

  credential(): Promise<ExecCredentialStatus> {
    if (this.cached && this.now() < this.cached.expiresAt) return Promise.resolve(this.cached.status);
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private execInfo(): string {
    const spec: Record<string, unknown> = { interactive: false };
    if (this.config.provideClusterInfo) {
      const c = this.cluster;
      const ca = this.settings.ca?.get();
      spec.cluster = {
        server: this.settings.server,
        'tls-server-name': this.settings.tlsServerName,
        'insecure-skip-tls-verify': this.settings.skipTLSVerify || undefined,
        'certificate-authority-data': ca?.toString('base64'),
        'proxy-url': c['proxy-url'],
        config: (c.extensions as { name?: string; extension?: unknown }[] | undefined)?.find(
          (x) => x?.name === 'client.authentication.k8s.io/exec',
        )?.extension,
      };
    }
    return JSON.stringify({ apiVersion: this.config.apiVersion, kind: 'ExecCredential', spec });
  }

  private async run(): Promise<ExecCredentialStatus> {
    const cfg = this.config;
    const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: this.execInfo() };
    for (const { name, value } of cfg.env) env[name] = value;
    const { code, stdout, stderr, error } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
      error?: Error;
    }>((done) => {
      const child = spawn(cfg.command, cfg.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      let failed: Error | undefined;
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        err += d;
      });
      child.on('error', (e) => {
        failed = e;
      });
      child.on('close', (c) => done({ code: c, stdout: out, stderr: err, error: failed }));
    });
    const hint = cfg.installHint ? `\n${cfg.installHint}` : '';
    if (error) throw new KubeConfigError(`${cfg.where}: cannot run ${cfg.command}: ${error.message}${hint}`);
    if (code !== 0) {
      throw new KubeConfigError(`${cfg.where}: ${cfg.command} exited with ${code}: ${stderr.trim().slice(0, 500)}`);
    }
    let cred: { apiVersion?: string; kind?: string; status?: ExecCredentialStatus };
    try {
      cred = JSON.parse(stdout);
    } catch {
      throw new KubeConfigError(`${cfg.where}: ${cfg.command} did not print an ExecCredential as JSON`);
    }
    if (cred?.kind !== 'ExecCredential' || cred.apiVersion !== cfg.apiVersion) {
      throw new KubeConfigError(
        `${cfg.where}: ${cfg.command} printed ${cred?.apiVersion ?? '?'} ${cred?.kind ?? '?'}, expected ${cfg.apiVersion} ExecCredential`,
      );
    }
    const status = cred.status ?? {};
    if (!status.token && !(status.clientCertificateData && status.clientKeyData)) {
      throw new KubeConfigError(
        `${cfg.where}: the ExecCredential has neither status.token nor status.clientCertificateData and clientKeyData`,
      );
    }
    let expiresAt = Number.POSITIVE_INFINITY;
    if (status.expirationTimestamp) {
      expiresAt = Date.parse(status.expirationTimestamp);
      if (Number.isNaN(expiresAt)) {
        throw new KubeConfigError(
          `${cfg.where}: status.expirationTimestamp "${status.expirationTimestamp}" is not a timestamp`,
        );
      }
    }
    this.cached = { status, expiresAt };
    return status;
  }
}
