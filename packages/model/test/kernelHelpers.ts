/** Shared fixtures of the fused-kernel tests: seeded random inputs and a norm-relative error. */
import * as tf from '@tensorflow/tfjs-core';
import type { RecurrenceInputs } from '../src/recurrence.js';

/** Random recurrence inputs in the regime of SPEC §2 (weights ~ N(0,1)/√N, small actions). */
export function randomInputs(B: number, T: number, N: number, K: number, seed: number): RecurrenceInputs {
  return tf.tidy(() => ({
    actions: tf.randomUniform([B, T, K], 0, 0.4, 'float32', seed) as tf.Tensor3D,
    r0: tf.randomUniform([B, N], 0, 1, 'float32', seed + 1) as tf.Tensor2D,
    Wo: tf.randomNormal([N, N], 0, 1 / Math.sqrt(N), 'float32', seed + 2) as tf.Tensor2D,
    Wa: tf.randomNormal([K, N, N], 0, 1 / Math.sqrt(N), 'float32', seed + 3) as tf.Tensor3D,
  }));
}

/** ‖a − b‖₂ / ‖b‖₂ over all elements. */
export function relError(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  if (x.length !== y.length) throw new Error(`size mismatch ${a.shape} vs ${b.shape}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    num += (x[i] - y[i]) ** 2;
    den += y[i] ** 2;
  }
  return Math.sqrt(num) / Math.sqrt(den);
}
