import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeState } from '../../../test/fixtures/mysql-node-state.ts';
import type { Statement } from './dialect.ts';
import type { Session } from './session.ts';
import { candidateErrantGtids } from './switchover.ts';

/** Statement-level: which statement the check sends, recorded (no server here; test/engines runs real ones). */
function recording(answer: Record<string, unknown>) {
  const sent: Statement[] = [];
  const session = {
    run: async (s: Statement) => {
      sent.push(s);
      return [answer];
    },
  } as unknown as Session;
  return { sent, session };
}

const U = '3E11FA47-71CA-11E1-9E33-C80AA9429562';

test('MySQL candidate: errant GTIDs asked of the old source by GTID_SUBTRACT(candidate, old source)', async () => {
  const { sent, session } = recording({ errant: `${U}:6` });
  const candidate = nodeState({
    flavor: 'mysql',
    gtid: { executed: `${U}:1-6`, binlogState: null, binlogPos: '', replicaPos: null },
  });
  const old = nodeState({
    flavor: 'mysql',
    gtid: { executed: `${U}:1-5`, binlogState: null, binlogPos: '', replicaPos: null },
  });
  assert.equal(await candidateErrantGtids(candidate, old, session), `${U}:6`);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].sql, 'SELECT GTID_SUBTRACT(?, ?) AS errant');
  assert.deepEqual(sent[0].params, [`${U}:1-6`, `${U}:1-5`]);
});

test('MariaDB candidate: errant GTIDs from the two gtid_binlog_states, no query', async () => {
  const { sent, session } = recording({});
  const candidate = nodeState({ gtid: { executed: '', binlogState: '0-1-10,0-2-3', binlogPos: '', replicaPos: '' } });
  const old = nodeState({ gtid: { executed: '', binlogState: '0-1-10', binlogPos: '', replicaPos: '' } });
  assert.equal(await candidateErrantGtids(candidate, old, session), '0-2-3');
  assert.equal(sent.length, 0);
});
