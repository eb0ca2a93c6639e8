import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '@ring-attractor/common';
import { DEFAULT_CONFIG, resolveConfig } from '../src/config.js';

test('defaults are the seed configuration of SPEC §4', () => {
  const c = resolveConfig(undefined, {});
  assert.deepEqual(c, { ...DEFAULT_CONFIG });
  assert.equal(c.steps, 1000);
  assert.equal(c.batch_size, 128);
  assert.equal(c.num_neurons, 120);
  assert.equal(c.bump_weight, 0.2);
});

test('flags override the config file, which overrides defaults', () => {
  const c = resolveConfig({ steps: 20, lr: 0.01 }, { steps: 5 });
  assert.equal(c.steps, 5);
  assert.equal(c.lr, 0.01);
  assert.equal(c.batch_size, 128);
});

function usage(fn: () => unknown, field: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof UsageError && field.test(err.message));
}

test('invalid values name the field', () => {
  usage(() => resolveConfig({ steps: 0 }, {}), /^steps: expected a positive integer \(got 0\)$/);
  usage(() => resolveConfig({}, { lr: -1 }), /^lr: /);
  usage(() => resolveConfig({}, { batch_size: 2.5 }), /^batch_size: /);
  usage(() => resolveConfig({ activation: 'sigmoid' }, {}), /^activation: expected one of tanh, relu, gelu/);
  usage(() => resolveConfig({ init: 'zeros' }, {}), /^init: /);
  usage(() => resolveConfig({ alpha: 1.5 }, {}), /^alpha: /);
  usage(() => resolveConfig({ num_neurons: 2 }, {}), /^num_neurons: /);
  usage(() => resolveConfig({ seed: -1 }, {}), /^seed: /);
  usage(() => resolveConfig({ clip: Number.NaN }, {}), /^clip: /);
  usage(() => resolveConfig({ init: 'perfect', action_dim: 3 }, {}), /^init: /);
});

test('unknown config keys and non-objects are errors', () => {
  usage(() => resolveConfig({ stepz: 3 }, {}), /^config\.stepz: /);
  usage(() => resolveConfig([1], {}), /^config: expected a JSON object/);
});
