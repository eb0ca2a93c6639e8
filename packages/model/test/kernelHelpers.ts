/** Shared fixtures of the fused-kernel tests: seeded random inputs and a norm-relative error. */
import * as tf from '@tensorflow/tfjs-core';
import type { RecurrenceInputs } from '../src/recurrence.js';

/** Random recurrence inputs in the regime of docs/model.md §2 (weights ~ N(0,1)/√N, small actions). */
export function randomInputs(B: number, T: number, N: number, K: number, seed: number): RecurrenceInputs {
  return tf.tidy(() => ({
    actions: tf.randomUniform([B, T, K], 0, 0.4, 'float32', seed) as tf.Tensor3D,
    r0: tf.randomUniform([B, N], 0, 1, 'float32', seed + 1) as tf.Tensor2D,
    Wo: tf.randomNormal([N, N], 0, 1 / Math.sqrt(N), 'float32', seed + 2) as tf.Tensor2D,
    Wa: tf.randomNormal([K, N, N], 0, 1 / Math.sqrt(N), 'float32', seed + 3) as tf.Tensor3D,
  }));
}

/**
 * Like randomInputs, but the actions are sparse the way angular velocity makes them: about half
 * of the entries are 0, and at step 0 every action is 0 (exercises the kernel's row skipping).
 */
export function sparseInputs(B: number, T: number, N: number, K: number, seed: number): RecurrenceInputs {
  const dense = randomInputs(B, T, N, K, seed);
  const actions = tf.tidy(() => {
    const u = tf.relu(tf.randomUniform([B, T, K], -0.4, 0.4, 'float32', seed + 4));
    const still = tf.concat([tf.zeros([B, 1, K]), tf.ones([B, T - 1, K])], 1);
    return tf.mul(u, still) as tf.Tensor3D;
  });
  dense.actions.dispose();
  return { ...dense, actions };
}

/**
 * Actions in mixed sparse/dense patterns, by row b mod 4: both (all) channels nonzero at every
 * step; all zero; one channel at a time, alternating with t; angular-velocity-like (still on
 * about half the steps, otherwise exactly one random channel).
 */
export function patternInputs(B: number, T: number, N: number, K: number, seed: number): RecurrenceInputs {
  const dense = randomInputs(B, T, N, K, seed);
  const u = tf.randomUniform([B, T, K], 0.05, 0.4, 'float32', seed + 5);
  const level = u.dataSync();
  const coin = tf.randomUniform([B, T], 0, 1, 'float32', seed + 6);
  const pick = coin.dataSync();
  const a = new Float32Array(B * T * K);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < K; c++) {
        const i = (b * T + t) * K + c;
        const p = pick[b * T + t];
        const on = [true, false, t % K === c, p < 0.5 && Math.floor(p * 2 * K) === c][b % 4];
        a[i] = on ? level[i] : 0;
      }
    }
  }
  tf.dispose([dense.actions, u, coin]);
  return { ...dense, actions: tf.tensor3d(a, [B, T, K]) };
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
  // Identical tensors (all-zero ones included) have error 0, not 0/0.
  return num === 0 ? 0 : Math.sqrt(num) / Math.sqrt(den);
}
