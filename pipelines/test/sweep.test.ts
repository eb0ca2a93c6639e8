import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '@ring-attractor/common';
import { expandSweep, nameValue, parseSweepAxis } from '../src/sweep.js';

const base = { dataset: 'seed', model: { activation: 'gelu' }, train: { steps: 10 } };

test('expandSweep makes the cartesian product with distinct names, typed values, and leaves the base alone', () => {
  const combos = expandSweep('seed', base, [parseSweepAxis('train.lr=1e-3,0.003'), parseSweepAxis('model.activation=gelu,relu')]);
  assert.deepEqual(combos.map((c) => c.name), [
    'seed-lr-0p001-activation-gelu',
    'seed-lr-0p001-activation-relu',
    'seed-lr-0p003-activation-gelu',
    'seed-lr-0p003-activation-relu',
  ]);
  assert.deepEqual(combos[3].config, { dataset: 'seed', model: { activation: 'relu' }, train: { steps: 10, lr: 0.003 } });
  assert.deepEqual(base.train, { steps: 10 }, 'the base config is not mutated');
});

test('values that map to one name are refused before anything is written', () => {
  assert.throws(
    () => expandSweep('seed', base, [parseSweepAxis('train.lr=0.1,1e-1')]),
    (e: unknown) => e instanceof UsageError && /^--set: expected values that give distinct experiment names/.test(e.message),
  );
});

test('names of list values', () => {
  assert.equal(nameValue(['mp4', 'gif']), 'mp4-gif');
  assert.equal(nameValue([]), 'none');
  assert.equal(nameValue(true), 'true');
});
