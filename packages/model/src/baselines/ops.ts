/**
 * The dense layers both baselines are built from, behind one interface: the tfjs graph below (the
 * reference path, and the GPU path), the fused wasm ops (kernel/fusedOps.ts, the CPU path) and
 * those with the GRU's head in the native addon (kernel/nativeOps.ts). Tests hold them equal.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BaselineKernel } from './config.js';
import { maskTensor, type DropoutSpec } from './dropout.js';
import { gelu, layerNorm, linear } from './layers.js';
import { fusedOps } from './kernel/fusedOps.js';
import { nativeOps } from './kernel/nativeOps.js';

/** Elementwise activations of the baselines. */
export type ActivationKind = 'relu' | 'gelu';

/** The dense layers. Dropout masks come as specs (kernel-independent, see dropout.ts); null means none. */
export interface DenseOps {
  /** nn.Linear over the last axis: x·Wᵀ + b, W out×in. */
  linear(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor;
  /** F(x) then dropout (F = relu or the exact gelu). */
  activation(x: tf.Tensor, kind: ActivationKind, drop: DropoutSpec | null): tf.Tensor;
  /** LayerNorm over the last axis of x + dropout(y) (y null: of x alone), then ·γ + β. */
  addNorm(x: tf.Tensor, y: tf.Tensor | null, gamma: tf.Tensor, beta: tf.Tensor, drop: DropoutSpec | null): tf.Tensor;
  /**
   * Causal multi-head self-attention from the packed projections qkv (B×S×3d: q, k, v; head h in
   * columns h·d/nh… of each): softmax(q·kᵀ/√(d/nh)) under the mask j ≤ i, dropout on the
   * probabilities (mask index ((b·nh + h)·S + i)·S + j), times v; heads side by side (B×S×d).
   */
  attention(qkv: tf.Tensor3D, nhead: number, drop: DropoutSpec | null): tf.Tensor3D;
  /**
   * One post-norm encoder layer (nn.TransformerEncoderLayer, GELU): x ← LN1(x + drop(SA(x))),
   * x ← LN2(x + drop(W2·drop(gelu(W1·x)))), SA = out_proj(attention(in_proj(x))).
   */
  encoderLayer(x: tf.Tensor3D, w: EncoderLayerWeights, nhead: number, drop: EncoderLayerDropout): tf.Tensor3D;
  /** A normalised two-layer ReLU head: linear(W2, dropout(relu(linear(W1, LayerNorm(x))))). */
  normMlp(x: tf.Tensor, w: NormMlpWeights, drop: DropoutSpec | null): tf.Tensor;
}

/** The head's parameters: LayerNorm γ, β; W1 hidden×in, b1; W2 out×hidden, b2 (PyTorch's layout). */
export interface NormMlpWeights {
  g: tf.Tensor;
  b: tf.Tensor;
  w1: tf.Tensor;
  b1: tf.Tensor;
  w2: tf.Tensor;
  b2: tf.Tensor;
}

/** The parameter order of the head (NormMlpWeights' keys). */
export const NORM_MLP_WEIGHTS = ['g', 'b', 'w1', 'b1', 'w2', 'b2'] as const;

/** The head from the other ops (the tfjs path's, and the fused path's for odd sizes). */
export function composeNormMlp(ops: DenseOps, x: tf.Tensor, w: NormMlpWeights, drop: DropoutSpec | null): tf.Tensor {
  return tf.tidy(() => ops.linear(ops.activation(ops.linear(ops.addNorm(x, null, w.g, w.b, null), w.w1, w.b1), 'relu', drop), w.w2, w.b2));
}

/** One encoder layer's parameters, in PyTorch's layout (W out×in). */
export interface EncoderLayerWeights {
  inW: tf.Tensor;
  inB: tf.Tensor;
  outW: tf.Tensor;
  outB: tf.Tensor;
  l1W: tf.Tensor;
  l1B: tf.Tensor;
  l2W: tf.Tensor;
  l2B: tf.Tensor;
  n1g: tf.Tensor;
  n1b: tf.Tensor;
  n2g: tf.Tensor;
  n2b: tf.Tensor;
}

/** The parameter order of an encoder layer (EncoderLayerWeights' keys). */
export const ENCODER_WEIGHTS = ['inW', 'inB', 'outW', 'outB', 'l1W', 'l1B', 'l2W', 'l2B', 'n1g', 'n1b', 'n2g', 'n2b'] as const;

/** The masks of one layer: attention probabilities, attention output, feed-forward hidden, feed-forward output. */
export interface EncoderLayerDropout {
  attn: DropoutSpec | null;
  attnOut: DropoutSpec | null;
  hidden: DropoutSpec | null;
  ffOut: DropoutSpec | null;
}

/** An encoder layer from the other ops (the tfjs path's, and the fused path's for odd sizes). */
export function composeEncoderLayer(ops: DenseOps, x: tf.Tensor3D, w: EncoderLayerWeights, nhead: number, drop: EncoderLayerDropout): tf.Tensor3D {
  return tf.tidy(() => {
    const heads = ops.attention(ops.linear(x, w.inW, w.inB) as tf.Tensor3D, nhead, drop.attn);
    const x1 = ops.addNorm(x, ops.linear(heads, w.outW, w.outB), w.n1g, w.n1b, drop.attnOut);
    const ff = ops.linear(ops.activation(ops.linear(x1, w.l1W, w.l1B), 'gelu', drop.hidden), w.l2W, w.l2B);
    return ops.addNorm(x1, ff, w.n2g, w.n2b, drop.ffOut) as tf.Tensor3D;
  });
}

/** Masked attention scores: exp(−1e9 − max) is exactly 0 in float32, as −inf is in PyTorch. */
const MASKED = -1e9;

function applyDropout(x: tf.Tensor, drop: DropoutSpec | null): tf.Tensor {
  return drop === null ? x : tf.mul(x, maskTensor(drop, [...x.shape]));
}

/** The tfjs graph: every product one batched matmul over all sequences and heads, one causal mask. */
export const tfjsOps: DenseOps = {
  linear,
  activation(x, kind, drop) {
    return tf.tidy(() => applyDropout(kind === 'gelu' ? gelu(x) : tf.relu(x), drop));
  },
  addNorm(x, y, gamma, beta, drop) {
    return tf.tidy(() => layerNorm(y === null ? x : tf.add(x, applyDropout(y, drop)), gamma, beta));
  },
  attention(qkv, nhead, drop) {
    return tf.tidy(() => {
      const [B, S, d3] = qkv.shape;
      const d = d3 / 3;
      const hd = d / nhead;
      // (B·nh)×S×hd queries, keys and values, split by one reshape and transpose.
      const split = tf.transpose(tf.reshape(qkv, [B, S, 3, nhead, hd]), [2, 0, 3, 1, 4]);
      const [q, k, v] = tf.unstack(tf.reshape(split, [3, B * nhead, S, hd]));
      const causal = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([S, S]), -1, 0)), MASKED);
      const scores = tf.add(tf.matMul(tf.mul(q, 1 / Math.sqrt(hd)), k, false, true), causal);
      const p = applyDropout(tf.softmax(scores), drop);
      return tf.reshape(tf.transpose(tf.reshape(tf.matMul(p, v), [B, nhead, S, hd]), [0, 2, 1, 3]), [B, S, d]) as tf.Tensor3D;
    });
  },
  encoderLayer(x, w, nhead, drop) {
    return composeEncoderLayer(tfjsOps, x, w, nhead, drop);
  },
  normMlp(x, w, drop) {
    return composeNormMlp(tfjsOps, x, w, drop);
  },
};

/** The implementation for a kernel choice: the tfjs graph, the fused wasm ops, or those with the native head (kernel/nativeOps.ts). */
export function denseOps(kernel: BaselineKernel): DenseOps {
  switch (kernel) {
    case 'tfjs':
      return tfjsOps;
    case 'wasm':
      return fusedOps;
    case 'native':
      return nativeOps;
    default:
      throw new Error(`unknown kernel ${JSON.stringify(kernel)} (expected 'tfjs', 'wasm' or 'native')`);
  }
}
