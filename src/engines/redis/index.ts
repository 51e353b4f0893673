/** The Redis engine: sessions, INFO parsing and errors shared by the RedisReplication and RedisCluster engines. */
export { classifyRedisError, RedisEngineError, type RedisErrorCode, scrub } from './errors.ts';
export { parseInfo, parseInfoFields, parseRedisVersion, type ServerVersion, supportsPauseWrite } from './info.ts';
export {
  connectRedis,
  type RedisAddress,
  type RedisConnectOptions,
  type RedisLogin,
  type RedisSession,
} from './session.ts';
