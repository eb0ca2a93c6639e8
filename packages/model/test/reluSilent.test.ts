/**
 * Why there is no shipped `relu` experiment: a ReLU ring from the random initialisation is silent.
 * Global inhibition J0·Σr outweighs every neuron's recurrent input, so F(pre) = relu(pre) = 0 from the
 * first step and only the leak remains: r[t] = (1 − α)^(t+1)·r0 (docs/model.md §2.5). Nothing then
 * depends on a weight, and every gradient is exactly zero: training cannot start. GELU, whose
 * negative half is not flat, has gradients from the same weights.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeakyRingAttractor, initialBump, trainingLoss, type Activation } from '../src/index.js';
import { tf, useWasm } from './helpers.js';

const B = 4;
const T = 40;
const N = 120;

/** A batch of smooth turning sequences, angle[t] = angle[0] + Σ_{s<t} av[s] (docs/model.md §1.2). */
function batch(): { av: tf.Tensor2D; angle: tf.Tensor2D; start: Float32Array } {
  const av = Float32Array.from({ length: B * T }, (_, i) => 0.2 * Math.sin(0.3 * i + Math.floor(i / T)));
  const angle = new Float32Array(B * T);
  const start = Float32Array.from({ length: B }, (_, b) => 1 + 1.3 * b);
  for (let b = 0; b < B; b++) {
    let a = start[b];
    for (let t = 0; t < T; t++) {
      angle[b * T + t] = a;
      a = (a + av[b * T + t]) % (2 * Math.PI);
    }
  }
  return { av: tf.tensor2d(av, [B, T]), angle: tf.tensor2d(angle, [B, T]), start };
}

function gradients(activation: Activation, seed: number): { bump: number[][][]; r0: number[][]; grads: Float32Array[]; alpha: number } {
  const model = new LeakyRingAttractor({ activation, init: 'random', seed, kernel: 'tfjs' });
  try {
    return tf.tidy(() => {
      const { av, angle, start } = batch();
      const r0 = initialBump(start, N);
      const vars = model.trainableVariables();
      const { grads } = tf.variableGrads(() => trainingLoss(model.forwardBump(av, r0), angle, 0.2).total, vars);
      return {
        bump: model.forwardBump(av, r0).arraySync() as number[][][],
        r0: r0.arraySync() as number[][],
        grads: vars.map((v) => grads[v.name].dataSync() as Float32Array),
        alpha: model.config.alpha,
      };
    });
  } finally {
    model.dispose();
  }
}

test('a ReLU ring from the random initialisation only leaks, and every gradient is exactly zero', async () => {
  await useWasm();
  for (const seed of [0, 1, 2]) {
    const { bump, r0, grads, alpha } = gradients('relu', seed);
    for (let b = 0; b < B; b++) {
      for (const t of [0, 1, 10, T - 1]) {
        const decay = Math.pow(1 - alpha, t + 1);
        bump[b][t].forEach((r, i) => assert.ok(Math.abs(r - decay * r0[b][i]) <= 1e-5 * decay * Math.abs(r0[b][i]) + 1e-12, `seed ${seed} b ${b} t ${t} i ${i}: ${r} vs ${decay * r0[b][i]}`));
      }
    }
    grads.forEach((g, k) => assert.ok(g.every((x) => x === 0), `seed ${seed}: gradient ${k} is not zero`));
    const gelu = gradients('gelu', seed);
    assert.ok(gelu.grads.some((g) => g.some((x) => x !== 0)), `seed ${seed}: the same weights under GELU have gradients`);
  }
});
