import { connect } from 'node:net';

/**
 * Opens a TCP connection, optionally sends `send`, and resolves with the first bytes the server answers
 * (rejects on refusal, timeout or a close without data). Cheap enough to poll: no client library, no process.
 */
export function firstReply(ip: string, port: number, send?: Buffer | string, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: ip, port });
    const done = (err?: Error, data?: Buffer) => {
      socket.destroy();
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(data!);
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${ip}:${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => {
      if (send !== undefined) socket.write(send);
    });
    socket.once('data', (d) => done(undefined, d));
    socket.once('error', (e) => done(e));
    socket.once('end', () => done(new Error(`${ip}:${port} closed the connection`)));
  });
}

/** True when something accepts TCP connections on ip:port. */
export function tcpOpen(ip: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    const timer = setTimeout(() => finish(false), timeoutMs);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}
