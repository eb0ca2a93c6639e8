/** Closed-form behaviour of the perfect ring (debug_perfect: cos connectivity, gain fixed at 1). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeakyRingAttractor, decodePopulationVector, initialBump } from '../src/index.js';
import { tf, useWasm } from './helpers.js';

await useWasm();

const DEG = Math.PI / 180;

/** Signed circular difference b − a in (−π, π]. */
function signedDiff(a: number, b: number): number {
  let d = (b - a) % (2 * Math.PI);
  if (d > Math.PI) d -= 2 * Math.PI;
  if (d <= -Math.PI) d += 2 * Math.PI;
  return d;
}

/** Decoded angle at each step of one run from the bump at `start` with constant velocity `av`. */
function run(model: LeakyRingAttractor, start: number[], av: number, steps: number): number[][] {
  return tf.tidy(() => {
    const B = start.length;
    const { output } = model.forward(tf.fill([B, steps], av) as tf.Tensor2D, initialBump(start, model.config.num_neurons));
    const theta = decodePopulationVector(output).arraySync();
    return theta;
  });
}

for (const activation of ['gelu', 'tanh', 'relu'] as const) {
  test(`stationary bump drifts < 1° over 200 zero-velocity steps (${activation})`, () => {
    const model = new LeakyRingAttractor({ init: 'debug_perfect', activation });
    try {
      // Starts on and between neurons (N = 120: 3° apart).
      const start = [0.3, 1.0 + 1.5 * DEG, Math.PI, 5.9];
      const theta = run(model, start, 0, 200);
      for (let b = 0; b < start.length; b++) {
        const drift = Math.abs(signedDiff(start[b], theta[b][199]));
        assert.ok(drift < 1 * DEG, `sequence ${b}: drifted ${(drift / DEG).toFixed(3)}°`);
      }
    } finally {
      model.dispose();
    }
  });
}

test('positive av turns the bump towards larger angles, negative av towards smaller (Wr = cos(Δ − π/4))', () => {
  const model = new LeakyRingAttractor({ init: 'debug_perfect' });
  try {
    for (const av of [0.05, -0.05]) {
      const theta = run(model, [1.0, 4.0], av, 40);
      for (let b = 0; b < 2; b++) {
        const moved = signedDiff(theta[b][0], theta[b][39]);
        assert.ok(Math.sign(moved) === Math.sign(av) && Math.abs(moved) > 5 * DEG, `av ${av}, sequence ${b}: moved ${(moved / DEG).toFixed(2)}°`);
        // Every step moves the same way: no step backwards.
        for (let t = 1; t < 40; t++) assert.ok(Math.sign(signedDiff(theta[b][t - 1], theta[b][t])) !== -Math.sign(av), `av ${av}: step ${t} went backwards`);
      }
    }
  } finally {
    model.dispose();
  }
});
