/**
 * The database side of a MysqlReplication for `statecraft status --live`: the controller's own way in (credentials
 * from the CR's Secrets, node addresses by address mode, the MySQL engine's connectNode / observeTopology), read
 * only: the engine's observation runs SELECT / SHOW statements alone.
 */
import type { MysqlReplication } from '../../apis/mysqlreplication.ts';
import { locateNodes, type ObjectReader, readComposeCredentials } from '../../controllers/compose/index.ts';
import { desiredTopology, loginsOf, nodesOf } from '../../controllers/mysqlreplication/build.ts';
import { connectNode, observeTopology, type Session } from '../../engines/mysql/index.ts';
import type { KubeObject } from '../../runtime/index.ts';
import type { Observation } from './model.ts';
import { type ProbeOptions, probe } from './probe.ts';

export async function observeMysqlReplication(
  reader: ObjectReader,
  object: KubeObject,
  o: ProbeOptions,
): Promise<Observation> {
  const cr = object as unknown as MysqlReplication;
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
            { connectTimeoutMs: o.timeoutMs, statementTimeoutMs: o.timeoutMs, secrets },
          ),
      };
    },
    async (t, sessions, out) => {
      const { observed, errors } = await observeTopology(sessions, desiredTopology(cr, t.addresses, replicationUser));
      const nameOf = (host: string, port: number) =>
        t.nodes.find((n) => t.addresses[n.name]?.host === host && t.addresses[n.name]?.port === port)?.name ??
        `${host}:${port}`;
      for (const n of t.nodes) {
        const e = errors[n.name];
        if (e) out.failed(n.name, e.message);
        const st = observed[n.name];
        if (!st) continue;
        const r = st.replication;
        out.set(n.name, {
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
    },
  );
}
