import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelValue, podTemplateLabels, selectorLabels, selectorString, standardLabels } from './labels.ts';

test('standard labels carry name, instance, managed-by and the optional component/version', () => {
  const l = standardLabels({ name: 'shazamq', instance: 'c1', component: 'broker', version: '0.1.0-rc1' });
  assert.deepEqual(l, {
    'app.kubernetes.io/name': 'shazamq',
    'app.kubernetes.io/instance': 'c1',
    'app.kubernetes.io/managed-by': 'statecraft',
    'app.kubernetes.io/component': 'broker',
    'app.kubernetes.io/version': '0.1.0-rc1',
  });
  assert.ok(!('app.kubernetes.io/version' in selectorLabels({ name: 'x', instance: 'y', version: '1' })));
});

test('podLabels can add labels but never replace an operator label', () => {
  const op = { 'app.kubernetes.io/instance': 'c1', app: 'shazamq' };
  const r = podTemplateLabels(op, { 'app.kubernetes.io/instance': 'evil', environment: 'prod', app: 'shazamq' });
  assert.deepEqual(r.labels, { 'app.kubernetes.io/instance': 'c1', app: 'shazamq', environment: 'prod' });
  assert.deepEqual(r.ignored, ['app.kubernetes.io/instance']);
});

test('label values are sanitised and selector strings joined', () => {
  assert.equal(labelValue('v1.2+build/3'), 'v1.2_build_3');
  assert.equal(labelValue(`-${'a'.repeat(70)}`).length, 62);
  assert.equal(selectorString({ a: 'b', c: 'd' }), 'a=b,c=d');
});

test('a kind that keeps an upstream operator’s managed-by value sets it', () => {
  assert.equal(
    standardLabels({ name: 'music-service', instance: 'm', managedBy: 'music-operator' })[
      'app.kubernetes.io/managed-by'
    ],
    'music-operator',
  );
});
