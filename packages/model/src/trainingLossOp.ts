/**
 * docs/model.md §3's training losses from a bump history as one tfjs op: [total, angle, bump] (a 3-vector).
 *
 * Why one op: on top of the ring readout (kernel/readout.ts) the losses are a few dozen
 * elementwise tfjs ops on B×T, about 75 kernels with their gradients, whose per-op overhead
 * outweighed their arithmetic. Here the per-(b,t) part runs in float64 over typed arrays.
 */
import * as tf from '@tensorflow/tfjs-core';
import { preferredAngles } from './geometry.js';
import { read } from './kernel/op.js';
import { kernelReadoutBackward, kernelReadoutForward } from './kernel/readout.js';

/** cos φ_i then sin φ_i of the ring's preferred angles (2N), in float64. */
export function readoutBasis(N: number): Float64Array {
  const phi = preferredAngles(N);
  const out = new Float64Array(2 * N);
  phi.forEach((p, i) => {
    out[i] = Math.cos(p);
    out[N + i] = Math.sin(p);
  });
  return out;
}

/** Losses [total, angle, bump] and the gradients of the angle and bump losses with respect to the sums. */
export interface SumLosses {
  losses: Float32Array;
  /** ∂La/∂X then ∂La/∂Y (2·B·T). */
  gradAngle: Float64Array;
  /** ∂Lb/∂A (B·T). */
  gradBump: Float64Array;
}

/**
 * Losses and their gradients with respect to X, Y, A (planes of `s`, 3×B·T) for target angles θ (B×T).
 * La = mean (X/ρ − cos θ)² + (Y/ρ − sin θ)², Lb = mean (A[b,t] − A[b,0])², total = La + w·Lb.
 */
export function lossesFromSums(s: Float32Array, theta: Float32Array, B: number, T: number, w: number): SumLosses {
  const M = B * T;
  let la = 0;
  let lb = 0;
  // Gradients of La and Lb alone, per plane; the caller mixes them by the output cotangents.
  const gradAngle = new Float64Array(2 * M);
  const gradBump = new Float64Array(M);
  for (let b = 0; b < B; b++) {
    const a0 = s[2 * M + b * T];
    let dFirst = 0;
    for (let t = 0; t < T; t++) {
      const k = b * T + t;
      const x = s[k];
      const y = s[M + k];
      const rho = Math.sqrt(x * x + y * y);
      const dc = x / rho - Math.cos(theta[k]);
      const ds = y / rho - Math.sin(theta[k]);
      la += dc * dc + ds * ds;
      // d/dX (X/ρ) = Y²/ρ³, d/dY (X/ρ) = −XY/ρ³, and symmetrically for Y/ρ.
      const r3 = rho * rho * rho;
      const q = (2 / M) * (dc * y - ds * x) / r3;
      gradAngle[k] = q * y;
      gradAngle[M + k] = -q * x;
      const d = s[2 * M + k] - a0;
      lb += d * d;
      gradBump[k] = (2 / M) * d;
      dFirst -= (2 / M) * d;
    }
    gradBump[b * T] += dFirst;
  }
  la /= M;
  lb /= M;
  return { losses: Float32Array.of(la + w * lb, la, lb), gradAngle, gradBump };
}

/** The sums' cotangent (3×B·T) for the cotangent dy of [total, angle, bump]. */
export function sumsCotangent(dy: ArrayLike<number>, l: SumLosses, bumpWeight: number): Float32Array {
  const [gTotal, gAngle, gBump] = [dy[0], dy[1], dy[2]];
  const rows = l.gradBump.length;
  const wa = gTotal + gAngle;
  const wb = gTotal * bumpWeight + gBump;
  const dSums = new Float32Array(3 * rows);
  for (let k = 0; k < 2 * rows; k++) dSums[k] = wa * l.gradAngle[k];
  for (let k = 0; k < rows; k++) dSums[2 * rows + k] = wb * l.gradBump[k];
  return dSums;
}

/** [total, angle, bump] losses of a bump history (B×T×N) against target angles (B×T), differentiable in the bump. */
export function trainingLossVector(bump: tf.Tensor3D, angle: tf.Tensor2D, bumpWeight: number): tf.Tensor1D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [r, theta] = args.slice(0, 2) as tf.Tensor[];
    const save = args[2] as tf.GradSaveFunc;
    save([r]);
    const [B, T, N] = r.shape;
    const rows = B * T;
    const cs = readoutBasis(N);
    const sums = kernelReadoutForward(read(r), rows, N, cs);
    const l = lossesFromSums(sums, theta.dataSync() as Float32Array, B, T, bumpWeight);
    const value = tf.tensor1d(l.losses);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const dSums = sumsCotangent(dy.dataSync(), l, bumpWeight);
      const dr = tf.tensor3d(kernelReadoutBackward(read(saved[0]), dSums, rows, N, cs), [B, T, N]);
      // The target angles are data: no gradient flows to them.
      return [dr, tf.zeros([B, T])];
    };
    return { value, gradFunc };
  });
  return op(bump, angle) as tf.Tensor1D;
}
