/**
 * The probe and metrics HTTP endpoints. `/healthz` answers 200 while the process serves; `/readyz` answers 200
 * once every cache has synced (503 before); `/metrics` is the Prometheus text format.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = () => Promise<{ status: number; body: string; contentType?: string }>;

/** Parses `:8080`, `127.0.0.1:0`, `[::1]:9000`; '0' or '' means disabled (undefined). */
export function parseBindAddress(address: string | undefined): { host?: string; port: number } | undefined {
  if (!address || address === '0') return undefined;
  const i = address.lastIndexOf(':');
  if (i < 0) throw new Error(`bind address '${address}': expected host:port or :port`);
  const host = address.slice(0, i).replace(/^\[|\]$/g, '') || undefined;
  const port = Number(address.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bind address '${address}': invalid port`);
  return { host, port };
}

export async function serve(
  bind: { host?: string; port: number },
  routes: Record<string, Route>,
): Promise<{ server: http.Server; address: string }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routes[path];
    if (!route) {
      res.writeHead(404).end('not found\n');
      return;
    }
    route().then(
      (r) => res.writeHead(r.status, { 'Content-Type': r.contentType ?? 'text/plain; charset=utf-8' }).end(r.body),
      (err) => res.writeHead(500).end(`${(err as Error).message}\n`),
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return { server, address: `${host}:${a.port}` };
}

export function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
