/** The baselines' losses against hand computations and finite differences; the decoded angle. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSinCos, integrationAwareLoss, lossParts, transformerLoss } from '../src/index.js';
import { tf, useWasm } from './helpers.js';

await useWasm();

const W = { smooth: 0.05, norm: 0.1, cumsum: 0.3 };
const wrap = (x: number): number => Math.atan2(Math.sin(x), Math.cos(x));

function near(actual: number, expected: number, what: string, rtol = 1e-6): void {
  assert.ok(Math.abs(actual - expected) <= rtol * Math.max(1, Math.abs(expected)), `${what}: ${actual}, expected ${expected}`);
}

test('loss parts of a hand-computed case (B=1, T=2)', () => {
  // Output (0, 2) then (1, 0): unit directions ψ = 0 and π/2, norms 2 and 1; targets π/2 then 0.
  const pred = [0, 2, 1, 0];
  const angle = [Math.PI / 2, 0];
  const av = [0.1, 0.5];
  const { values } = lossParts(pred, angle, av, 1, 2, W);
  const main = (1 + 1 + (1 + 1)) / 2; // (0 − 1)² + (1 − 0)² at both steps
  const smooth = (Math.PI / 2 - 0.5) ** 2; // ψ1 − ψ0 = π/2 against av[1]
  const norm = ((2 - 1) ** 2 + 0) / 2;
  const cumsum = ((0 - (Math.PI / 2 + 0.1)) ** 2 + (Math.PI / 2 - (Math.PI / 2 + 0.6)) ** 2) / 2;
  near(values[1], main, 'main');
  near(values[2], smooth, 'smooth');
  near(values[3], norm, 'norm');
  near(values[4], cumsum, 'cumsum');
  near(values[0], main + 0.05 * smooth + 0.1 * norm + 0.3 * cumsum, 'total');
});

test('angle differences wrap to (−π, π] (ψ from 3 to −3 rad is a step of 2π − 6)', () => {
  const pred = [Math.sin(3), Math.cos(3), Math.sin(-3), Math.cos(-3)];
  const { values } = lossParts(pred, [3, 3], [0, 0.2], 1, 2, W);
  near(values[2], (2 * Math.PI - 6 - 0.2) ** 2, 'smooth');
  near(values[4], (0 + wrap(-3 - 3 - 0.2) ** 2) / 2, 'cumsum');
});

test('one step: smooth and cumsum are 0, as the reference defines them for seq_len 1', () => {
  const { values } = lossParts([0.3, -0.4], [1], [0.7], 1, 1, W);
  assert.equal(values[2], 0);
  assert.equal(values[4], 0);
});

test('the gradient of every part matches central differences (float64)', () => {
  const B = 2, T = 5;
  const pred = Array.from({ length: 2 * B * T }, (_, i) => Math.sin(1.7 * i + 0.3) * (0.6 + 0.1 * (i % 3)));
  const angle = Array.from({ length: B * T }, (_, i) => (0.9 * i) % (2 * Math.PI));
  const av = Array.from({ length: B * T }, (_, i) => 0.2 * Math.cos(i));
  const { grads } = lossParts(pred, angle, av, B, T, W);
  const h = 1e-6;
  for (let part = 0; part < 4; part++) {
    for (let i = 0; i < pred.length; i++) {
      const up = [...pred], down = [...pred];
      up[i] += h;
      down[i] -= h;
      const fd = (lossParts(up, angle, av, B, T, W).values[part + 1] - lossParts(down, angle, av, B, T, W).values[part + 1]) / (2 * h);
      assert.ok(Math.abs(grads[part][i] - fd) <= 1e-6 + 1e-5 * Math.abs(fd), `part ${part}, entry ${i}: ${grads[part][i]} vs ${fd}`);
    }
  }
});

test('GRU loss: the objective is main (its gradient is main\'s, not total\'s); transformer: total', () => {
  tf.tidy(() => {
    const B = 2, T = 4;
    const out = tf.randomNormal([B, T, 2], 0, 1, 'float32', 4) as tf.Tensor3D;
    const angle = tf.randomUniform([B, T], 0, 6, 'float32', 5) as tf.Tensor2D;
    const av = tf.randomUniform([B, T], -0.3, 0.3, 'float32', 6) as tf.Tensor2D;
    const parts = lossParts(out.dataSync(), angle.dataSync(), av.dataSync(), B, T, { smooth: 0.1, norm: 0, cumsum: 0 });
    const gMain = tf.grad((o: tf.Tensor) => integrationAwareLoss(o as tf.Tensor3D, angle, av).objective)(out).dataSync();
    const gTotal = tf.grad((o: tf.Tensor) => integrationAwareLoss(o as tf.Tensor3D, angle, av).total)(out).dataSync();
    gMain.forEach((g, i) => near(g, parts.grads[0][i], `d main[${i}]`, 1e-5));
    gTotal.forEach((g, i) => near(g, parts.grads[0][i] + 0.1 * parts.grads[1][i], `d total[${i}]`, 1e-5));
    const tl = transformerLoss(out, angle, av);
    assert.equal(tl.objective.dataSync()[0], tl.total.dataSync()[0]);
    const all = lossParts(out.dataSync(), angle.dataSync(), av.dataSync(), B, T, W);
    const gT = tf.grad((o: tf.Tensor) => transformerLoss(o as tf.Tensor3D, angle, av).objective)(out).dataSync();
    gT.forEach((g, i) => near(g, all.grads[0][i] + 0.05 * all.grads[1][i] + 0.1 * all.grads[2][i] + 0.3 * all.grads[3][i], `d transformer total[${i}]`, 1e-5));
  });
});

test('decodeSinCos: atan2(sin, cos) in [0, 2π), whatever the output\'s norm', () => {
  tf.tidy(() => {
    const theta = [0, 1, 3.1, 3.2, 6.2, 2 * Math.PI - 1e-4];
    const scale = [1, 0.3, 2, 1, 5, 1];
    const out = tf.tensor3d(theta.flatMap((t, i) => [scale[i] * Math.sin(t), scale[i] * Math.cos(t)]), [1, 6, 2]);
    const got = decodeSinCos(out).dataSync();
    theta.forEach((t, i) => {
      assert.ok(got[i] >= 0 && got[i] < 2 * Math.PI, `in range: ${got[i]}`);
      assert.ok(Math.abs(got[i] - t) < 1e-5, `${got[i]} vs ${t}`);
    });
  });
});
