import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, fusedGruStack, gruStackTfjs } from '../src/index.js';
const B = 128, T = 60, H = 128, L = 2;
await selectBackend('wasm', () => {});
const x = tf.randomNormal([B, T, 1]) as tf.Tensor3D;
const h0 = tf.randomNormal([L, B, H], 0, 0.5) as tf.Tensor3D;
const layers = Array.from({ length: L }, (_, k) => ({
  wIh: tf.randomNormal([3 * H, k ? H : 1], 0, 0.1) as tf.Tensor2D, wHh: tf.randomNormal([3 * H, H], 0, 0.1) as tf.Tensor2D,
  bIh: tf.randomNormal([3 * H]) as tf.Tensor1D, bHh: tf.randomNormal([3 * H]) as tf.Tensor1D }));
const masks = tf.cast(tf.greater(tf.randomUniform([L - 1, B, T, H]), 0.1), 'float32') as tf.Tensor4D;
const threads = Number(process.argv[2] ?? 2);
const f = tf.grads((xx: tf.Tensor, hh: tf.Tensor, w0: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor, w3: tf.Tensor) =>
  tf.sum(fusedGruStack({ x: xx as tf.Tensor3D, h0: hh as tf.Tensor3D, layers: [{ ...layers[0], wHh: w0 as tf.Tensor2D }, { ...layers[1], wIh: w1 as tf.Tensor2D, wHh: w2 as tf.Tensor2D, bIh: w3 as tf.Tensor1D }], masks }, { threads })));
for (let i = 0; i < 6; i++) {
  let t0 = performance.now();
  const y = fusedGruStack({ x, h0, layers, masks }, { threads }); y.dataSync(); y.dispose();
  const fwd = performance.now() - t0;
  t0 = performance.now();
  const g = f([x, h0, layers[0].wHh, layers[1].wIh, layers[1].wHh, layers[1].bIh]); g.forEach((t) => t.dataSync()); tf.dispose(g);
  const both = performance.now() - t0;
  console.log(`threads=${threads} fwd ${fwd.toFixed(1)} fwd+bwd ${both.toFixed(1)} ms`);
}
