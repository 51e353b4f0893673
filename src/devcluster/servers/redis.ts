import { mkdir } from 'node:fs/promises';
import { firstReply } from './ping.ts';
import { defaultLogFile, defaultRunDir, launch, type ServerHandle, type ServerOptions } from './process.ts';
import { resolvePrograms } from './programs.ts';

/** What the launcher runs (Debian's redis-server package). */
export const REDIS_PROGRAMS = ['redis-server'] as const;

/**
 * A Redis server (Debian's redis-server) that behaves like the official `redis` image: the first config file (a
 * mounted redis.conf) is loaded, protected mode is off, the working directory is the data directory (/data), and
 * args such as `--appendonly yes` or `--requirepass x` are appended; the bind address is forced to the pod IP.
 */
export function startRedis(options: ServerOptions): ServerHandle {
  const runDir = defaultRunDir(options);
  const programs = resolvePrograms(REDIS_PROGRAMS, options.programPath);
  const [config, ...more] = options.configFiles ?? [];
  const args = [
    ...(config ? [config] : []),
    '--port',
    String(options.port),
    '--dir',
    options.dataDir,
    '--protected-mode',
    'no',
    '--daemonize',
    'no',
    ...more.flatMap((f) => ['--include', f]),
    ...(options.args ?? []),
    '--bind',
    options.ip,
  ];
  return launch({
    name: 'redis',
    runDir,
    logFile: defaultLogFile(options),
    ip: options.ip,
    port: options.port,
    hostname: options.hostname,
    netns: options.netns,
    async init() {
      programs.assertPresent();
      await mkdir(options.dataDir, { recursive: true });
    },
    command: programs.path('redis-server'),
    args,
    ping: () => redisAnswers(options.ip, options.port),
  });
}

/** PONG, or NOAUTH when a password is set: the server answers (LOADING is not ready yet). */
export async function redisAnswers(ip: string, port: number): Promise<boolean> {
  const reply = (await firstReply(ip, port, 'PING\r\n')).toString();
  return reply.startsWith('+PONG') || reply.startsWith('-NOAUTH');
}
