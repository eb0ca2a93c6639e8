import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandSweep, parseAxis } from '../src/sweep.js';

const base = { dataset: 'seed', model: { activation: 'gelu' }, train: { steps: 10 }, viz: {} };

test('parseAxis reads section, key and typed values', () => {
  assert.deepEqual(parseAxis('train.lr=1e-3,3e-3'), { section: 'train', key: 'lr', values: [0.001, 0.003] });
  assert.deepEqual(parseAxis('model.activation=gelu,relu'), { section: 'model', key: 'activation', values: ['gelu', 'relu'] });
  assert.throws(() => parseAxis('dataset.x=1'), /--set: expected a section among model, train, viz/);
  assert.throws(() => parseAxis('train.lr'), /--set: expected section.key=value/);
  assert.throws(() => parseAxis('train.lr=1,,2'), /non-empty values/);
});

test('expandSweep makes the cartesian product with distinct names and leaves the base alone', () => {
  const combos = expandSweep('seed', base, [parseAxis('train.lr=1e-3,0.003'), parseAxis('model.activation=gelu,relu')]);
  assert.equal(combos.length, 4);
  assert.deepEqual(combos.map((c) => c.name), [
    'seed-lr-0p001-activation-gelu',
    'seed-lr-0p001-activation-relu',
    'seed-lr-0p003-activation-gelu',
    'seed-lr-0p003-activation-relu',
  ]);
  assert.deepEqual(combos[3].config, { dataset: 'seed', model: { activation: 'relu' }, train: { steps: 10, lr: 0.003 }, viz: {} });
  assert.deepEqual(base.train, { steps: 10 }, 'the base config is not mutated');
});
