import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { type ExecLauncher, parseExecQuery, serveExec } from './exec.ts';

const run = promisify(execFile);
export const KUBELET_PORT = 10250;

/** Finds a container's log file: (namespace, pod, container) → path, undefined when the agent has no such pod. */
export type LogLocator = (namespace: string, pod: string, container: string | undefined) => string | undefined;

/** Finds how to run a command in a running container: undefined when the agent has no such container running. */
export type ExecLocator = (namespace: string, pod: string, container: string | undefined) => ExecLauncher | undefined;

/**
 * The slice of the kubelet API that `kubectl logs` and `kubectl exec` need: the apiserver proxies GET /containerLogs/NS/POD/CONTAINER
 * (tailLines, limitBytes, follow) to the Node's InternalIP on port 10250. The apiserver of the local cluster verifies
 * neither side (no --kubelet-certificate-authority / client certificate), so a self-signed certificate serves.
 * Exec: /exec/NS/POD/CONTAINER?command=..&input=1&output=1&error=1 upgraded to WebSocket (v5/v4.channel.k8s.io);
 * the local API server runs with TranslateStreamCloseWebsocketRequests=false so that it proxies kubectl's
 * WebSocket as is instead of translating it to SPDY (which this agent does not speak).
 */
export class KubeletApi {
  private servers: Server[] = [];
  private readonly dir: string;
  private readonly locate: LogLocator;
  private readonly log: (m: string) => void;
  private readonly execLocate: ExecLocator;

  constructor(dir: string, locate: LogLocator, log: (m: string) => void, execLocate: ExecLocator = () => undefined) {
    this.dir = dir;
    this.locate = locate;
    this.log = log;
    this.execLocate = execLocate;
  }

  async start(ips: string[]): Promise<void> {
    const { key, cert } = await this.certificate(ips);
    for (const ip of ips) {
      const server = createServer({ key, cert }, (req, res) => {
        void this.handle(req.url ?? '/', res, req).catch((err) => {
          if (!res.headersSent) res.writeHead(500);
          res.end(String((err as Error).message));
        });
      });
      server.on('upgrade', (req, socket) => this.upgrade(req, socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(KUBELET_PORT, ip, () => resolve());
      }).catch((err) => this.log(`kubelet api on ${ip}: ${(err as Error).message}`));
      this.servers.push(server);
    }
  }

  async stop(): Promise<void> {
    for (const s of this.servers) {
      s.closeAllConnections();
      s.close();
    }
  }

  /** /exec/NS/POD/CONTAINER (or /exec/NS/POD/UID/CONTAINER) as a WebSocket upgrade. */
  private upgrade(req: import('node:http').IncomingMessage, socket: import('node:stream').Duplex): void {
    const u = new URL(req.url ?? '/', 'https://node');
    const m = /^\/exec\/([^/]+)\/([^/]+)(?:\/[^/]+)?\/([^/]+)\/?$/.exec(u.pathname);
    const launcher = m ? this.execLocate(m[1], m[2], m[3]) : undefined;
    if (!launcher) {
      const why = m ? `container ${m[3]} of pod ${m[1]}/${m[2]} is not running on this node` : 'not found';
      socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${why}\n`);
      return;
    }
    socket.on('error', () => {});
    serveExec(req, socket, parseExecQuery(u.searchParams), launcher);
  }

  private async handle(url: string, res: import('node:http').ServerResponse, req: import('node:http').IncomingMessage) {
    const u = new URL(url, 'https://node');
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)(?:\/([^/]+))?\/?$/.exec(u.pathname);
    if (!m) {
      res.writeHead(404).end('only /containerLogs is served by the statecraft node agent');
      return;
    }
    const file = this.locate(m[1], m[2], m[3]);
    if (!file || !existsSync(file)) {
      res.writeHead(404).end(`no logs for ${m[1]}/${m[2]}${m[3] ? `/${m[3]}` : ''} on this node`);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    let text = await readFile(file, 'utf8');
    const tail = Number(u.searchParams.get('tailLines') ?? '');
    if (tail >= 0 && u.searchParams.has('tailLines')) {
      const lines = text.split('\n');
      if (lines.at(-1) === '') lines.pop();
      text = lines.slice(Math.max(0, lines.length - tail)).join('\n') + (lines.length ? '\n' : '');
    }
    const limit = Number(u.searchParams.get('limitBytes') ?? '');
    if (limit > 0) text = text.slice(0, limit);
    res.write(text);
    if (u.searchParams.get('follow') !== 'true') {
      res.end();
      return;
    }
    // follow: send what is appended until the client goes away
    let closed = false;
    req.on('close', () => {
      closed = true;
    });
    let offset = (await stat(file)).size;
    while (!closed) {
      await sleep(300);
      const size = (await stat(file).catch(() => undefined))?.size ?? offset;
      if (size <= offset) continue;
      const fh = await open(file, 'r');
      const buf = Buffer.alloc(size - offset);
      await fh.read(buf, 0, buf.length, offset);
      await fh.close();
      offset = size;
      res.write(buf);
    }
    res.end();
  }

  private async certificate(ips: string[]): Promise<{ key: Buffer; cert: Buffer }> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const key = join(this.dir, 'kubelet.key');
    const cert = join(this.dir, 'kubelet.crt');
    if (!existsSync(cert)) {
      await run('openssl', [
        'req',
        '-x509',
        '-nodes',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '3650',
        '-subj',
        '/CN=statecraft-node-agent',
        '-addext',
        `subjectAltName=${ips.map((ip) => `IP:${ip}`).join(',')}`,
      ]);
    }
    return { key: await readFile(key), cert: await readFile(cert) };
  }
}
