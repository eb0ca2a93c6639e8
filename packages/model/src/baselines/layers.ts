/** The torch.nn layers the baselines are built from, as tfjs expressions on PyTorch-layout parameters. */
import * as tf from '@tensorflow/tfjs-core';
import { activate } from '../recurrence.js';

/** torch.nn.LayerNorm's default epsilon. */
export const LAYER_NORM_EPS = 1e-5;

/** nn.Linear: x·Wᵀ + b over the last axis of x (any rank), W out×in. */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const inDim = weight.shape[1];
  const outDim = weight.shape[0];
  const lead = x.shape.slice(0, -1);
  const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inDim as number]);
  const y = tf.add(tf.matMul(flat, weight, false, true), bias);
  return x.rank === 2 ? y : tf.reshape(y, [...lead, outDim]);
}

/** nn.LayerNorm over the last axis: (x − mean)/√(biased var + eps)·γ + β. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = LAYER_NORM_EPS): tf.Tensor {
  const axis = x.rank - 1;
  const { mean, variance } = tf.moments(x, axis, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

/** The exact (erf) GELU, as torch.nn.GELU() and activation='gelu' compute it (the ring's own). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return activate(x, 'gelu');
}
