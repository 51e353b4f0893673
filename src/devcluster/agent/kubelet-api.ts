import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const KUBELET_PORT = 10250;

/** Finds a container's log file: (namespace, pod, container) → path, undefined when the agent has no such pod. */
export type LogLocator = (namespace: string, pod: string, container: string | undefined) => string | undefined;

/**
 * The slice of the kubelet API that `kubectl logs` needs: the apiserver proxies GET /containerLogs/NS/POD/CONTAINER
 * (tailLines, limitBytes, follow) to the Node's InternalIP on port 10250. The apiserver of the local cluster verifies
 * neither side (no --kubelet-certificate-authority / client certificate), so a self-signed certificate serves.
 */
export class KubeletApi {
  private servers: Server[] = [];
  private readonly dir: string;
  private readonly locate: LogLocator;
  private readonly log: (m: string) => void;

  constructor(dir: string, locate: LogLocator, log: (m: string) => void) {
    this.dir = dir;
    this.locate = locate;
    this.log = log;
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
