/**
 * The recurrence of docs/model.md §2 as a plain tfjs graph: the reference path, and the GPU path.
 *
 * Contract shared with the fused kernel (`kernel/`), which must return the same numbers:
 *   actions  B×T×k  effective action signals (already multiplied by their gain nets)
 *   r0       B×N    initial state
 *   Wo       N×N    maintenance weights
 *   Wa       k×N×N  one rotation matrix per action channel (k = 2: Wa[0] = Wl, Wa[1] = Wr)
 * Per step: pre = J0·Σr + J1·(Wo r) + Σ_c actions[:,t,c]·(Wa[c] r);  r ← (1−α)r + α·F(pre).
 * Returns the bump history B×T×N (the state after each step).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelOptions } from './kernel/op.js';
import { wasmRecurrence } from './kernel/wasm.js';
import { nativeRecurrence, nativeUnavailableReason } from './kernel/native.js';

import type { Activation } from '@ring-attractor/config';

export type { Activation };

/**
 * Which implementation runs the recurrence: the tfjs graph below, or a fused kernel (`kernel/`):
 * the AssemblyScript one compiled to SIMD wasm, or the native C++ addon.
 */
export type KernelName = 'tfjs' | 'wasm' | 'native';

/** Every kernel name. */
export const KERNEL_NAMES: readonly KernelName[] = ['tfjs', 'wasm', 'native'];

/** The kernel of that name, or null if it names no kernel. */
export function kernelByName(name: unknown): KernelName | null {
  return (KERNEL_NAMES as readonly unknown[]).includes(name) ? (name as KernelName) : null;
}

/** Scalars of the dynamics that are not learned. */
export interface RecurrenceConstants {
  J0: number;
  J1: number;
  alpha: number;
  activation: Activation;
}

/** Tensors the recurrence reads; every gradient flows back to all four. */
export interface RecurrenceInputs {
  actions: tf.Tensor3D;
  r0: tf.Tensor2D;
  Wo: tf.Tensor2D;
  Wa: tf.Tensor3D;
}

/** F of docs/model.md §2; gelu is the exact erf form. */
export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case 'tanh':
      return tf.tanh(x);
    case 'relu':
      return tf.relu(x);
    case 'gelu':
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  }
}

/** Runs all T steps as a tfjs graph and returns the bump history (B×T×N). */
export function recurrenceTfjs(inputs: RecurrenceInputs, c: RecurrenceConstants): tf.Tensor3D {
  return tf.tidy(() => {
    const { actions, r0, Wo, Wa } = inputs;
    const [B, T, k] = actions.shape;
    const N = Wo.shape[0];
    // One (k+1)N×N product per step instead of a B×N×N matrix per sequence (docs/model.md §2 note).
    const wCat = tf.concat([Wo, tf.reshape(Wa, [k * N, N])], 0);
    const steps = tf.unstack(actions, 1) as tf.Tensor2D[];
    const j1 = tf.fill([B, 1], c.J1);
    let r: tf.Tensor2D = r0;
    const history: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const p = tf.reshape(tf.matMul(r, wCat, false, true), [B, k + 1, N]);
      const coef = tf.expandDims(tf.concat([j1, steps[t]], 1), 2);
      const mixed = tf.sum(tf.mul(p, coef), 1);
      const pre = tf.add(mixed, tf.mul(tf.sum(r, 1, true), c.J0));
      r = tf.add(tf.mul(r, 1 - c.alpha), tf.mul(activate(pre, c.activation), c.alpha)) as tf.Tensor2D;
      history.push(r);
    }
    return tf.stack(history, 1) as tf.Tensor3D;
  });
}

/**
 * The one place the forward pass picks its recurrence implementation; both kernels share the
 * contract above, so adding one is one case here.
 */
export function runRecurrence(inputs: RecurrenceInputs, c: RecurrenceConstants, kernel: KernelName, fused: KernelOptions = {}): tf.Tensor3D {
  switch (kernelByName(kernel)) {
    case 'tfjs':
      return recurrenceTfjs(inputs, c);
    case 'wasm':
      return wasmRecurrence(inputs, c, fused);
    case 'native':
      return nativeRecurrence(inputs, c, fused);
    default:
      throw new Error(`unknown recurrence kernel ${JSON.stringify(kernel)} (expected one of ${KERNEL_NAMES.join(', ')})`);
  }
}

/**
 * The fastest kernel for a backend as named by selectBackend: the tfjs graph where a GPU runs it
 * (tfjs-node-gpu); on every CPU backend (wasm, cpu, tfjs-node) the native kernel where its addon
 * is built and loads, else the wasm kernel.
 */
export function defaultKernel(backend: string): KernelName {
  if (backend === 'tfjs-node-gpu') return 'tfjs';
  return nativeUnavailableReason() === null ? 'native' : 'wasm';
}
