import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Mount } from './podspec.ts';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface SandboxOptions {
  hostname: string;
  mounts: Mount[];
  /** a file bind-mounted over /etc/hosts (pod and Service names of the cluster) */
  hostsFile?: string;
  /** extra binds that make the image's default paths work, e.g. the server's socket dir over /run/mysqld */
  extraBinds?: { hostPath: string; containerPath: string }[];
  /** host directories bound onto themselves after the pod's mounts, so that no mount hides them */
  keepVisible?: string[];
  workingDir?: string;
  /** the pod's network namespace: `ip netns exec` enters it (and binds its resolv.conf/hosts over /etc) */
  netns?: string;
}

/**
 * argv that runs `argv` like inside the pod's container: a private mount and UTS namespace (unshare, as root) where
 * the pod's volumes are bind-mounted at their mountPaths, /etc/hosts names the cluster's pods and Services and the
 * host name is the pod's. The network is the machine's, so the command reaches pods on their pod IPs; with the pod
 * network the whole sandbox runs in the pod's network namespace instead.
 * Mount points missing on this machine are created (empty directories or files) before binding.
 */
export function sandboxArgv(argv: string[], o: SandboxOptions): string[] {
  const lines = ['set -e', `hostname ${quote(o.hostname)}`];
  const binds: { src: string; dst: string; ro: boolean }[] = [
    ...(o.extraBinds ?? []).map((b) => ({ src: b.hostPath, dst: b.containerPath, ro: false })),
    ...[...o.mounts]
      .sort((a, b) => a.containerPath.length - b.containerPath.length)
      .map((m) => ({ src: m.hostPath, dst: m.containerPath, ro: m.readOnly })),
    ...(o.hostsFile ? [{ src: o.hostsFile, dst: '/etc/hosts', ro: true }] : []),
    ...(o.keepVisible ?? []).map((d) => ({ src: d, dst: d, ro: false })),
  ];
  // Every source is staged first: a mount at /tmp (an emptyDir) would otherwise hide sources that live under /tmp
  // (this agent's pod directories) before they are bound. The staging mounts go once all binds are in place.
  const stage = '/run/statecraft-sandbox/$$';
  lines.push(`mkdir -p "${stage}"`);
  binds.forEach((b, i) => {
    lines.push(
      `if [ -d ${quote(b.src)} ]; then mkdir -p "${stage}/${i}"; else touch "${stage}/${i}"; fi`,
      `mount --bind ${quote(b.src)} "${stage}/${i}"`,
    );
  });
  binds.forEach((b, i) => {
    lines.push(
      `if [ -d "${stage}/${i}" ]; then mkdir -p ${quote(b.dst)}; else mkdir -p "$(dirname ${quote(b.dst)})"; [ -e ${quote(b.dst)} ] || touch ${quote(b.dst)}; fi`,
      `mount --bind "${stage}/${i}" ${quote(b.dst)}`,
    );
    if (b.ro) lines.push(`mount -o remount,bind,ro ${quote(b.dst)}`);
  });
  // never a recursive remove here: a staging point still bound would reach into the pod's data
  binds.forEach((_, i) => {
    lines.push(`umount "${stage}/${i}"`, `rmdir "${stage}/${i}" 2>/dev/null || rm -f "${stage}/${i}" || true`);
  });
  lines.push(`rmdir "${stage}" 2>/dev/null || true`);
  lines.push(`cd ${quote(o.workingDir ?? '/')} 2>/dev/null || cd /`, 'exec "$@"');
  const netns = o.netns ? ['ip', 'netns', 'exec', o.netns] : [];
  return [
    ...netns,
    'unshare',
    '--mount',
    '--uts',
    '--propagation',
    'private',
    '/bin/sh',
    '-c',
    lines.join('\n'),
    'sh',
    ...argv,
  ];
}

/**
 * A directory put first on PATH inside pods: `redis-cli` without -h talks to the pod's own address (in a container
 * 127.0.0.1 is the pod; here it is the machine). A later -h from the caller overrides ours.
 */
export async function wrapperBinDir(root: string): Promise<string> {
  const dir = join(root, 'bin');
  const file = join(dir, 'redis-cli');
  if (!existsSync(file)) {
    await mkdir(dir, { recursive: true });
    await writeFile(file, '#!/bin/sh\nexec /usr/bin/redis-cli -h "$STATECRAFT_POD_IP" "$@"\n', {
      mode: 0o755,
    });
  }
  return dir;
}
