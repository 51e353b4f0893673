import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareVersions, planVersion } from './version.ts';

test('versions compare by number; a series tag equals its patch releases; tags that are not numbers do not compare', () => {
  assert.ok(compareVersions('8.4', '8.0')! > 0);
  assert.ok(compareVersions('5.7', '8.0')! < 0);
  assert.ok(compareVersions('8.0.10', '8.0.9')! > 0);
  assert.equal(compareVersions('8.0', '8.0.36'), 0);
  assert.equal(compareVersions('latest', '8.0'), undefined);
});

test('a new instance records its version; an upgrade rolls and raises the record; a downgrade is refused naming the field', () => {
  assert.deepEqual(planVersion('8.0', undefined), { accepted: true, run: '8.0', record: '8.0' });
  assert.deepEqual(planVersion('8.0', '8.0'), { accepted: true, run: '8.0' });
  assert.deepEqual(planVersion('8.4', '8.0'), { accepted: true, run: '8.4', record: '8.4' });
  const down = planVersion('5.7', '8.0');
  assert.equal(down.accepted, false);
  assert.equal(down.run, '8.0', 'the server keeps its version');
  assert.ok(!down.accepted && down.reason === 'DowngradeRefused');
  assert.match(!down.accepted ? down.message : '', /spec\.mysqlVersion 5\.7 is older than 8\.0/);
  const odd = planVersion('latest', '8.0');
  assert.ok(!odd.accepted && odd.reason === 'VersionNotComparable' && odd.run === '8.0');
});
