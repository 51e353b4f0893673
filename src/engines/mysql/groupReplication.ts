/**
 * Group Replication against real servers: observe a member, and the statements of each planned step. Statement
 * builders are pure (unit-tested); values are `?` placeholders filled by mysql2's escaping.
 */
import type { Statement } from './dialect.ts';
import { MysqlEngineError } from './errors.ts';
import type { GroupStep, MemberObservation } from './planGroupReplication.ts';
import type { Session } from './session.ts';

const bool = (v: unknown): boolean => v === 1 || v === '1' || v === 'ON' || v === true;

const GR_SETTINGS = new Set(['group_name', 'group_seeds', 'local_address']);

/** The statements of one step. `recovery` is the group_replication_recovery channel's login. */
export function groupStepStatements(step: GroupStep, recovery: { user: string; password: string }): Statement[] {
  const start: Statement = {
    sql: 'START GROUP_REPLICATION USER = ?, PASSWORD = ?',
    params: [recovery.user, recovery.password],
  };
  switch (step.kind) {
    case 'configure':
      return Object.entries(step.set).map(([k, v]) => {
        // the variable name cannot be a placeholder: only the three known names reach the statement
        if (!GR_SETTINGS.has(k)) throw new Error(`not a group replication setting: ${k}`);
        return { sql: `SET GLOBAL group_replication_${k} = ?`, params: [v] };
      });
    case 'bootstrap':
      return [
        { sql: 'SET GLOBAL group_replication_bootstrap_group = ON' },
        start,
        { sql: 'SET GLOBAL group_replication_bootstrap_group = OFF' },
      ];
    case 'join':
      return [...(step.restart ? [{ sql: 'STOP GROUP_REPLICATION' }] : []), start];
  }
}

/** What one member says about itself and its view of the group. */
export async function observeMember(session: Session): Promise<MemberObservation> {
  const [basics] = await session
    .run(
      {
        sql:
          session.version.flavor === 'mariadb'
            ? 'SELECT @@server_uuid AS uuid, @@gtid_current_pos AS gtid, @@read_only AS ro, NULL AS sro'
            : 'SELECT @@server_uuid AS uuid, @@gtid_executed AS gtid, @@read_only AS ro, @@super_read_only AS sro',
      },
      'reading server uuid and GTIDs',
    )
    .catch(async (err) => {
      // MariaDB has no @@server_uuid: the refusal below needs the flavor only
      if (session.version.flavor !== 'mariadb') throw err;
      return [{ uuid: '', gtid: '', ro: 0, sro: null }];
    });
  const base = {
    flavor: session.version.flavor,
    version: session.version.raw,
    serverUuid: String(basics.uuid ?? ''),
    gtidExecuted: String(basics.gtid ?? '').replace(/\s+/g, ''),
    readOnly: bool(basics.ro),
    superReadOnly: basics.sro === null || basics.sro === undefined ? null : bool(basics.sro),
  };
  if (session.version.flavor === 'mariadb') {
    return { ...base, pluginActive: false, state: 'OFFLINE', role: '', group: [], variables: {} };
  }
  const [plugin] = await session.run(
    { sql: "SELECT PLUGIN_STATUS AS s FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'group_replication'" },
    'reading the group_replication plugin status',
  );
  const pluginActive = plugin?.s === 'ACTIVE';
  if (!pluginActive) return { ...base, pluginActive, state: 'OFFLINE', role: '', group: [], variables: {} };
  const vars = await session.run(
    { sql: "SHOW GLOBAL VARIABLES LIKE 'group\\_replication\\_%'" },
    'reading group replication settings',
  );
  const variables = Object.fromEntries(
    vars.map((r) => [String(r.Variable_name).replace(/^group_replication_/, ''), String(r.Value ?? '')]),
  );
  const rows = await session.run(
    {
      sql: 'SELECT MEMBER_ID AS uuid, MEMBER_HOST AS host, MEMBER_PORT AS port, MEMBER_STATE AS state, MEMBER_ROLE AS role FROM performance_schema.replication_group_members',
    },
    'reading performance_schema.replication_group_members',
  );
  const group = rows.map((r) => ({
    uuid: String(r.uuid ?? ''),
    host: String(r.host ?? ''),
    port: Number(r.port ?? 0),
    state: String(r.state ?? 'OFFLINE'),
    role: String(r.role ?? ''),
  }));
  const self = group.find((g) => g.uuid === base.serverUuid);
  return {
    ...base,
    pluginActive,
    state: self?.state || 'OFFLINE',
    role: self?.role ?? '',
    // a member alone and OFFLINE lists only itself: that is no group
    group: group.filter((g) => g.uuid !== base.serverUuid),
    variables,
  };
}

export interface GroupStepResult {
  step: GroupStep;
  ok: boolean;
  code?: string;
  message?: string;
}

/**
 * Runs the steps in order; a failed bootstrap stops the rest (joins need the group), a failed join or configure
 * does not stop the other members'. Right before a bootstrap it re-reads the member's own state: a member that
 * turned ONLINE or RECOVERING since the observation means a group appeared, and the bootstrap is dropped.
 */
export async function applyGroupSteps(
  sessions: Readonly<Record<string, Session | undefined>>,
  steps: readonly GroupStep[],
  recovery: { user: string; password: string },
): Promise<GroupStepResult[]> {
  const results: GroupStepResult[] = [];
  const failed = new Set<string>();
  for (const step of steps) {
    const s = sessions[step.node];
    if (!s || failed.has(step.node)) {
      results.push({ step, ok: false, code: 'ERR_MYSQL_CONNECT_FAILED', message: `${step.node}: no session` });
      continue;
    }
    try {
      if (step.kind === 'bootstrap') {
        const again = await observeMember(s);
        if (again.state === 'ONLINE' || again.state === 'RECOVERING' || again.group.length) {
          throw new MysqlEngineError(
            'ERR_MYSQL_MISCONFIGURED',
            `${s.label}: bootstrap dropped: the member is ${again.state} with ${again.group.length} other member(s) in view`,
            { node: s.label },
          );
        }
      }
      for (const st of groupStepStatements(step, recovery)) {
        await s.run(st, `${step.kind} ${step.node}: ${st.sql}`, { timeoutMs: 60_000 });
      }
      results.push({ step, ok: true });
    } catch (err) {
      const e = err as MysqlEngineError;
      failed.add(step.node);
      results.push({ step, ok: false, code: e.code, message: e.message });
      if (step.kind === 'bootstrap') {
        // best effort: never leave bootstrap_group ON (a later START would bootstrap again)
        await s.run({ sql: 'SET GLOBAL group_replication_bootstrap_group = OFF' }).catch(() => {});
        for (const rest of steps.slice(steps.indexOf(step) + 1)) {
          if (rest.kind === 'join') failed.add(rest.node);
        }
      }
    }
  }
  return results;
}
