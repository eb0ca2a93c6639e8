/**
 * The dense layers both baselines are built from, behind one interface with two implementations:
 * the tfjs graph below (the reference path, and the GPU path) and the fused wasm ops
 * (kernel/fusedOps.ts, the CPU path). Tests hold the two equal.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelName } from '../recurrence.js';
import { maskTensor, type DropoutSpec } from './dropout.js';
import { gelu, layerNorm, linear } from './layers.js';
import { fusedOps } from './kernel/fusedOps.js';

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
};

/** The implementation for a kernel choice: the tfjs graph, or the fused wasm ops. */
export function denseOps(kernel: KernelName): DenseOps {
  switch (kernel) {
    case 'tfjs':
      return tfjsOps;
    case 'fused':
      return fusedOps;
    default:
      throw new Error(`unknown kernel ${JSON.stringify(kernel)} (expected 'tfjs' or 'fused')`);
  }
}
