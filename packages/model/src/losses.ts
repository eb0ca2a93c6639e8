/** Training losses of docs/model.md §3, as differentiable scalars. */
import * as tf from '@tensorflow/tfjs-core';
import { cosSinBasis } from './geometry.js';
import { trainingLossVector } from './trainingLossOp.js';

/** Population-vector components (x, y) = Σ_k out_k (cos φ_k, sin φ_k); output B×T×N → two B×T tensors. */
export function populationVector(output: tf.Tensor3D): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const [B, T, N] = output.shape;
    const xy = tf.matMul(tf.reshape(output, [B * T, N]), cosSinBasis(N));
    const [x, y] = tf.split(xy, 2, 1);
    return { x: tf.reshape(x, [B, T]) as tf.Tensor2D, y: tf.reshape(y, [B, T]) as tf.Tensor2D };
  });
}

/** mean over B, T of (cos θ̂ − cos θ)² + (sin θ̂ − sin θ)², θ̂ the population-vector angle; angle B×T. */
export function angleLoss(output: tf.Tensor3D, angle: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const { x, y } = populationVector(output);
    const decoded = tf.atan2(y, x);
    const dc = tf.sub(tf.cos(decoded), tf.cos(angle));
    const ds = tf.sub(tf.sin(decoded), tf.sin(angle));
    return tf.mean(tf.add(tf.square(dc), tf.square(ds))) as tf.Scalar;
  });
}

/** mean over B, T of (a[b,t] − a[b,0])², a = Σ_i |bump|; the target is the amplitude after the first step. */
export function bumpLoss(bump: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => {
    const a = tf.sum(tf.abs(bump), 2);
    const first = tf.slice(a, [0, 0], [-1, 1]);
    return tf.mean(tf.square(tf.sub(a, first))) as tf.Scalar;
  });
}

/** The three losses; total = angle + bumpWeight·bump (docs/model.md §3, bumpWeight 0.2). */
export type Losses = {
  total: tf.Scalar;
  angle: tf.Scalar;
  bump: tf.Scalar;
};

/** Angle loss, bump loss and their weighted total, from one forward's output and bump. */
export function totalLoss(output: tf.Tensor3D, bump: tf.Tensor3D, angle: tf.Tensor2D, bumpWeight = 0.2): Losses {
  return tf.tidy(() => {
    const a = angleLoss(output, angle);
    const b = bumpLoss(bump);
    return { total: tf.add(a, tf.mul(b, bumpWeight)) as tf.Scalar, angle: a, bump: b };
  });
}

/**
 * The losses of `totalLoss(cosineOutput(bump), bump, …)`, for training: same values and gradients,
 * computed from X = Σ r_i cos φ_i, Y = Σ r_i sin φ_i and Σ|r_i| instead of the cosine output.
 *
 * Why it is the same function: d_j = X cos φ_j + Y sin φ_j = ρ cos(φ_j − ψ), so max_j d_j ≥ ρ cos(π/N) > 0
 * for ρ = √(X²+Y²) > 0, and the population vector of out = d / max d is (N/2)(X, Y) / max d; the
 * decoded angle is atan2(Y, X) and (cos θ̂, sin θ̂) = (X, Y)/ρ. The loss does not depend on max d at
 * all, so no gradient flows through the max (tfjs' Max gradient was most of a training step).
 * The sums X, Y, Σ|r| and the losses on them run as one op (trainingLossOp.ts, in float64).
 */
export function trainingLoss(bump: tf.Tensor3D, angle: tf.Tensor2D, bumpWeight = 0.2): Losses {
  if (bump.rank !== 3) throw new Error(`trainingLoss: bump must be B×T×N (got shape [${bump.shape.join(', ')}])`);
  if (bump.dtype !== 'float32') throw new Error(`trainingLoss: bump must be float32 (got ${bump.dtype})`);
  const [B, T] = bump.shape;
  if (angle.rank !== 2 || angle.shape[0] !== B || angle.shape[1] !== T) throw new Error(`trainingLoss: angle must be ${B}×${T} (got shape [${angle.shape.join(', ')}])`);
  return tf.tidy(() => lossesOfVector(trainingLossVector(bump, angle, bumpWeight)));
}

/** The three losses as scalars from a [total, angle, bump] vector. */
export function lossesOfVector(v: tf.Tensor1D): Losses {
  const pick = (k: number): tf.Scalar => tf.reshape(tf.slice(v, [k], [1]), []) as tf.Scalar;
  return { total: pick(0), angle: pick(1), bump: pick(2) };
}
