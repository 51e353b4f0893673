/**
 * The database side of a PostgresReplication for `statecraft status --live`: the controller's credentials and node
 * addresses, the PostgreSQL engine's connectNode / observeNodes (pg_is_in_recovery, WAL positions, the WAL
 * receiver, pg_stat_replication) — SELECTs alone. Every session is closed before returning.
 */
import type { PostgresReplication } from '../../apis/postgresreplication.ts';
import { locateNodes, type ObjectReader, readComposeCredentials } from '../../controllers/compose/index.ts';
import { loginsOf, nodesOf } from '../../controllers/postgresreplication/build.ts';
import { scrub } from '../../engines/engine-error.ts';
import { connectNode, endOfWal, formatLsn, observeNodes, type Session } from '../../engines/postgres/index.ts';
import type { KubeObject } from '../../runtime/index.ts';
import type { Observation, ObservedNode } from './model.ts';
import type { ProbeOptions } from './mysql.ts';

export async function observePostgresReplication(
  reader: ObjectReader,
  object: KubeObject,
  o: ProbeOptions,
): Promise<Observation> {
  const cr = object as unknown as PostgresReplication;
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
              { connectTimeoutMs: o.timeoutMs, queryTimeoutMs: o.timeoutMs, secrets },
            );
          } catch (err) {
            out.set(n.name, {
              name: n.name,
              address: `${a.host}:${a.port}`,
              error: scrub((err as Error).message, secrets),
            });
          }
        }),
      );
      const { observed, errors } = await observeNodes(sessions, creds.replication.username);
      const nameOf = (host?: string, port?: number) =>
        nodes.find((n) => addresses[n.name]?.host === host && addresses[n.name]?.port === port)?.name;
      // a standby's lag as its primary measures it (pg_stat_replication, by the standby's application_name)
      const primaries = Object.values(observed).filter((st) => st && !st.inRecovery);
      for (const n of nodes) {
        const a = addresses[n.name];
        const address = a && `${a.host}:${a.port}`;
        const e = errors[n.name];
        if (e) out.set(n.name, { name: n.name, address, error: scrub(e.message, secrets) });
        const st = observed[n.name];
        if (!st) continue;
        const standby = st.inRecovery;
        const up = st.upstream;
        const app = up?.applicationName;
        const conn = app
          ? primaries.flatMap((p) => p?.replication ?? []).find((r) => r.applicationName === app)
          : undefined;
        out.set(n.name, {
          name: n.name,
          address,
          role: standby ? 'replica' : 'source',
          rawRole: standby ? 'standby (in recovery)' : 'primary',
          readOnly: standby || st.defaultReadOnly,
          ...(standby
            ? {
                link: `WAL receiver ${st.walReceiver?.status ?? 'not running'}`,
                linkUp: st.walReceiver?.status === 'streaming',
                source: nameOf(up?.host, up?.port) ?? (up?.host ? `${up.host}:${up.port}` : undefined),
                sourceAddress: up?.host ? `${up.host}:${up.port}` : undefined,
                lagSeconds: conn?.replayLagSeconds,
              }
            : {}),
          position: `${formatLsn(endOfWal(st))} (timeline ${st.timeline})`,
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
