/**
 * A TCP relay from the host end of the cluster's router link to the API server (which listens on 127.0.0.1 only,
 * unreachable from another network namespace): kube-proxy in the router namespace reaches the API through it.
 * Bytes only; TLS stays end to end (the client names 127.0.0.1 as the server it expects). Started by `cluster up
 * --pod-network` as a process of its own, stopped by `cluster down` with the others.
 *
 *   api-relay.ts --listen=HOST:PORT --target=HOST:PORT [--cluster-dir=DIR]
 */
import { connect, createServer } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { listen: { type: 'string' }, target: { type: 'string' }, 'cluster-dir': { type: 'string' } },
});
const split = (hp: string | undefined) => {
  const m = /^(.+):(\d+)$/.exec(hp ?? '');
  if (!m) {
    console.error('usage: api-relay --listen=HOST:PORT --target=HOST:PORT');
    process.exit(2);
  }
  return { host: m[1], port: Number(m[2]) };
};
const listen = split(values.listen);
const target = split(values.target);

const server = createServer((client) => {
  const upstream = connect(target.port, target.host);
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
});
server.listen(listen.port, listen.host, () => console.log(`relaying ${values.listen} -> ${values.target}`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
