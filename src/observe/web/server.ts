/**
 * The web view's HTTP server (node:http, read-only): `/` the page, `/page.js` and `/page.css`, `/events` the
 * server-sent events (a snapshot on connect and after every change of the feed: no polling), `/api/status` the
 * reports as JSON (what `statecraft status -o json` prints). Anything but GET/HEAD is refused.
 *
 * The page carries a strict Content-Security-Policy (scripts and styles from this origin only, no inline script),
 * so a CR name that slipped past escaping still could not run code.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TopologyFeed } from '../feed.ts';
import { renderPage, snapshot } from './render.ts';

const asset = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');
const PAGE_JS = asset('./page.js');
const PAGE_CSS = asset('./page.css');

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/** Server-sent events keep-alive: a comment line so proxies do not close an idle stream. */
const HEARTBEAT_MS = 15_000;

export interface WebView {
  server: http.Server;
  /** host:port it listens on */
  address: string;
  close(): Promise<void>;
}

export async function serveWebView(
  feed: TopologyFeed,
  bind: { host?: string; port: number },
  options: { title?: string } = {},
): Promise<WebView> {
  const streams = new Set<http.ServerResponse>();
  const send = (res: http.ServerResponse, data: string) => res.write(`event: snapshot\ndata: ${data}\n\n`);
  const unsubscribe = feed.subscribe((reports) => {
    const data = JSON.stringify(snapshot(reports));
    for (const res of streams) send(res, data);
  });
  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', ...SECURITY_HEADERS }).end('read-only\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const reply = (type: string, body: string) =>
      res.writeHead(200, { 'Content-Type': type, ...SECURITY_HEADERS }).end(req.method === 'HEAD' ? undefined : body);
    switch (path) {
      case '/':
        return reply('text/html; charset=utf-8', renderPage(feed.reports(), options.title));
      case '/page.js':
        return reply('text/javascript; charset=utf-8', PAGE_JS);
      case '/page.css':
        return reply('text/css; charset=utf-8', PAGE_CSS);
      case '/api/status':
        return reply('application/json', JSON.stringify(feed.reports()));
      case '/events': {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', Connection: 'keep-alive', ...SECURITY_HEADERS });
        res.write('retry: 2000\n\n');
        send(res, JSON.stringify(snapshot(feed.reports())));
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      case '/favicon.ico':
        res.writeHead(204, SECURITY_HEADERS).end();
        return;
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain', ...SECURITY_HEADERS }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const address = `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  return {
    server,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        clearInterval(heartbeat);
        for (const res of streams) res.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
