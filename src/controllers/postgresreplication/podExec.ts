/**
 * `pods/exec` through the Kubernetes API, as the PostgreSQL engine's NodeControl needs it: one command in one
 * container, stdin written then closed, stdout/stderr collected, the exit code from the status channel. Speaks
 * the WebSocket remotecommand protocol (v5.channel.k8s.io, falling back to v4) over node:https, so it needs no
 * library and uses the manager's credentials. RBAC: `get` and `create` on `pods/exec` (the WebSocket upgrade is a
 * GET, authorized as `get` up to Kubernetes 1.34 and as `create` after).
 */
import { createHash, randomBytes } from 'node:crypto';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { KubeConfigLike } from '../../runtime/index.ts';

export interface PodExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface PodExecOptions {
  stdin?: string;
  /** abort (e.g. the reconcile's signal); there is no time limit otherwise, so a long base backup may finish */
  signal?: AbortSignal;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function serverUrl(kc: KubeConfigLike): string {
  if ('getCurrentCluster' in kc && typeof kc.getCurrentCluster === 'function') {
    const c = kc.getCurrentCluster();
    if (!c) throw new Error('kubeconfig: no current cluster');
    return c.server;
  }
  return (kc as { server: string }).server;
}

/** A client frame (masked, as RFC 6455 requires of clients). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.alloc(2) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = 0x80 | opcode;
  if (n < 126) head[1] = 0x80 | n;
  else if (n < 65536) {
    head[1] = 0x80 | 126;
    head.writeUInt16BE(n, 2);
  } else {
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= mask[i % 4];
  return Buffer.concat([head, mask, body]);
}

/** Server frames are not masked: fin, opcode, payload, bytes used; undefined when incomplete. */
function serverFrame(buf: Buffer): { opcode: number; fin: boolean; payload: Buffer; size: number } | undefined {
  if (buf.length < 2) return undefined;
  let len = buf[1] & 0x7f;
  let off = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    off = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    len = Number(buf.readBigUInt64BE(2));
    off = 10;
  }
  if (buf.length < off + len) return undefined;
  return { fin: (buf[0] & 0x80) !== 0, opcode: buf[0] & 0x0f, payload: buf.subarray(off, off + len), size: off + len };
}

/** The exit code a v4/v5 status object reports. */
export function exitCodeOf(status: {
  status?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  return cause ? Number(cause.message) : 1;
}

export async function podExec(
  kc: KubeConfigLike,
  target: { namespace: string; pod: string; container?: string },
  argv: string[],
  options: PodExecOptions = {},
): Promise<PodExecResult> {
  const url = new URL(
    `${serverUrl(kc).replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/exec`,
  );
  for (const a of argv) url.searchParams.append('command', a);
  if (target.container) url.searchParams.set('container', target.container);
  url.searchParams.set('stdout', 'true');
  url.searchParams.set('stderr', 'true');
  if (options.stdin !== undefined) url.searchParams.set('stdin', 'true');
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const key = randomBytes(16).toString('base64');
  return new Promise<PodExecResult>((resolve, reject) => {
    const req = https.request(url, {
      ...opts,
      method: 'GET',
      signal: options.signal,
      headers: {
        ...(opts.headers as Record<string, string> | undefined),
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': key,
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Protocol': 'v5.channel.k8s.io, v4.channel.k8s.io',
      },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => reject(new Error(`pods/exec ${target.pod}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`)));
    });
    req.on('upgrade', (res, socket: Duplex, head: Buffer) => {
      const expected = createHash('sha1').update(`${key}${GUID}`).digest('base64');
      if (res.headers['sec-websocket-accept'] !== expected) {
        socket.destroy();
        reject(new Error(`pods/exec ${target.pod}: bad WebSocket handshake`));
        return;
      }
      const v5 = res.headers['sec-websocket-protocol'] === 'v5.channel.k8s.io';
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let status: Parameters<typeof exitCodeOf>[0] | undefined;
      let buf: Buffer = Buffer.from(head);
      let fragments: Buffer[] = [];
      const finish = () => {
        socket.destroy();
        if (!status) {
          reject(new Error(`pods/exec ${target.pod}: the stream ended without an exit status`));
          return;
        }
        resolve({
          code: exitCodeOf(status),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr:
            Buffer.concat(err).toString('utf8') ||
            (status.status === 'Success' ? '' : String((status as { message?: string }).message ?? '')),
        });
      };
      const onMessage = (m: Buffer) => {
        if (m.length === 0) return;
        const data = m.subarray(1);
        if (m[0] === 1) out.push(Buffer.from(data));
        else if (m[0] === 2) err.push(Buffer.from(data));
        else if (m[0] === 3 && data.length) status = JSON.parse(data.toString('utf8'));
      };
      socket.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        for (let f = serverFrame(buf); f; f = serverFrame(buf)) {
          buf = buf.subarray(f.size);
          if (f.opcode === 8) {
            socket.end(clientFrame(8, Buffer.alloc(0)));
            finish();
            return;
          }
          if (f.opcode === 9) socket.write(clientFrame(10, f.payload));
          else if (f.opcode <= 2) {
            fragments.push(Buffer.from(f.payload));
            if (f.fin) {
              onMessage(Buffer.concat(fragments));
              fragments = [];
            }
          }
        }
      });
      socket.on('close', () => (status ? finish() : reject(new Error(`pods/exec ${target.pod}: connection closed`))));
      socket.on('error', () => {});
      if (options.stdin !== undefined) {
        socket.write(clientFrame(2, Buffer.concat([Buffer.from([0]), Buffer.from(options.stdin)])));
        // v5 closes stdin explicitly; v4 has no way but the end of the session
        if (v5) socket.write(clientFrame(2, Buffer.from([255, 0])));
      }
    });
    req.end();
  });
}
