import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBuildProgress, formatDuration, isPackageLine } from './build.ts';

test('durations read as a person says them', () => {
  assert.equal(formatDuration(4.4), '4 s');
  assert.equal(formatDuration(60), '1 min');
  assert.equal(formatDuration(880), '14 min 40 s');
});

test('a progress line names the component, packages compiled of the total, elapsed and the last measured time', () => {
  assert.equal(
    formatBuildProgress({
      label: 'kube-apiserver (1/4)',
      compiled: 812,
      total: 2104,
      elapsedSeconds: 250,
      lastSeconds: 750,
    }),
    '  kube-apiserver (1/4): 812 of 2104 packages compiled (38%), 4 min 10 s so far (last build: 12 min 30 s)',
  );
  assert.equal(
    formatBuildProgress({ label: 'kwok', compiled: 30, elapsedSeconds: 42 }),
    '  kwok: 30 packages compiled, 42 s so far (first build here)',
  );
  // a total that go list overestimated never reads as more than 100%
  assert.match(
    formatBuildProgress({ label: 'x', compiled: 120, total: 100, elapsedSeconds: 1 }),
    /100 of 100 .*\(100%\)/,
  );
});

test('go build -v lines: import paths count, go: messages and errors do not', () => {
  assert.ok(isPackageLine('k8s.io/apiserver/pkg/server'));
  assert.ok(isPackageLine('runtime'));
  assert.ok(isPackageLine('gopkg.in/yaml.v3'));
  assert.ok(!isPackageLine('go: downloading k8s.io/api v0.34.4'));
  assert.ok(!isPackageLine('# k8s.io/foo'));
  assert.ok(!isPackageLine('./x.go:3:1: syntax error'));
  assert.ok(!isPackageLine(''));
});
