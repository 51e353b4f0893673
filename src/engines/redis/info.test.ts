import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyRedisError } from './errors.ts';
import { parseInfo, parseInfoFields, parseRedisVersion, supportsPauseWrite } from './info.ts';

test('INFO: sections flattened, comments and blank lines ignored, values keep their colons', () => {
  const info = parseInfo(
    '# Replication\r\nrole:master\r\nconnected_slaves:1\r\nslave0:ip=10.0.0.2,port=6379,state=online,offset=42,lag=0\r\n\r\n# Server\r\nexecutable:/usr/bin/redis-server\r\nconfig_file:C:\\x:y\r\n',
  );
  assert.equal(info.role, 'master');
  assert.equal(info.connected_slaves, '1');
  assert.equal(info.config_file, 'C:\\x:y');
  assert.deepEqual(parseInfoFields(info.slave0), {
    ip: '10.0.0.2',
    port: '6379',
    state: 'online',
    offset: '42',
    lag: '0',
  });
});

test('version: 6.2+ supports CLIENT PAUSE WRITE', () => {
  assert.equal(supportsPauseWrite(parseRedisVersion('7.0.15')), true);
  assert.equal(supportsPauseWrite(parseRedisVersion('6.2.0')), true);
  assert.equal(supportsPauseWrite(parseRedisVersion('6.0.9')), false);
  assert.equal(supportsPauseWrite(parseRedisVersion('garbage')), false);
});

test('errors: auth and connect failures get their codes and the password never appears', () => {
  const auth = classifyRedisError(
    new Error('WRONGPASS invalid username-password pair or user is disabled.'),
    'h:1',
    'AUTH',
    ['s3cret'],
  );
  assert.equal(auth.code, 'ERR_REDIS_AUTH_FAILED');
  const refused = classifyRedisError(
    Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6379'), { code: 'ECONNREFUSED' }),
    'h:1',
    'connecting',
  );
  assert.equal(refused.code, 'ERR_REDIS_CONNECT_FAILED');
  const echoed = classifyRedisError(new Error('ERR syntax near s3cret'), 'h:1', 'CONFIG SET', ['s3cret']);
  assert.equal(echoed.code, 'ERR_REDIS_COMMAND_FAILED');
  assert.doesNotMatch(echoed.message, /s3cret/);
});
