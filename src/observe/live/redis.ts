/**
 * The database side of a RedisReplication for `statecraft status --live`: the controller's credentials and node
 * addresses, the Redis engine's connectRedis / observeNodes (INFO, CONFIG GET masterauth) plus CONFIG GET
 * replica-read-only — read-only commands alone. Every session is closed before returning.
 */
import type { RedisReplication } from '../../apis/redisreplication.ts';
import { locateNodes, type ObjectReader, readComposeCredentials } from '../../controllers/compose/index.ts';
import { desiredReplication, loginsOf, nodesOf, podsOf } from '../../controllers/redisreplication/build.ts';
import { scrub } from '../../engines/engine-error.ts';
import { connectRedis, type RedisSession } from '../../engines/redis/index.ts';
import { observeNodes, upstreamOf } from '../../engines/redis/replication/index.ts';
import type { KubeObject } from '../../runtime/index.ts';
import type { Observation, ObservedNode } from './model.ts';
import type { ProbeOptions } from './mysql.ts';

export async function observeRedisReplication(
  reader: ObjectReader,
  object: KubeObject,
  o: ProbeOptions,
): Promise<Observation> {
  const cr = object as unknown as RedisReplication;
  const at = new Date().toISOString();
  let secrets: string[] = [];
  try {
    const password = (await readComposeCredentials(reader, cr, loginsOf(cr))).redis.password;
    secrets = [password];
    const nodes = nodesOf(cr);
    const { addresses, missing } = await locateNodes(reader, cr.metadata.namespace, nodes, o.addressMode, podsOf(cr));
    const out = new Map<string, ObservedNode>(nodes.map((n) => [n.name, { name: n.name }]));
    for (const [name, why] of Object.entries(missing)) out.set(name, { name, error: why });
    const sessions: Record<string, RedisSession | undefined> = {};
    try {
      await Promise.all(
        nodes.map(async (n) => {
          const a = addresses[n.name];
          if (!a) return;
          try {
            sessions[n.name] = await connectRedis(
              a,
              { password },
              { connectTimeoutMs: o.timeoutMs, commandTimeoutMs: o.timeoutMs },
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
      const { observed, errors } = await observeNodes(sessions, password);
      const desired = desiredReplication(cr, addresses);
      await Promise.all(
        nodes.map(async (n) => {
          const a = addresses[n.name];
          const address = a && `${a.host}:${a.port}`;
          const e = errors[n.name];
          if (e) out.set(n.name, { name: n.name, address, error: scrub(e.message, secrets) });
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
            name: n.name,
            address,
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
    } finally {
      await Promise.all(Object.values(sessions).map((s) => s?.close().catch(() => undefined)));
    }
    return { at, nodes: [...out.values()] };
  } catch (err) {
    return { at, nodes: [], error: scrub(String((err as Error).message), secrets) };
  }
}
