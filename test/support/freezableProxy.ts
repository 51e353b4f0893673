/**
 * A TCP proxy that can simulate a network partition between one client and a server, for tests. TLS passes
 * through untouched (point the client at `url` and keep its CA; the local API server's certificate has the IP SAN
 * 127.0.0.1).
 *
 * - `freeze()`: from now on the proxy black-holes both directions of every connection, old and new: it reads and
 *   discards the bytes (so the sender sees them accepted, as in a partition where packets are dropped after the
 *   send buffer), sends nothing, and keeps the sockets open; closes are not passed on either.
 * - `thaw()`: the partition heals. Connections that lived through the freeze are reset — their byte streams lost
 *   data, so they could never be resumed — and new connections pass normally.
 */
import net from 'node:net';

export interface FreezableProxy {
  /** `https://127.0.0.1:<port>` */
  url: string;
  port: number;
  readonly frozen: boolean;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
  /** bytes thrown away while frozen, per direction */
  readonly discarded: { toServer: number; toClient: number };
}

interface Pair {
  client: net.Socket;
  server?: net.Socket;
  /** lived through a freeze */
  tainted: boolean;
}

export async function startFreezableProxy(target: { host: string; port: number }): Promise<FreezableProxy> {
  let frozen = false;
  const pairs = new Set<Pair>();
  const discarded = { toServer: 0, toClient: 0 };

  const end = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.server?.destroy();
  };

  const server = net.createServer((client) => {
    const pair: Pair = { client, tainted: frozen };
    pairs.add(pair);
    client.on('error', () => {});
    client.on('data', (d) => {
      if (frozen || pair.tainted) {
        discarded.toServer += d.length;
        return;
      }
      pair.server?.write(d);
    });
    client.on('close', () => {
      if (!frozen && !pair.tainted) end(pair);
    });
    if (frozen) return; // black-holed from the start: never reaches the server
    const upstream = net.connect(target);
    pair.server = upstream;
    upstream.on('error', () => {});
    upstream.on('data', (d) => {
      if (frozen || pair.tainted) {
        discarded.toClient += d.length;
        return;
      }
      client.write(d);
    });
    upstream.on('close', () => {
      if (!frozen && !pair.tainted) end(pair);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    get frozen() {
      return frozen;
    },
    freeze() {
      frozen = true;
      for (const p of pairs) p.tainted = true;
    },
    thaw() {
      frozen = false;
      for (const p of [...pairs]) {
        if (!p.tainted) continue;
        p.client.resetAndDestroy();
        p.server?.resetAndDestroy();
        pairs.delete(p);
      }
    },
    async close() {
      for (const p of [...pairs]) end(p);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    discarded,
  };
}
