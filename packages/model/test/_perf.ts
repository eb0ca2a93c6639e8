import '../src/gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { fusedRecurrence, disposeFusedKernel } from '../src/kernel/index.js';
import { randomInputs } from './kernelHelpers.js';
await tf.setBackend('cpu');
const c = { J0: -0.1, J1: 0.1, alpha: 0.15, activation: (process.argv[2] ?? 'gelu') as 'gelu' };
const inp = randomInputs(128, 120, 120, 2, 7);
const threads = Number(process.argv[3] ?? 1);
const g = tf.grads((a: tf.Tensor, r: tf.Tensor, o: tf.Tensor, w: tf.Tensor) => tf.sum(fusedRecurrence({ actions: a as tf.Tensor3D, r0: r as tf.Tensor2D, Wo: o as tf.Tensor2D, Wa: w as tf.Tensor3D }, c, { threads })));
const ft: number[] = [], bt: number[] = [];
for (let i = 0; i < 8; i++) {
  let u0 = process.cpuUsage(); let t0 = performance.now();
  tf.tidy(() => { fusedRecurrence(inp, c, { threads }).dataSync(); });
  ft.push(performance.now() - t0);
  const fu = process.cpuUsage(u0).user / 1000;
  u0 = process.cpuUsage(); t0 = performance.now();
  const r = g([inp.actions, inp.r0, inp.Wo, inp.Wa]); r.forEach((x) => x.dataSync()); tf.dispose(r);
  bt.push(performance.now() - t0);
  if (i === 7) console.log('cpu ms fwd', fu.toFixed(0), 'fwd+bwd', (process.cpuUsage(u0).user / 1000).toFixed(0));
}
const med = (x: number[]) => x.sort((a, b) => a - b)[x.length >> 1];
console.log(c.activation, 'threads', threads, 'fwd med', med(ft).toFixed(0), 'fwd+bwd med', med(bt).toFixed(0));
disposeFusedKernel();
