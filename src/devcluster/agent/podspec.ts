/**
 * Pure decisions about a pod spec: which image runs how, variable expansion, container-path → host-path mapping and
 * the /etc/hosts a pod sees. Unit-tested without a cluster.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as k8s from '@kubernetes/client-node';
import { isMySQLImage } from './mysql-image.ts';

export type ServerKind = 'mariadb' | 'redis' | 'postgres';
export const SERVER_KINDS: readonly ServerKind[] = ['mariadb', 'redis', 'postgres'];

/**
 * The server an official image runs here, or undefined: `mariadb:10.11`, `docker.io/library/redis:7`,
 * `postgres@sha256:...`, `mariadb` (latest). Other registries' or users' images are not the official ones.
 * `mysql:*` runs on MariaDB (see mysql-image.ts: there is no MySQL server here, and the pod is told so).
 */
export function officialImage(image: string | undefined): ServerKind | undefined {
  if (isMySQLImage(image)) return 'mariadb';
  const m =
    /^(?:(?:docker\.io|index\.docker\.io)\/)?(?:library\/)?([a-z0-9]+)(?::[\w.-]+)?(?:@sha256:[a-f0-9]+)?$/.exec(
      image ?? '',
    );
  return m && (SERVER_KINDS as readonly string[]).includes(m[1]) ? (m[1] as ServerKind) : undefined;
}

/** The CEL regular expression the steering policy uses; must agree with officialImage. */
export const OFFICIAL_IMAGE_RE =
  '^((docker\\.io|index\\.docker\\.io)/)?(library/)?(mariadb|mysql|redis|postgres)(:[\\w.-]+)?(@sha256:[a-f0-9]+)?$';

const SERVER_COMMANDS: Record<ServerKind, string[]> = {
  mariadb: ['mariadbd', 'mysqld', 'docker-entrypoint.sh'],
  redis: ['redis-server', 'docker-entrypoint.sh'],
  postgres: ['postgres', 'docker-entrypoint.sh'],
};

/**
 * Statecraft's own image (`ghcr.io/statecraft-dev/statecraft:0.1.0`, any registry, any tag): its pods run the
 * operator from this checkout, as the image's entrypoint would (`statecraft ARGS`), so `helm install` on the local
 * cluster gives real operator pods.
 */
export const STATECRAFT_IMAGE_RE = '^([^ ]+/)?statecraft(:[\\w.-]+)?(@sha256:[a-f0-9]+)?$';
export const isStatecraftImage = (image: string | undefined) => new RegExp(STATECRAFT_IMAGE_RE).test(image ?? '');
/** The operator's entry point in this checkout, and the Node that runs it (the agent's own: Node 24). */
const CHECKOUT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const STATECRAFT_ENTRY = join(CHECKOUT, 'bin', 'statecraft.js');

/** How one container runs here. */
export type ContainerPlan =
  | { kind: 'server'; server: ServerKind; args: string[] }
  /**
   * `bindsPodAddress`: `--x-bind-address=:PORT` means the pod's own address here (pods share the network).
   * `keepVisible`: host directories the command itself lives in, bound again over the pod's mounts (a pod's
   * emptyDir at /tmp must not hide a checkout under /tmp).
   */
  | { kind: 'command'; argv: string[]; bindsPodAddress?: boolean; keepVisible?: string[] }
  | { kind: 'unsupported'; reason: string };

/**
 * The image's entrypoint semantics: no command and no args (or args that are options, or that name the server)
 * start the server; anything else is a command run with the image's tools (mariadb-dump, psql, redis-cli, sh).
 */
export function planContainer(c: Pick<k8s.V1Container, 'image' | 'command' | 'args'>): ContainerPlan {
  if (isStatecraftImage(c.image)) {
    // the image's entrypoint is `statecraft`; a command naming it again is the same
    const command = (c.command ?? []).filter((a, i) => !(i === 0 && /(^|\/)statecraft(\.js)?$/.test(a)));
    return {
      kind: 'command',
      argv: [process.execPath, STATECRAFT_ENTRY, ...command, ...(c.args ?? [])],
      bindsPodAddress: true,
      keepVisible: [...new Set([CHECKOUT, dirname(process.execPath)])],
    };
  }
  const server = officialImage(c.image);
  if (!server) {
    return {
      kind: 'unsupported',
      reason: `image ${JSON.stringify(c.image)} is not run by the local node agent (it runs the official mariadb, redis and postgres images, and Statecraft's own)`,
    };
  }
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  if (argv.length === 0) return { kind: 'server', server, args: [] };
  const first = argv[0].split('/').pop()!;
  if (SERVER_COMMANDS[server].includes(first)) {
    const rest = argv.slice(1);
    // docker-entrypoint.sh mariadbd --x: the entrypoint's first argument may name the server again
    if (first === 'docker-entrypoint.sh' && rest.length && SERVER_COMMANDS[server].includes(rest[0])) rest.shift();
    return { kind: 'server', server, args: rest };
  }
  if (!c.command && argv[0].startsWith('-')) return { kind: 'server', server, args: argv };
  return { kind: 'command', argv };
}

/** `--metrics-bind-address=:8080` → `--metrics-bind-address=10.1.0.5:8080`: all interfaces means the pod's own here. */
export function bindToPodAddress(arg: string, podIp: string): string {
  return arg.replace(/^(--[\w-]*bind-address=):(\d+)$/, `$1${podIp}:$2`);
}

/** Kubernetes' $(VAR) expansion: defined names are replaced, $$ escapes, unknown references stay as written. */
export function expandVars(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && name in vars ? vars[name] : m;
  });
}

/**
 * In a container 127.0.0.1 is the pod itself; here it is the machine. Commands and exec probes that name it
 * (`mysqladmin -h 127.0.0.1 ping`, `redis-cli -h 127.0.0.1`) get the pod's own address instead.
 */
export function podLoopback(arg: string, podIp: string): string {
  return arg.replace(/(^|[^\d.])127\.0\.0\.1(?![\d])/g, `$1${podIp}`);
}

export interface Mount {
  /** path inside the container */
  containerPath: string;
  /** path on this machine */
  hostPath: string;
  readOnly: boolean;
}

/** Host path of a container path, through the deepest mount that contains it; undefined when none does. */
export function hostPathOf(containerPath: string, mounts: Mount[]): string | undefined {
  let best: Mount | undefined;
  for (const m of mounts) {
    const root = m.containerPath.replace(/\/+$/, '');
    if (containerPath === root || containerPath.startsWith(`${root}/`)) {
      if (!best || root.length > best.containerPath.replace(/\/+$/, '').length) best = m;
    }
  }
  if (!best) return undefined;
  return best.hostPath + containerPath.slice(best.containerPath.replace(/\/+$/, '').length);
}

/** Rewrites absolute container paths in server arguments (`--log-bin=/var/lib/mysql/bin`, `/etc/redis/redis.conf`). */
export function mapArgPaths(args: string[], mounts: Mount[]): string[] {
  return args.map((a) => {
    const eq = a.indexOf('=');
    if (eq > 0) {
      const value = a.slice(eq + 1);
      return value.startsWith('/') ? `${a.slice(0, eq + 1)}${hostPathOf(value, mounts) ?? value}` : a;
    }
    return a.startsWith('/') ? (hostPathOf(a, mounts) ?? a) : a;
  });
}

export interface HostEntry {
  ip: string;
  names: string[];
}

/** Names a pod answers to in cluster DNS: its hostname and, with a subdomain, the headless-service FQDNs. */
export function podDnsNames(pod: k8s.V1Pod, domain = 'cluster.local'): string[] {
  const host = pod.spec?.hostname ?? pod.metadata?.name ?? '';
  const ns = pod.metadata?.namespace ?? 'default';
  const sub = pod.spec?.subdomain;
  if (!sub) return [host];
  const base = `${host}.${sub}`;
  return [`${base}.${ns}.svc.${domain}`, `${base}.${ns}.svc`, `${base}.${ns}`, base, host];
}

/** Names of a Service as seen from a pod in `fromNs` (short names only in the same namespace). */
export function serviceDnsNames(
  svc: { name: string; namespace: string },
  fromNs: string,
  domain = 'cluster.local',
): string[] {
  const fq = [
    `${svc.name}.${svc.namespace}.svc.${domain}`,
    `${svc.name}.${svc.namespace}.svc`,
    `${svc.name}.${svc.namespace}`,
  ];
  return svc.namespace === fromNs ? [...fq, svc.name] : fq;
}

export function renderHosts(entries: HostEntry[]): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  const seen = new Set<string>();
  for (const e of entries) {
    const names = e.names.filter((n) => n && !seen.has(n));
    for (const n of names) seen.add(n);
    if (names.length) lines.push(`${e.ip}\t${names.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Kubelet's restart backoff, shortened for a dev machine: 1 s doubling to 60 s. */
export function restartBackoffMs(restarts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, restarts - 1), 60_000);
}

/** True when labels match a Service selector (an empty selector matches nothing, as for endpoints). */
export function selectorMatches(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}
