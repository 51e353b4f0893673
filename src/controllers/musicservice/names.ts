/** Child object names, as the seed README and the upstream operator spell them (users and scripts rely on them). */
export function childNames(name: string) {
  return {
    app: name,
    appHeadless: `${name}-headless`,
    appAutoscaler: `${name}-autoscaler`,
    dbMaster: `${name}-db-master`,
    dbReplica: `${name}-db-replica`,
    dbRead: `${name}-db-read`,
    dbReplicaAutoscaler: `${name}-db-replica-autoscaler`,
    replicationSecret: `${name}-db-replication`,
    rootSecret: `${name}-db-root`,
    dbConfig: `${name}-db-config`,
  };
}

export type ChildNames = ReturnType<typeof childNames>;

/** volumeClaimTemplate names: the PVCs are `music-data-{name}-N` and `db-data-{name}-db-{master,replica}-N`. */
export const APP_VOLUME = 'music-data';
export const DB_VOLUME = 'db-data';
export const DB_PORT = 3306;
/** The database every instance gets, as upstream's MYSQL_DATABASE. */
export const DB_NAME = 'musicdb';
export const REPLICATION_USER = 'repl';
