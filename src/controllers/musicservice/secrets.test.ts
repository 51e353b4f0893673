import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Secret } from '@kubernetes/client-node';
import { sampleMusicService } from '../../../test/fixtures/musicservice.ts';
import { buildReplicationSecret, buildRootSecret, secretValue } from './secrets.ts';

test('secrets: replication password generated once and kept; root password from the spec', () => {
  const ms = sampleMusicService();
  const first = buildReplicationSecret(ms, undefined);
  const password = secretValue(first, 'password')!;
  assert.match(password, /^[0-9a-f]{32}$/);
  assert.equal(secretValue(first, 'username'), 'repl');
  assert.equal(secretValue(buildReplicationSecret(ms, first), 'password'), password, 'never rotated');
  assert.equal(secretValue(buildRootSecret(ms, undefined), 'password'), 'miku-secret-pass');
  delete ms.spec.database!.rootPassword;
  const generated = buildRootSecret(ms, undefined);
  assert.match(secretValue(generated, 'password')!, /^[0-9a-f]{32}$/);
  assert.equal(secretValue(buildRootSecret(ms, generated), 'password'), secretValue(generated, 'password'));
  assert.equal((first as V1Secret).stringData, undefined, 'data, so the observed object compares equal');
});

test('root password change: the old one is kept as `previous` (the servers still have it) until the next change', () => {
  const ms = sampleMusicService();
  const first = buildRootSecret(ms, undefined);
  assert.equal(secretValue(first, 'previous'), undefined);
  ms.spec.database!.rootPassword = 'new-pass-1';
  const changed = buildRootSecret(ms, first);
  assert.equal(secretValue(changed, 'password'), 'new-pass-1');
  assert.equal(secretValue(changed, 'previous'), 'miku-secret-pass');
  // stable afterwards: no write per pass
  assert.deepEqual(buildRootSecret(ms, changed), changed);
  ms.spec.database!.rootPassword = 'new-pass-2';
  assert.equal(secretValue(buildRootSecret(ms, changed), 'previous'), 'new-pass-1');
});
