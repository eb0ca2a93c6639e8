import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Adam, clipFactor, clipGradients, globalNorm, globalNormHost } from '../src/optimizer.js';

await tf.setBackend('cpu');

/** torch.optim.Adam's update, in float64, for one scalar parameter. */
function adamReference(p0: number, grads: number[], lr: number): number[] {
  let p = p0, m = 0, v = 0;
  const out: number[] = [];
  grads.forEach((g, i) => {
    const t = i + 1;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    const denom = Math.sqrt(v) / Math.sqrt(1 - 0.999 ** t) + 1e-8;
    p -= (lr / (1 - 0.9 ** t)) * (m / denom);
    out.push(p);
  });
  return out;
}

test('Adam follows torch.optim.Adam step by step', () => {
  const grads = [0.5, -2, 1e-3, 3, 0.25, -0.7];
  const expected = adamReference(1.5, grads, 0.01);
  const p = tf.variable(tf.tensor1d([1.5]));
  const adam = new Adam([p], { lr: 0.01 });
  grads.forEach((g, i) => {
    const gt = tf.tensor1d([g]);
    adam.apply([gt]);
    gt.dispose();
    assert.ok(Math.abs(p.dataSync()[0] - expected[i]) < 1e-6, `step ${i + 1}: ${p.dataSync()[0]} vs ${expected[i]}`);
  });
  // The first update moves each entry by lr·sign(g) (bias-corrected m/√v = g/|g|).
  const q = tf.variable(tf.tensor1d([0, 0]));
  const a2 = new Adam([q], { lr: 0.1 });
  const g = tf.tensor1d([5, -0.01]);
  a2.apply([g]);
  assert.deepEqual(Array.from(q.dataSync()).map((x) => Math.round(x * 1e5) / 1e5), [-0.1, 0.1]);
  for (const t of [p, q, g]) t.dispose();
});

test('an Adam state restored into a fresh optimizer continues bit-identically', () => {
  const gs = Array.from({ length: 7 }, (_, i) => tf.tensor2d([[Math.sin(i + 1), Math.cos(3 * i)], [0.1 * i, -1]]));
  const a = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
  const adamA = new Adam([a], { lr: 1e-3 });
  for (const g of gs) adamA.apply([g]);

  const b = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
  const adamB = new Adam([b], { lr: 1e-3 });
  for (const g of gs.slice(0, 4)) adamB.apply([g]);
  const state = adamB.getState();
  const saved = Float32Array.from(b.dataSync());
  const c = tf.variable(tf.tensor2d(saved, [2, 2]));
  const adamC = new Adam([c], { lr: 1e-3 });
  adamC.setState(state);
  assert.equal(adamC.step, 4);
  for (const g of gs.slice(4)) adamC.apply([g]);
  assert.deepEqual(Buffer.from(c.dataSync().buffer), Buffer.from(a.dataSync().buffer));
  for (const t of [...gs, a, b, c]) t.dispose();
});

test('Adam leaks no tensors: not per update, nor once created and restored', () => {
  const p = tf.variable(tf.ones([3, 3]));
  const start = tf.memory().numTensors;
  const other = new Adam([p], { lr: 1e-3 });
  other.setState({ step: 3, m: [new Float32Array(9).fill(1)], v: [new Float32Array(9).fill(2)] });
  assert.equal(tf.memory().numTensors, start);
  const adam = new Adam([p], { lr: 1e-3 });
  const g = tf.ones([3, 3]);
  adam.apply([g]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) adam.apply([g]);
  assert.equal(tf.memory().numTensors, before);
  for (const t of [p, g]) t.dispose();
});

test('global norm and clipping match clip_grad_norm_', () => {
  const g1 = tf.tensor1d([3, 0]);
  const g2 = tf.tensor2d([[0, 4]]);
  const norm = globalNorm([g1, g2]);
  assert.ok(Math.abs(norm.dataSync()[0] - 5) < 1e-6);
  assert.equal(clipFactor(0.5, 1), 1);
  assert.equal(clipFactor(5, 1), 1 / (5 + 1e-6));
  const clipped = clipGradients([g1, g2], 5, 1);
  assert.ok(Math.abs(clipped[0].dataSync()[0] - 3 / (5 + 1e-6)) < 1e-7);
  assert.ok(Math.abs(clipped[1].dataSync()[1] - 4 / (5 + 1e-6)) < 1e-7);
  const kept = clipGradients([g1, g2], 0.5, 1);
  assert.equal(kept[0], g1, 'below the threshold the gradients are passed through untouched');
  for (const t of [g1, g2, norm, ...clipped]) t.dispose();
});

test('Adam with a clip scale equals Adam on the clipped gradients, bit for bit; globalNormHost is the global norm', () => {
  const gs = Array.from({ length: 5 }, (_, i) => tf.tensor2d([[3 * Math.sin(i + 1), Math.cos(3 * i)], [0.7 * i, -2]]));
  const a = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
  const b = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
  const adamA = new Adam([a], { lr: 1e-2 });
  const adamB = new Adam([b], { lr: 1e-2 });
  for (const g of gs) {
    const norm = globalNormHost([g]);
    const want = Math.sqrt(Array.from(g.dataSync()).reduce((s, x) => s + x * x, 0));
    assert.ok(Math.abs(norm - want) <= 1e-12 * want, `norm ${norm} vs ${want}`);
    assert.ok(clipFactor(norm, 1) < 1, 'the test clips');
    adamA.apply([g], clipFactor(norm, 1));
    const clipped = clipGradients([g], norm, 1);
    adamB.apply(clipped);
    tf.dispose(clipped);
  }
  assert.deepEqual(Buffer.from(a.dataSync().buffer), Buffer.from(b.dataSync().buffer));
  assert.notDeepEqual(Array.from(a.dataSync()), [1, 2, 3, 4]);
  for (const t of [...gs, a, b]) t.dispose();
});

/** torch.optim.AdamW's update, in float64, for one scalar parameter (decay applied before the moments). */
function adamwReference(p0: number, grads: number[], lr: number, wd: number): number[] {
  let p = p0, m = 0, v = 0;
  return grads.map((g, i) => {
    const t = i + 1;
    p *= 1 - lr * wd;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    p -= (lr / (1 - 0.9 ** t)) * (m / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** t) + 1e-8));
    return p;
  });
}

test('AdamW: decoupled weight decay as torch.optim.AdamW, step by step; with zero gradients p·(1 − lr·wd)^t', () => {
  const grads = [0.5, -2, 1e-3, 3, 0.25, -0.7];
  const lr = 0.01, wd = 0.5;
  const expected = adamwReference(1.5, grads, lr, wd);
  const plain = adamReference(1.5, grads, lr);
  const p = tf.variable(tf.tensor1d([1.5]));
  const adamw = new Adam([p], { lr, weightDecay: wd });
  grads.forEach((g, i) => {
    const gt = tf.tensor1d([g]);
    adamw.apply([gt]);
    gt.dispose();
    assert.ok(Math.abs(p.dataSync()[0] - expected[i]) < 1e-6, `step ${i + 1}: ${p.dataSync()[0]} vs ${expected[i]}`);
  });
  assert.ok(Math.abs(expected[5] - plain[5]) > 1e-3, 'the decay makes a visible difference in this case');
  // Gradients of zero leave the moments at 0, so only the decay acts: a geometric sequence.
  const q = tf.variable(tf.tensor1d([2, -3]));
  const decayOnly = new Adam([q], { lr: 0.1, weightDecay: 0.2 });
  const zero = tf.zeros([2]);
  for (let t = 1; t <= 10; t++) {
    decayOnly.apply([zero]);
    const want = [2, -3].map((x) => x * (1 - 0.1 * 0.2) ** t);
    Array.from(q.dataSync()).forEach((x, i) => assert.ok(Math.abs(x - want[i]) <= 1e-6 * Math.abs(want[i]), `t=${t}: ${x} vs ${want[i]}`));
  }
  for (const t of [p, q, zero]) t.dispose();
});
