/**
 * The database side of a MysqlReplication for `statecraft status --live`: the controller's own way in (credentials
 * from the CR's Secrets, node addresses by address mode, the MySQL engine's connectNode / observeTopology), read
 * only: the engine's observation runs SELECT / SHOW statements alone. Every session is closed before returning.
 */
import type { MysqlReplication } from '../../apis/mysqlreplication.ts';
import type { AddressMode } from '../../controllers/address-mode.ts';
import { locateNodes, type ObjectReader, readComposeCredentials } from '../../controllers/compose/index.ts';
import { desiredTopology, loginsOf, nodesOf } from '../../controllers/mysqlreplication/build.ts';
import { scrub } from '../../engines/engine-error.ts';
import { connectNode, observeTopology, type Session } from '../../engines/mysql/index.ts';
import type { KubeObject } from '../../runtime/index.ts';
import type { Observation, ObservedNode } from './model.ts';

export interface ProbeOptions {
  addressMode: AddressMode;
  /** bound of each node's connect and each statement */
  timeoutMs: number;
}

export async function observeMysqlReplication(
  reader: ObjectReader,
  object: KubeObject,
  o: ProbeOptions,
): Promise<Observation> {
  const cr = object as unknown as MysqlReplication;
  const at = new Date().toISOString();
  let secrets: string[] = [];
  try {
    const creds = await readComposeCredentials(reader, cr, loginsOf(cr));
    secrets = [creds.admin.password, creds.replication.password];
    const nodes = nodesOf(cr);
    const { addresses, missing } = await locateNodes(reader, cr.metadata.namespace, nodes, o.addressMode);
    const out = new Map<string, ObservedNode>(nodes.map((n) => [n.name, { name: n.name }]));
    for (const [name, why] of Object.entries(missing)) out.set(name, { name, error: why });
    const sessions: Record<string, Session | undefined> = {};
    try {
      await Promise.all(
        nodes.map(async (n) => {
          const a = addresses[n.name];
          if (!a) return;
          try {
            sessions[n.name] = await connectNode(
              a,
              { user: creds.admin.username, password: creds.admin.password },
              { connectTimeoutMs: o.timeoutMs, statementTimeoutMs: o.timeoutMs, secrets },
            );
          } catch (err) {
            out.set(n.name, {
              name: n.name,
              address: `${a.host}:${a.port}`,
              error: scrub(String((err as Error).message), secrets),
            });
          }
        }),
      );
      const { observed, errors } = await observeTopology(
        sessions,
        desiredTopology(cr, addresses, creds.replication.username),
      );
      const nameOf = (host: string, port: number) =>
        nodes.find((n) => addresses[n.name]?.host === host && addresses[n.name]?.port === port)?.name ??
        `${host}:${port}`;
      for (const n of nodes) {
        const a = addresses[n.name];
        const address = a && `${a.host}:${a.port}`;
        const e = errors[n.name];
        if (e) out.set(n.name, { name: n.name, address, error: scrub(e.message, secrets) });
        const st = observed[n.name];
        if (!st) continue;
        const r = st.replication;
        out.set(n.name, {
          name: n.name,
          address,
          role: st.role === 'Source' ? 'source' : 'replica',
          rawRole: st.role,
          readOnly: st.readOnly,
          ...(r
            ? {
                link: `IO ${r.ioRunning}, SQL ${r.sqlRunning}`,
                linkUp: r.ioRunning === 'Yes' && r.sqlRunning === 'Yes',
                source: nameOf(r.sourceHost, r.sourcePort),
                sourceAddress: `${r.sourceHost}:${r.sourcePort}`,
                lagSeconds: r.secondsBehindSource ?? undefined,
              }
            : {}),
          position: st.gtid.executed,
        });
      }
    } finally {
      await Promise.all(Object.values(sessions).map((s) => s?.close().catch(() => undefined)));
    }
    return { at, nodes: [...out.values()] };
  } catch (err) {
    return { at, nodes: [], error: scrub(String((err as Error).message), secrets) };
  }
}
