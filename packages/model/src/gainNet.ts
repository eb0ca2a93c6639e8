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

/**
 * gain_c(x[…, c])·x[…, c] for every channel c of x (…×k) at once, with `nets[c]` the net of channel c.
 * Why batched: one expression over a new hidden axis replaces k unstack/gain/stack passes, whose
 * Pack/Unpack (and their gradients) cost more than the nets themselves on [B, T, k].
 */
export function gatedActions(x: tf.Tensor, nets: readonly GainNetParams[]): tf.Tensor {
  const k = x.shape[x.rank - 1];
  if (nets.length !== k) throw new Error(`gatedActions: ${nets.length} gain nets for ${k} channels`);
  return tf.tidy(() => {
    const H = nets[0].w0.shape[0];
    // Linear(1, H) of a scalar is a broadcast multiply-add over a new last axis; Linear(H, 1) a sum over it.
    const row = (ts: tf.Tensor[]): tf.Tensor => tf.concat(ts.map((t) => tf.reshape(t, [1, H])), 0);
    const w0 = row(nets.map((p) => p.w0));
    const b0 = row(nets.map((p) => p.b0));
    const w2 = row(nets.map((p) => p.w2));
    const b2 = tf.concat(nets.map((p) => p.b2), 0);
    const hidden = activate(tf.add(tf.mul(tf.expandDims(x, -1), w0), b0), 'gelu');
    const g = tf.softplus(tf.add(tf.sum(tf.mul(hidden, w2), -1), b2));
    return tf.mul(g, x);
  });
}
