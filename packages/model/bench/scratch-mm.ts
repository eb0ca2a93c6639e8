import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/index.js';
await selectBackend((process.argv[2] ?? 'wasm') as any, () => {});
const M = 7680, K = 128, N = 64;
const cpu = (fn: () => void): number => { const c0 = process.cpuUsage(); fn(); const c = process.cpuUsage(c0); return (c.user + c.system) / 1000; };
const a = tf.randomNormal([M, K]), b = tf.randomNormal([K, N]), bt = tf.randomNormal([N, K]), at = tf.randomNormal([K, M]);
const a3 = tf.randomNormal([128, 60, K]);
const cases: [string, () => tf.Tensor][] = [
  ['NN', () => tf.matMul(a, b)], ['NT', () => tf.matMul(a, bt, false, true)], ['TN', () => tf.matMul(at, b, true, false)],
  ['dW: a^T·dy', () => tf.matMul(a, tf.ones([M, N]), true, false)],
  ['batched 3d x 2d bcast', () => tf.matMul(a3, tf.broadcastTo(b, [128, K, N]))],
];
for (const [n, f] of cases) {
  f().dispose();
  const ms = Math.min(...[0, 1, 2].map(() => cpu(() => { const y = f(); y.dataSync(); y.dispose(); })));
  console.log(n.padEnd(24), ms.toFixed(2), 'ms', (2 * M * K * N / ms / 1e6).toFixed(1), 'GFLOP/s');
}
