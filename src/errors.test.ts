import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CredentialError } from './credentials/aesCtr.ts';
import { MysqlEngineError } from './engines/mysql/errors.ts';
import { PostgresEngineError } from './engines/postgres/errors.ts';
import { RedisEngineError } from './engines/redis/errors.ts';
import {
  ApiError,
  FencedError,
  GoneError,
  isConflict,
  isGone,
  isInvalid,
  isNotFound,
  StatecraftError,
  TerminalError,
} from './runtime/errors.ts';
import { LeadershipLostError } from './runtime/manager.ts';

const cause = new Error('underlying');

test('every error is a StatecraftError with a stable ERR_ code, its class name and its cause', () => {
  const table: [StatecraftError, string, string][] = [
    [new ApiError('GET', '/api/v1/x', 404, 'NotFound', 'x not found'), 'ApiError', 'ERR_K8S_API'],
    [new TerminalError('bad spec', { cause }), 'TerminalError', 'ERR_TERMINAL'],
    [new GoneError('too old'), 'GoneError', 'ERR_WATCH_GONE'],
    [
      new MysqlEngineError('ERR_MYSQL_CONNECT_FAILED', 'db-0: refused', { cause }),
      'MysqlEngineError',
      'ERR_MYSQL_CONNECT_FAILED',
    ],
    [new RedisEngineError('ERR_REDIS_AUTH_FAILED', 'r-0: WRONGPASS'), 'RedisEngineError', 'ERR_REDIS_AUTH_FAILED'],
    [
      new PostgresEngineError('ERR_POSTGRES_DIVERGED', 'pg-1: diverged', { cause }),
      'PostgresEngineError',
      'ERR_POSTGRES_DIVERGED',
    ],
    [new FencedError('leadership lost'), 'FencedError', 'ERR_WRITE_FENCED'],
    [new LeadershipLostError(), 'LeadershipLostError', 'ERR_LEADERSHIP_LOST'],
    [new CredentialError('ERR_CREDENTIAL_AES_KEY_LENGTH', 'short'), 'CredentialError', 'ERR_CREDENTIAL_AES_KEY_LENGTH'],
  ];
  for (const [err, name, code] of table) {
    assert.ok(err instanceof StatecraftError, name);
    assert.equal(err.name, name);
    assert.equal(err.code, code);
    assert.match(err.code, /^ERR_[A-Z0-9_]+$/);
  }
  assert.equal(table[1]![0].cause, cause);
  assert.equal(table[3]![0].cause, cause);
});

test('ApiError keeps the server message and reason as fields; predicates branch on the status', () => {
  const invalid = new ApiError('PATCH', '/apis/apps/v1/x', 422, 'Invalid', 'spec.volumeClaimTemplates: Forbidden');
  assert.equal(invalid.serverMessage, 'spec.volumeClaimTemplates: Forbidden');
  assert.equal(invalid.reason, 'Invalid');
  assert.match(invalid.message, /^PATCH \/apis\/apps\/v1\/x: 422 Invalid: spec\.volumeClaimTemplates/);
  const cases: [unknown, boolean, boolean, boolean, boolean][] = [
    // err, notFound, conflict, invalid, gone
    [new ApiError('GET', '/', 404, 'NotFound', ''), true, false, false, false],
    [new ApiError('PUT', '/', 409, 'Conflict', ''), false, true, false, false],
    [invalid, false, false, true, false],
    [new ApiError('GET', '/', 410, 'Gone', ''), false, false, false, true],
    [new ApiError('GET', '/', 500, 'Expired', ''), false, false, false, true],
    [new GoneError('x'), false, false, false, true],
    [new Error('404'), false, false, false, false],
    [undefined, false, false, false, false],
  ];
  for (const [err, nf, c, i, g] of cases) {
    assert.deepEqual([isNotFound(err), isConflict(err), isInvalid(err), isGone(err)], [nf, c, i, g], String(err));
  }
});
