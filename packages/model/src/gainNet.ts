/** The per-channel gain network, Linear(1,H) → GELU(exact) → Linear(H,1) → Softplus, in PyTorch layout. */
import * as tf from '@tensorflow/tfjs-core';
import { activate } from './recurrence.js';

/** The four tensors of one gain net (`0.weight` H×1, `0.bias` H, `2.weight` 1×H, `2.bias` 1). */
export interface GainNetParams {
  w0: tf.Tensor2D;
  b0: tf.Tensor1D;
  w2: tf.Tensor2D;
  b2: tf.Tensor1D;
}

/** gain(x) for every entry of x (any shape); each entry is one 1-feature input, as in the reference. */
export function gain(x: tf.Tensor, p: GainNetParams): tf.Tensor {
  return tf.tidy(() => {
    const flat = tf.reshape(x, [-1, 1]);
    const hidden = activate(tf.add(tf.matMul(flat, p.w0, false, true), p.b0), 'gelu');
    const out = tf.softplus(tf.add(tf.matMul(hidden, p.w2, false, true), p.b2));
    return tf.reshape(out, x.shape);
  });
}

/** The effective action gain(x)·x of one channel. */
export function gatedAction(x: tf.Tensor, p: GainNetParams): tf.Tensor {
  return tf.tidy(() => tf.mul(gain(x, p), x));
}
