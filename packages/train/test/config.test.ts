import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '@ring-attractor/common';
import { modelOptions, resolveRunConfig } from '../src/config.js';

test('a run config is the model and train sections with their defaults (docs/model.md §4.1)', () => {
  const c = resolveRunConfig();
  assert.ok(c.model.kind === 'ring');
  assert.equal(c.model.num_neurons, 120);
  assert.equal(c.model.activation, 'gelu');
  assert.equal(c.train.steps, 1000);
  assert.equal(c.train.lr, 1e-3);
  const d = resolveRunConfig({ model: { num_neurons: 16 }, train: { steps: 5 } });
  assert.ok(d.model.kind === 'ring');
  assert.equal(d.model.num_neurons, 16);
  assert.equal(d.train.steps, 5);
  assert.equal(d.train.batch_size, 128);
});

test("the baselines' learning rate and weight decay default to the reference's, and stay settable", () => {
  const g = resolveRunConfig({ model: { kind: 'gru' } });
  assert.deepEqual(g.model, { kind: 'gru', hidden_size: 128, num_layers: 2, dropout: 0.1 });
  assert.equal(g.train.lr, 3e-4);
  assert.equal(g.train.weight_decay, 0);
  const t = resolveRunConfig({ model: { kind: 'transformer' }, train: { lr: 1e-3 } });
  assert.equal(t.train.lr, 1e-3);
  assert.equal(t.train.weight_decay, 1e-5);
  assert.equal(resolveRunConfig().train.weight_decay, 0);
});

test('bad values name the section and field', () => {
  const usage = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: unknown) => e instanceof UsageError && pattern.test(e.message));
  usage(() => resolveRunConfig({ train: { steps: 0 } }), /^train\.steps: expected a positive integer \(got 0\)$/);
  usage(() => resolveRunConfig({ model: { activation: 'sigmoid' } }), /^model\.activation: expected one of tanh, relu, gelu/);
  usage(() => resolveRunConfig({ model: { init: 'debug_perfect' } }), /^model\.init: expected random or perfect/);
  usage(() => resolveRunConfig({ train: { stepz: 3 } }), /^train\.stepz: expected a known key/);
  usage(() => resolveRunConfig({ model: { kind: 'lstm' } }), /^model\.kind: expected one of ring, gru, transformer \(got "lstm"\)$/);
  usage(() => resolveRunConfig({ model: { kind: 'gru', num_neurons: 60 } }), /^model\.num_neurons: expected a known key/);
  usage(() => resolveRunConfig({ model: { kind: 'transformer', d_model: 64, nhead: 5 } }), /^model\.nhead: expected a divisor of d_model = 64/);
});

test('the model is built from the model section, the run seed and the dataset max_av', () => {
  const c = resolveRunConfig({ model: { num_neurons: 16 }, train: { seed: 4 } });
  assert.deepEqual(modelOptions(c, 0.5, 'tfjs'), { seed: 4, max_av: 0.5, kernel: 'tfjs' });
});
