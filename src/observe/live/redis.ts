/**
 * The database side of a RedisReplication for `statecraft status --live`: the controller's credentials and node
 * addresses, the Redis engine's connectRedis / observeNodes (INFO, CONFIG GET masterauth) plus CONFIG GET
 * replica-read-only — read-only commands alone.
 */
import type { RedisReplication } from '../../apis/redisreplication.ts';
import { locateNodes, type ObjectReader, readComposeCredentials } from '../../controllers/compose/index.ts';
import { desiredReplication, loginsOf, nodesOf, podsOf } from '../../controllers/redisreplication/build.ts';
import { connectRedis, type RedisSession } from '../../engines/redis/index.ts';
import { observeNodes, upstreamOf } from '../../engines/redis/replication/index.ts';
import type { KubeObject } from '../../runtime/index.ts';
import type { Observation } from './model.ts';
import { type ProbeOptions, probe } from './probe.ts';

export async function observeRedisReplication(
  reader: ObjectReader,
  object: KubeObject,
  o: ProbeOptions,
): Promise<Observation> {
  const cr = object as unknown as RedisReplication;
  let password = '';
  return probe<RedisSession>(
    async () => {
      password = (await readComposeCredentials(reader, cr, loginsOf(cr))).redis.password;
      const nodes = nodesOf(cr);
      return {
        nodes,
        ...(await locateNodes(reader, cr.metadata.namespace, nodes, o.addressMode, podsOf(cr))),
        secrets: [password],
        connect: (a) => connectRedis(a, { password }, { connectTimeoutMs: o.timeoutMs, commandTimeoutMs: o.timeoutMs }),
      };
    },
    async (t, sessions, out) => {
      const { observed, errors } = await observeNodes(sessions, password);
      const desired = desiredReplication(cr, t.addresses);
      await Promise.all(
        t.nodes.map(async (n) => {
          const e = errors[n.name];
          if (e) out.failed(n.name, e.message);
          const st = observed[n.name];
          if (!st) return;
          const replica = st.role === 'slave';
          // a master always takes writes; a replica does unless replica-read-only is off
          const ro = replica
            ? ((await sessions[n.name]
                ?.call('CONFIG', ['GET', 'replica-read-only'], 'CONFIG GET replica-read-only')
                .catch(() => undefined)) as string[] | undefined)
            : undefined;
          out.set(n.name, {
            role: replica ? 'replica' : 'source',
            rawRole: st.role,
            readOnly: replica ? (ro?.[1] === undefined ? undefined : ro[1] === 'yes') : false,
            ...(replica
              ? {
                  link: `master_link_status ${st.masterLinkStatus ?? '?'}${st.masterSyncInProgress ? ', syncing' : ''}`,
                  linkUp: st.masterLinkStatus === 'up',
                  source: upstreamOf(st, desired) ?? `${st.masterHost}:${st.masterPort}`,
                  sourceAddress: `${st.masterHost}:${st.masterPort}`,
                }
              : {}),
            position: String(replica ? (st.slaveReplOffset ?? st.masterReplOffset) : st.masterReplOffset),
          });
        }),
      );
    },
  );
}
