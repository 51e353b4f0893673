/**
 * Pure desired state of a MysqlGroupReplication: the engine's desired group (name, seeds, local addresses), pod
 * labels and Services by each member's role in the group, the status and conditions, all from the CR and what each
 * member said. No I/O; unit-tested in build.test.ts.
 */
import type { MysqlGroupReplication } from '../../apis/mysqlgroupreplication.ts';
import type { GroupDesired, GroupPlan, MemberObservation } from '../../engines/mysql/index.ts';
import type { Condition } from '../../runtime/index.ts';
import { type Address, buildRoleServices, roleLabels } from '../compose/index.ts';

export const LABELS = roleLabels('mysql-group-replication');
export const NAME_LABEL = LABELS.name;
export const READONLY_LABEL = LABELS.readonly;
/** compose-operator's group communication port */
export const GROUP_PORT = 33061;

export const membersOf = (cr: MysqlGroupReplication) => cr.spec.member;

/**
 * The group every member should be in. Its name is the CR's uid (a UUID, stable for the object's life) unless a
 * member already names one; seeds and local addresses use the group communication port on each member's address.
 */
export function desiredGroup(cr: MysqlGroupReplication, addresses: Record<string, Address>): GroupDesired {
  const members = membersOf(cr).map((m) => m.name);
  const local = (n: string) => (addresses[n] ? `${addresses[n].host}:${GROUP_PORT}` : '');
  return {
    members,
    groupName: cr.metadata.uid ?? '',
    seeds: members.map(local).filter(Boolean).join(','),
    localAddress: Object.fromEntries(members.map((n) => [n, local(n)])),
  };
}

const online = (m: MemberObservation | undefined) => m?.state === 'ONLINE';

/** `.name` on every member; `.readonly` "false" on the ONLINE primary, "true" on ONLINE secondaries, else none. */
export function podLabels(
  cr: MysqlGroupReplication,
  observed: Readonly<Record<string, MemberObservation | undefined>>,
): Record<string, Record<string, string>> {
  const name = cr.metadata.name!;
  return Object.fromEntries(
    membersOf(cr).map((m) => {
      const o = observed[m.name];
      if (!online(o)) return [m.name, { [NAME_LABEL]: name }];
      return [m.name, { [NAME_LABEL]: name, [READONLY_LABEL]: o?.role === 'PRIMARY' ? 'false' : 'true' }];
    }),
  );
}

/** `<cr>-readwrite` (the primary) always, `<cr>-readonly` (the secondaries) when there is more than one member. */
export function buildServices(cr: MysqlGroupReplication) {
  return buildRoleServices(cr, {
    labels: LABELS,
    port: membersOf(cr)[0]?.port ?? 3306,
    portName: 'mysql',
    hasReadReplicas: membersOf(cr).length > 1,
  });
}

export function topologyStatus(
  cr: MysqlGroupReplication,
  observed: Readonly<Record<string, MemberObservation | undefined>>,
  addresses: Record<string, Address>,
) {
  return Object.fromEntries(
    membersOf(cr).map((m) => {
      const a = addresses[m.name] ?? { host: m.host, port: m.port };
      const o = observed[m.name];
      if (!o) return [m.name, { host: a.host, port: a.port, role: 'None' as const, status: 'Failed' as const }];
      return [
        m.name,
        {
          host: a.host,
          port: a.port,
          role:
            o.state === 'ONLINE' && o.role === 'PRIMARY'
              ? ('Primary' as const)
              : o.state === 'ONLINE' && o.role === 'SECONDARY'
                ? ('Secondary' as const)
                : ('None' as const),
          status: 'Healthy' as const,
          gtidExecuted: o.gtidExecuted,
          memberState: o.state,
          readonly: o.readOnly,
          ...(o.superReadOnly !== null ? { superReadonly: o.superReadOnly } : {}),
        },
      ];
    }),
  );
}

/** upstream's webhook warns below 3 members: a group of one tolerates no failure. */
export function memberCountCondition(cr: MysqlGroupReplication, generation: number | undefined): Condition {
  const n = membersOf(cr).length;
  return (
    n < 3
      ? {
          type: 'MemberCount',
          status: 'False',
          reason: 'TooFewMembers',
          message: `${n} member(s): the group survives no member failure; use 3, 5, 7 or 9`,
          observedGeneration: generation,
        }
      : {
          type: 'MemberCount',
          status: 'True',
          reason: 'EnoughMembers',
          message: `${n} members: the group survives ${Math.floor((n - 1) / 2)} member failure(s)`,
          observedGeneration: generation,
        }
  ) as Condition;
}

/** Why the group is not ready (undefined: every member ONLINE with exactly one primary). */
export function groupProblem(
  cr: MysqlGroupReplication,
  observed: Readonly<Record<string, MemberObservation | undefined>>,
  plan: GroupPlan | undefined,
): { reason: string; message: string } | undefined {
  if (plan?.refused) return { reason: plan.refused.reason, message: plan.refused.message };
  const members = membersOf(cr);
  const off = members.filter((m) => !online(observed[m.name]));
  const primaries = members.filter((m) => online(observed[m.name]) && observed[m.name]?.role === 'PRIMARY');
  if (!off.length && primaries.length === 1) return undefined;
  if (plan?.held) return { reason: 'BootstrapHeld', message: plan.held };
  const states = off.map((m) => `${m.name}: ${observed[m.name]?.state ?? 'unreachable'}`);
  return {
    reason: 'SyncTopologyFailed',
    message: [...states, ...(primaries.length > 1 ? [`${primaries.length} primaries`] : [])].join('; '),
  };
}
