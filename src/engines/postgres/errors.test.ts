import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyDriverError } from './errors.ts';
import { literal } from './session.ts';
import { primaryConninfo } from './statements.ts';

test('driver errors get codes a controller acts on, and never carry a password', () => {
  const secret = "R3pl'pw";
  const e = classifyDriverError(
    { code: '42601', message: `syntax error at or near "${secret}"` },
    'pg-0',
    'ALTER SYSTEM SET primary_conninfo',
    [secret],
  );
  assert.equal(e.code, 'ERR_POSTGRES_QUERY_FAILED');
  assert.ok(!e.message.includes(secret), e.message);
  assert.equal(
    classifyDriverError({ code: '28P01', message: 'password authentication failed' }, 'n', 'c').code,
    'ERR_POSTGRES_ACCESS_DENIED',
  );
  assert.equal(
    classifyDriverError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'n', 'c').code,
    'ERR_POSTGRES_CONNECT_FAILED',
  );
  assert.equal(
    classifyDriverError({ code: '57P03', message: 'the database system is starting up' }, 'n', 'c').code,
    'ERR_POSTGRES_CONNECT_FAILED',
  );
});

test('primary_conninfo quotes values for libpq and the statement quotes it for SQL', () => {
  const ci = primaryConninfo(
    'pg-node-1',
    { host: '10.0.0.1', port: 5432 },
    { user: 'replication', password: "a'b\\c d" },
  );
  assert.equal(ci, "host='10.0.0.1' port=5432 user='replication' password='a\\'b\\\\c d' application_name='pg_node_1'");
  assert.equal(literal(ci), `'${ci.replace(/'/g, "''")}'`);
});
