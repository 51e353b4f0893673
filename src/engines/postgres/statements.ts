/** SQL the engine runs to configure a node; pure string builders (ALTER SYSTEM takes no parameters). */
import { applicationName, slotName } from './planTopology.ts';
import { conninfoValue, type Login, literal, type NodeAddress } from './session.ts';

/** primary_conninfo for `node` streaming from `primary` as the replication login. */
export function primaryConninfo(node: string, primary: NodeAddress, replication: Login): string {
  return [
    `host=${conninfoValue(primary.host)}`,
    `port=${primary.port}`,
    `user=${conninfoValue(replication.user)}`,
    `password=${conninfoValue(replication.password)}`,
    `application_name=${conninfoValue(applicationName(node))}`,
  ].join(' ');
}

/** The statements that make a standby (or a node about to become one) stream from `primary` through its slot. */
export function followStatements(node: string, primary: NodeAddress, replication: Login): string[] {
  return [
    `ALTER SYSTEM SET primary_conninfo = ${literal(primaryConninfo(node, primary, replication))}`,
    `ALTER SYSTEM SET primary_slot_name = ${literal(slotName(node))}`,
  ];
}

export const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

export function replicationRoleStatement(replication: Login, exists: boolean): string {
  return `${exists ? 'ALTER' : 'CREATE'} ROLE ${quoteIdent(replication.user)} WITH REPLICATION LOGIN PASSWORD ${literal(replication.password)}`;
}
