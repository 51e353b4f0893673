/**
 * The database side of a PostgresReplication for `statecraft status --live`: the controller's credentials and node
 * addresses, the PostgreSQL engine's connectNode / observeNodes (pg_is_in_recovery, WAL positions, the WAL
 * receiver, pg_stat_replication) — SELECTs alone.
 */
import type { PostgresReplication } from '../../apis/postgresreplication.ts';
import { locateNodes, type ObjectReader, readComposeCredentials } from '../../controllers/compose/index.ts';
import { loginsOf, nodesOf } from '../../controllers/postgresreplication/build.ts';
import { connectNode, endOfWal, formatLsn, observeNodes, type Session } from '../../engines/postgres/index.ts';
import type { KubeObject } from '../../runtime/index.ts';
import type { Observation } from './model.ts';
import { type ProbeOptions, probe } from './probe.ts';

export async function observePostgresReplication(
  reader: ObjectReader,
  object: KubeObject,
  o: ProbeOptions,
): Promise<Observation> {
  const cr = object as unknown as PostgresReplication;
  let replicationUser = '';
  return probe<Session>(
    async () => {
      const creds = await readComposeCredentials(reader, cr, loginsOf(cr));
      replicationUser = creds.replication.username;
      const nodes = nodesOf(cr);
      const secrets = [creds.admin.password, creds.replication.password];
      return {
        nodes,
        ...(await locateNodes(reader, cr.metadata.namespace, nodes, o.addressMode)),
        secrets,
        connect: (a) =>
          connectNode(
            a,
            { user: creds.admin.username, password: creds.admin.password },
            { connectTimeoutMs: o.timeoutMs, queryTimeoutMs: o.timeoutMs, secrets },
          ),
      };
    },
    async (t, sessions, out) => {
      const { observed, errors } = await observeNodes(sessions, replicationUser);
      const nameOf = (host?: string, port?: number) =>
        t.nodes.find((n) => t.addresses[n.name]?.host === host && t.addresses[n.name]?.port === port)?.name;
      // a standby's lag as its primary measures it (pg_stat_replication, by the standby's application_name)
      const primaries = Object.values(observed).filter((st) => st && !st.inRecovery);
      for (const n of t.nodes) {
        const e = errors[n.name];
        if (e) out.failed(n.name, e.message);
        const st = observed[n.name];
        if (!st) continue;
        const standby = st.inRecovery;
        const up = st.upstream;
        const app = up?.applicationName;
        const conn = app
          ? primaries.flatMap((p) => p?.replication ?? []).find((r) => r.applicationName === app)
          : undefined;
        out.set(n.name, {
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
    },
  );
}
