/**
 * Group Replication as a pure plan: from what each member says about itself and the group, the steps that make
 * the members one group — bootstrap it once from the member with the most transactions, join the others, rejoin
 * a member that left.
 *
 * The one thing never to do is bootstrap a second group while one exists (two primaries accepting writes: the
 * classic split-brain). So a bootstrap needs every member to answer, none to be ONLINE or RECOVERING or to see any
 * member ONLINE/RECOVERING in its group view; a member that does not answer may be ONLINE in a group we cannot
 * see, so it holds the bootstrap. A member that is ONLINE anywhere means the group exists: others join it.
 */
import { gtidCount, gtidSetContains } from './mysqlGtidSet.ts';
import type { Flavor } from './version.ts';

export type MemberState = 'ONLINE' | 'RECOVERING' | 'OFFLINE' | 'ERROR' | 'UNREACHABLE';

export interface GroupMemberView {
  uuid: string;
  host: string;
  port: number;
  state: string;
  role: string;
}

/** What one member says (from its own connection). */
export interface MemberObservation {
  flavor: Flavor;
  version: string;
  serverUuid: string;
  gtidExecuted: string;
  readOnly: boolean;
  superReadOnly: boolean | null;
  /** the group_replication plugin is ACTIVE */
  pluginActive: boolean;
  /** this member's own row of performance_schema.replication_group_members (OFFLINE when not in a group) */
  state: string;
  role: string;
  /** every row of its performance_schema.replication_group_members */
  group: GroupMemberView[];
  /** group_replication_* variables (without the prefix), as the server reports them */
  variables: Record<string, string>;
}

export interface GroupDesired {
  /** member names in spec order */
  members: string[];
  /** group_replication_group_name to use when none is set (a UUID) */
  groupName: string;
  /** `host:33061` of every member, for group_replication_group_seeds */
  seeds: string;
  /** each member's group_replication_local_address */
  localAddress: Record<string, string>;
}

export type GroupStep =
  | { kind: 'configure'; node: string; set: Record<string, string> }
  | { kind: 'bootstrap'; node: string; reason: string }
  | { kind: 'join'; node: string; restart: boolean; reason: string };

export interface GroupPlan {
  steps: GroupStep[];
  /** refused outright (a MariaDB member, an unsupported server): no steps, this says why */
  refused?: { reason: 'UnsupportedServer' | 'PluginMissing' | 'DivergentMembers'; message: string };
  /** a step is withheld on purpose (a bootstrap while a member may be online): why */
  held?: string;
}

const ACTIVE = new Set(['ONLINE', 'RECOVERING']);

/** Whether this member belongs to a live group, by its own word or its view of the group. */
export const inLiveGroup = (m: MemberObservation) => ACTIVE.has(m.state) || m.group.some((g) => ACTIVE.has(g.state));

export function planGroupReplication(
  desired: GroupDesired,
  observed: Readonly<Record<string, MemberObservation | undefined>>,
): GroupPlan {
  const reachable = desired.members.filter((n) => observed[n]);
  const unreachable = desired.members.filter((n) => !observed[n]);
  const mariadb = reachable.filter((n) => observed[n]?.flavor === 'mariadb');
  if (mariadb.length) {
    return {
      steps: [],
      refused: {
        reason: 'UnsupportedServer',
        message: `${mariadb.map((n) => `${n} (${observed[n]?.version})`).join(', ')}: MariaDB has no Group Replication; MysqlGroupReplication needs MySQL 8.0+`,
      },
    };
  }
  const noPlugin = reachable.filter((n) => !observed[n]?.pluginActive);
  if (noPlugin.length) {
    return {
      steps: [],
      refused: {
        reason: 'PluginMissing',
        message: `${noPlugin.join(', ')}: the group_replication plugin is not active (plugin-load-add=group_replication.so)`,
      },
    };
  }

  const steps: GroupStep[] = [];
  // group settings first, only on members not in a group (they are read at START GROUP_REPLICATION)
  const groupNames = new Set(reachable.map((n) => observed[n]?.variables.group_name).filter(Boolean) as string[]);
  if (groupNames.size > 1) {
    return {
      steps: [],
      refused: {
        reason: 'DivergentMembers',
        message: `members name different groups (${[...groupNames].join(', ')}): set one group_replication_group_name`,
      },
    };
  }
  const groupName = [...groupNames][0] ?? desired.groupName;
  for (const n of reachable) {
    const m = observed[n] as MemberObservation;
    if (ACTIVE.has(m.state)) continue;
    const want: Record<string, string> = {
      group_name: groupName,
      group_seeds: desired.seeds,
      local_address: desired.localAddress[n],
    };
    const set = Object.fromEntries(Object.entries(want).filter(([k, v]) => v && m.variables[k] !== v));
    if (Object.keys(set).length) steps.push({ kind: 'configure', node: n, set });
  }

  const live = reachable.filter((n) => inLiveGroup(observed[n] as MemberObservation));
  if (live.length) {
    // the group exists: members out of it join (ERROR first needs STOP GROUP_REPLICATION)
    for (const n of reachable) {
      const m = observed[n] as MemberObservation;
      if (ACTIVE.has(m.state)) continue;
      steps.push({
        kind: 'join',
        node: n,
        restart: m.state === 'ERROR',
        reason: m.state === 'ERROR' ? 'left the group in ERROR' : 'not in the group (OFFLINE)',
      });
    }
    return { steps };
  }

  // no live group anywhere we can see
  if (unreachable.length) {
    return {
      steps: [],
      held: `no bootstrap while ${unreachable.join(', ')} cannot be reached: it may be ONLINE in a group`,
    };
  }
  const counts = reachable.map((n) => ({ n, count: gtidCount(observed[n]?.gtidExecuted) }));
  // most transactions wins; ties keep spec order (the first listed)
  const best = counts.reduce((a, b) => (b.count > a.count ? b : a));
  const behindOthers = reachable.filter(
    (n) => !gtidSetContains(observed[best.n]?.gtidExecuted, observed[n]?.gtidExecuted),
  );
  if (behindOthers.length) {
    return {
      steps: [],
      refused: {
        reason: 'DivergentMembers',
        message: `${best.n} has the most transactions but lacks some of ${behindOthers.join(', ')}: bootstrapping would lose them`,
      },
    };
  }
  steps.push({ kind: 'bootstrap', node: best.n, reason: `most transactions (${best.count})` });
  for (const n of reachable) {
    if (n !== best.n)
      steps.push({ kind: 'join', node: n, restart: observed[n]?.state === 'ERROR', reason: 'joins the new group' });
  }
  return { steps };
}
