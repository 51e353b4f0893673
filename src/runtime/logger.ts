/**
 * The runtime's default logger: pino on stdout, ISO timestamps, level from LOG_LEVEL (default info), format from
 * LOG_FORMAT: `json` (default; one object per line, for log pipelines) or `text` (one readable line per record).
 */
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; name?: string; format?: string } = {}): Logger {
  const format = options.format ?? process.env.LOG_FORMAT ?? 'json';
  const opts = {
    name: options.name,
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return format === 'text' ? pino(opts, textDestination(process.stdout)) : pino(opts);
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** `2026-12-02T06:00:00.000Z INFO  [mysqlreplication default/db] applying topology steps steps=["switchover"]` */
export function formatTextLine(line: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line);
  } catch {
    return line;
  }
  const { time, level, msg, pid: _pid, hostname: _h, controller, namespace, name, ...rest } = rec;
  const where = controller ? ` [${controller}${name ? ` ${namespace ? `${namespace}/` : ''}${name}` : ''}]` : '';
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ${(LEVELS[level as number] ?? String(level)).padEnd(5)}${where} ${msg ?? ''}${fields ? ` ${fields}` : ''}\n`;
}

/** pino writes one JSON line per record; this rewrites each as text. (No pino-pretty: one small function does.) */
function textDestination(out: NodeJS.WritableStream): DestinationStream {
  return { write: (line: string) => void out.write(formatTextLine(line.trimEnd())) };
}
