/**
 * The training losses of the ring model from its rectified action channels (the value and gradients
 * of trainingLoss(forwardBump(av, r0), angle), docs/model.md §3.4) as one tfjs op on the native
 * kernel. The gain nets, the recurrence and the ring readout with its gradient run in the addon, the
 * losses on the readout's sums in float64 here (trainingLossOp.ts).
 *
 * Why one op: composed from tfjs ops, a training step spent about as long in the gain nets' two dozen
 * small kernels, their gradients, and copying the B×T×N history and its cotangent between tfjs and
 * the kernel as in the recurrence itself. Here no B×T×N array exists: the kernel sums each history
 * row as it makes it and derives the row's cotangent from the sums' cotangent when it needs it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GainNetParams } from './gainNet.js';
import type { RecurrenceConstants } from './recurrence.js';
import { lossesFromSums, readoutBasis, sumsCotangent } from './trainingLossOp.js';
import { kernelThreads, newCallId, read, type Dims, type InputData } from './kernel/op.js';
import { nativeBackwardSums, nativeForwardSums, nativeGainBackward, nativeGainForward, nativeResident } from './kernel/native.js';

/** What the fused training loss reads. */
export interface FusedLossInputs {
  /** Rectified action channels before their gain nets (B×T×k, host values; see avToActions). */
  x: Float32Array;
  /** Target angles (B×T, host values). */
  angle: Float32Array;
  r0: tf.Tensor2D;
  Wo: tf.Tensor2D;
  /** The k action matrices (Wa[c] for channel c). */
  Wa: tf.Tensor2D[];
  /** The k gain nets. */
  gains: GainNetParams[];
}

/** The gain nets' parameters packed per channel as w0, b0, w2 (H each), b2 (native/src/gain.h). */
function packGains(values: Float32Array[], k: number, H: number): Float32Array {
  const per = 3 * H + 1;
  const out = new Float32Array(k * per);
  for (let c = 0; c < k; c++) {
    const [w0, b0, w2, b2] = values.slice(4 * c, 4 * c + 4);
    out.set(w0, c * per);
    out.set(b0, c * per + H);
    out.set(w2, c * per + 2 * H);
    out.set(b2, c * per + 3 * H);
  }
  return out;
}

/** The k action matrices as one k×N×N array (the kernel's Wa). */
function stackMatrices(values: Float32Array[], N: number): Float32Array {
  const out = new Float32Array(values.length * N * N);
  values.forEach((v, c) => out.set(v, c * N * N));
  return out;
}

/**
 * [total, angle, bump] (a 3-vector) of the model's actions gain_c(x_c)·x_c run from r0 through the
 * recurrence, against the target angles; differentiable in r0, Wo, every Wa[c] and every gain-net
 * parameter. The recurrence runs with actionGrads 'nonzero' (x is rectified angular velocity).
 */
export function nativeTrainingLossVector(inputs: FusedLossInputs, c: RecurrenceConstants, bumpWeight: number, threads = kernelThreads()): tf.Tensor1D {
  const { x, angle, r0, Wo, Wa, gains } = inputs;
  const [B, N] = r0.shape;
  const k = Wa.length;
  const T = angle.length / B;
  const H = gains[0].w0.shape[0];
  if (!Number.isInteger(T) || x.length !== B * T * k || Wo.shape[0] !== N || gains.length !== k) {
    throw new Error(`nativeTrainingLossVector: inconsistent shapes x=${x.length} angle=${angle.length} r0=${r0.shape} Wo=${Wo.shape} k=${k} gain nets=${gains.length}`);
  }
  const dims: Dims = [B, T, k, N];
  const rows = B * T;
  const basis = readoutBasis(N);
  const inputsList: tf.Tensor[] = [r0, Wo, ...Wa, ...gains.flatMap((g) => [g.w0, g.b0, g.w2, g.b2])];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const ts = args.slice(0, inputsList.length) as tf.Tensor[];
    const save = args[inputsList.length] as tf.GradSaveFunc;
    const recurrent = ts.slice(0, 2 + k);
    save(recurrent);
    const params = packGains(ts.slice(2 + k).map((t) => read(t).slice()), k, H);
    const actions = nativeGainForward(x, rows, k, H, params, threads);
    const data = (saved: tf.Tensor[]): InputData => ({ actions, r0: read(saved[0]), Wo: read(saved[1]), Wa: stackMatrices(saved.slice(2).map(read), N) });
    const id = newCallId();
    const sums = new Float32Array(3 * rows);
    nativeForwardSums(id, data(recurrent), dims, c, threads, true, basis, sums);
    const losses = lossesFromSums(sums, angle, B, T, bumpWeight);
    const value = tf.tensor1d(losses.losses);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      // Another forward may have replaced this call's states: recompute them (same inputs, same bits).
      if (nativeResident() !== id) nativeForwardSums(id, data(saved), dims, c, threads, true, basis, new Float32Array(3 * rows));
      const [dA, dr0, dWo, dWa] = nativeBackwardSums(sumsCotangent(dy.dataSync(), losses, bumpWeight), basis, dims);
      const dGain = nativeGainBackward(x, dA, rows, k, H, params, threads);
      const per = 3 * H + 1;
      const gainGrads = gains.flatMap((g, ch) =>
        [g.w0, g.b0, g.w2, g.b2].map((t, i) => tf.tensor(dGain.subarray(ch * per + i * H, ch * per + i * H + t.size), t.shape, 'float32')),
      );
      return [
        tf.tensor2d(dr0, [B, N]),
        tf.tensor2d(dWo, [N, N]),
        ...Wa.map((_, ch) => tf.tensor2d(dWa.subarray(ch * N * N, (ch + 1) * N * N), [N, N])),
        ...gainGrads,
      ];
    };
    return { value, gradFunc };
  });
  return op(...inputsList) as tf.Tensor1D;
}
