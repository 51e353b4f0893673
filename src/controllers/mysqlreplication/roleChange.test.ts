import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeState } from '../../../test/fixtures/mysql-node-state.ts';
import type { StepResult } from '../../engines/mysql/index.ts';
import type { KubeObject } from '../../runtime/index.ts';
import { foreignRoleLabels } from '../compose/index.ts';
import { configurationCondition, heldBy, nextBackoff, refusalOf, roleChangeConditions } from './roleChange.ts';

const policy = { initialMs: 1000, maxMs: 5000 };
const refusal = { code: 'ERR_MYSQL_CATCHUP_TIMEOUT', message: 'candidate b did not apply 0-1-9' };

test('backoff doubles per refusal toward the same source, caps, and starts afresh for another source', () => {
  const a = nextBackoff(undefined, 'b', refusal, 0, policy);
  assert.deepEqual([a.attempts, a.retryAt], [1, 1000]);
  const b = nextBackoff(a, 'b', refusal, 1000, policy);
  assert.deepEqual([b.attempts, b.retryAt], [2, 3000]);
  const c = nextBackoff(nextBackoff(b, 'b', refusal, 0, policy), 'b', refusal, 0, policy);
  assert.equal(c.retryAt, 5000, 'capped at maxMs');
  assert.equal(nextBackoff(c, 'c', refusal, 0, policy).attempts, 1);
  assert.equal(heldBy(a, 'b', 999), a);
  assert.equal(heldBy(a, 'b', 1000), undefined);
  assert.equal(heldBy(a, 'c', 0), undefined, 'a new spec source is tried at once');
});

const sw = (over: Partial<StepResult>): StepResult => ({
  step: { kind: 'switchover', from: 'a', to: 'b' },
  ok: false,
  ...over,
});

test('refusals that back off; an abort (operator stopping) does not', () => {
  assert.ok(refusalOf([sw({ code: 'ERR_MYSQL_CATCHUP_TIMEOUT' })]));
  assert.ok(refusalOf([sw({ code: 'ERR_MYSQL_FENCE_FAILED' })]));
  assert.equal(refusalOf([sw({ code: 'ERR_MYSQL_ABORTED' })]), undefined);
  assert.equal(
    refusalOf([{ step: { kind: 'setReadOnly', node: 'a', readOnly: true }, ok: false, code: 'X' }]),
    undefined,
  );
});

test('switchover and failover are reported under distinct condition types; a refusal says when it retries', () => {
  const backoff = nextBackoff(undefined, 'b', refusal, Date.parse('2026-01-01T00:00:00Z'), policy);
  const [refused] = roleChangeConditions(
    { results: [sw({ code: refusal.code, message: refusal.message })], confirmations: {} },
    backoff,
    2,
  );
  assert.equal(refused.type, 'Switchover');
  assert.equal(refused.reason, 'SwitchoverRefused');
  assert.match(refused.message, /did not apply 0-1-9; next attempt at 2026-01-01T00:00:01.000Z \(attempt 1\)/);
  const [failover] = roleChangeConditions(
    {
      results: [{ step: { kind: 'promote', node: 'b', from: 'a', reason: 'r' }, ok: true }],
      confirmations: { a: { unreachable: true, probes: 3, elapsedMs: 10_000 } },
    },
    undefined,
    2,
  );
  assert.deepEqual([failover.type, failover.status, failover.reason], ['Failover', 'True', 'FailedOver']);
  assert.match(failover.message, /a did not answer 3 probes over 10000 ms/);
  assert.deepEqual(roleChangeConditions({ results: [], confirmations: {} }, undefined, 2), []);
});

test('binary log settings are their own condition', () => {
  assert.equal(configurationCondition({ a: nodeState() }, 1).status, 'True');
  const off = configurationCondition({ a: nodeState(), b: nodeState({ logReplicaUpdates: false }) }, 1);
  assert.deepEqual([off.status, off.reason], ['False', 'ReplicaUpdatesNotLogged']);
  assert.match(off.message, /b: log_slave_updates is OFF/);
  assert.equal(configurationCondition({ b: nodeState({ logBin: false }) }, 1).reason, 'BinaryLogDisabled');
});

test('role labels set by another field manager are found for removal', () => {
  const live = new Map<string, KubeObject>([
    [
      'p0',
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p0', labels: { 'x.readonly': 'false', 'x.name': 'mr', app: 'db' } },
      },
    ],
    [
      'p1',
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', labels: { 'x.readonly': 'false', 'x.name': 'mr' } } },
    ],
  ]);
  const wanted = { p0: { 'x.name': 'mr', 'x.readonly': 'false' }, p1: { 'x.name': 'mr' } };
  assert.deepEqual(foreignRoleLabels(['x.name', 'x.readonly'], wanted, live), { p1: ['x.readonly'] });
});
