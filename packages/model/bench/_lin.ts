import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/index.js';
import { denseOps } from '../src/baselines/ops.js';
await selectBackend('wasm', () => {});
const ops = denseOps('native');
const x = tf.randomNormal([128, 2]) as tf.Tensor2D, w = tf.randomNormal([128, 2]) as tf.Tensor2D, b = tf.randomNormal([128]) as tf.Tensor1D;
const a = tf.randomNormal([384, 128]), c = tf.randomNormal([128, 1]);
const big = tf.randomNormal([256, 256]);
for (const mode of ['plain', 'after-small-matmul', 'after-big-matmul', 'after-sleep']) {
  const ts: number[] = [];
  for (let i = 0; i < 40; i++) {
    if (mode === 'after-small-matmul') tf.matMul(a, c).dataSync();
    if (mode === 'after-big-matmul') tf.matMul(big, big).dataSync();
    if (mode === 'after-sleep') { const e = performance.now() + 20; while (performance.now() < e); }
    const t0 = performance.now(); const y = ops.linear(x, w, b); y.dataSync(); ts.push(performance.now() - t0); y.dispose();
  }
  ts.sort((p, q) => p - q); console.log(mode, 'median ms', ts[20].toFixed(3), 'p90', ts[36].toFixed(3));
}
