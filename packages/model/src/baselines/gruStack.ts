/**
 * A stack of GRU layers with torch.nn.GRU's semantics (batch_first), as a plain tfjs graph: the
 * reference path, and the GPU path.
 *
 * Contract shared with the fused kernel (`kernel/fusedGru.ts`), which must return the same numbers:
 *   x       B×T×I     input sequence of layer 0
 *   h0      L×B×H     initial state of each layer
 *   layers  L × { wIh 3H×I_k, wHh 3H×H, bIh 3H, bHh 3H }   (I_0 = I, I_k = H), gates in r, z, n order
 *   dropout the dropout between layers, or absent: a mask of shape (L−1)×B×T×H given by its spec
 *           (dropout.ts) whose entry ((k−1)·B + b)·T·H + t·H + j multiplies unit j of layer k's
 *           input at sequence b, step t (k = 1…L−1)
 * Per layer and step, with gx = W_ih x_t + b_ih and gh = W_hh h + b_hh split into (r, z, n) thirds:
 *   r = σ(gx_r + gh_r),  z = σ(gx_z + gh_z),  n = tanh(gx_n + r ⊙ gh_n),  h ← (1 − z) ⊙ n + z ⊙ h
 * Returns the last layer's states h_1…h_T (B×T×H). Gradients flow to x, h0 and every weight.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BaselineKernel } from './config.js';
import { maskTensor, type DropoutSpec } from './dropout.js';
import { fusedGruStack } from './kernel/fusedGru.js';
import { nativeGruEngine } from './kernel/gruNative.js';

/** One layer's parameters in torch.nn.GRU's layout. */
export interface GruLayerWeights {
  wIh: tf.Tensor2D;
  wHh: tf.Tensor2D;
  bIh: tf.Tensor1D;
  bHh: tf.Tensor1D;
}

/** Tensors the GRU stack reads (see the contract above). */
export interface GruStackInputs {
  x: tf.Tensor3D;
  h0: tf.Tensor3D;
  layers: GruLayerWeights[];
  dropout?: DropoutSpec;
}

/** Sizes of a GRU stack call, checked against every tensor. */
export interface GruDims {
  B: number;
  T: number;
  I: number;
  H: number;
  L: number;
}

function shapeIs(t: tf.Tensor, shape: number[]): boolean {
  return t.rank === shape.length && t.shape.every((d, i) => d === shape[i]);
}

/** The sizes of `inputs`; throws naming the first tensor whose shape or dtype does not fit. */
export function gruDims(inputs: GruStackInputs): GruDims {
  const { x, h0, layers, dropout } = inputs;
  if (x.rank !== 3) throw new Error(`gruStack: x must be B×T×I (got shape [${x.shape.join(', ')}])`);
  const [B, T, I] = x.shape;
  const L = layers.length;
  if (L < 1) throw new Error('gruStack: at least one layer');
  const H = layers[0].wHh.shape[1];
  const expect = (name: string, t: tf.Tensor, shape: number[]): void => {
    if (!shapeIs(t, shape)) throw new Error(`gruStack: ${name} must have shape [${shape.join(', ')}] (got [${t.shape.join(', ')}])`);
    if (t.dtype !== 'float32') throw new Error(`gruStack: ${name} must be float32 (got ${t.dtype})`);
  };
  expect('x', x, [B, T, I]);
  expect('h0', h0, [L, B, H]);
  layers.forEach((w, k) => {
    expect(`layers[${k}].wIh`, w.wIh, [3 * H, k === 0 ? I : H]);
    expect(`layers[${k}].wHh`, w.wHh, [3 * H, H]);
    expect(`layers[${k}].bIh`, w.bIh, [3 * H]);
    expect(`layers[${k}].bHh`, w.bHh, [3 * H]);
  });
  if (dropout !== undefined && L < 2) throw new Error('gruStack: dropout needs at least two layers (it acts between layers)');
  return { B, T, I, H, L };
}

/** tf.unstack, except along an axis of size 1 (whose Unpack gradient tfjs gets wrong: it is passed one tensor, not a list). */
function unstack(x: tf.Tensor, axis: number): tf.Tensor[] {
  return x.shape[axis] === 1 ? [tf.squeeze(x, [axis])] : tf.unstack(x, axis);
}

/** Runs the stack as a tfjs graph, step by step; returns the last layer's states (B×T×H). */
export function gruStackTfjs(inputs: GruStackInputs): tf.Tensor3D {
  const { B, T, H, L } = gruDims(inputs);
  return tf.tidy(() => {
    const masks = inputs.dropout ? unstack(maskTensor(inputs.dropout, [L - 1, B, T, H]), 0) : [];
    const h0s = unstack(inputs.h0, 0);
    let seq: tf.Tensor3D = inputs.x;
    for (let k = 0; k < L; k++) {
      const { wIh, wHh, bIh, bHh } = inputs.layers[k];
      const input = k > 0 && masks.length ? (tf.mul(seq, masks[k - 1]) as tf.Tensor3D) : seq;
      // Input projections of every step in one product; the recurrence needs only gh per step.
      const gx = tf.reshape(tf.add(tf.matMul(tf.reshape(input, [B * T, -1]), wIh, false, true), bIh), [B, T, 3 * H]);
      const gxSteps = unstack(gx, 1);
      let h = h0s[k] as tf.Tensor2D;
      const states: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const gh = tf.add(tf.matMul(h, wHh, false, true), bHh);
        const [xr, xz, xn] = tf.split(gxSteps[t], 3, 1);
        const [hr, hz, hn] = tf.split(gh, 3, 1);
        const r = tf.sigmoid(tf.add(xr, hr));
        const z = tf.sigmoid(tf.add(xz, hz));
        const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
        h = tf.add(n, tf.mul(z, tf.sub(h, n))) as tf.Tensor2D;
        states.push(h);
      }
      seq = tf.stack(states, 1) as tf.Tensor3D;
    }
    return seq;
  });
}

/**
 * The one place the GRU picks its stack implementation; every implementation keeps the contract
 * above, so adding one (e.g. a native kernel behind the fused op's engine interface) is one case here.
 */
export function runGruStack(inputs: GruStackInputs, kernel: BaselineKernel): tf.Tensor3D {
  switch (kernel) {
    case 'tfjs':
      return gruStackTfjs(inputs);
    case 'wasm':
      return fusedGruStack(inputs);
    case 'native':
      return fusedGruStack(inputs, { engine: nativeGruEngine });
    default:
      throw new Error(`unknown GRU kernel ${JSON.stringify(kernel)} (expected 'tfjs', 'wasm' or 'native')`);
  }
}
