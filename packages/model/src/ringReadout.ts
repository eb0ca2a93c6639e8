/**
 * The three per-step reductions the training loss needs from the bump (docs/model.md §3), as one tfjs op.
 *
 * Why not tfjs ops: the loss through `cosineOutput` spends most of a training step in 2-wide
 * matMuls and in the Max gradient (an Equal over B·T×N). Two SIMD passes over the bump in the
 * fused kernel's wasm (one forward, one backward; kernel/readout.ts) replace all of it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { read } from './kernel/op.js';
import { kernelReadoutBackward, kernelReadoutForward } from './kernel/readout.js';
import { readoutBasis } from './trainingLossOp.js';

/** Per (b, t): X = Σ_i r_i cos φ_i, Y = Σ_i r_i sin φ_i, amplitude = Σ_i |r_i|; each B×T. */
export type RingReadout = {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
  amplitude: tf.Tensor2D;
};

/** The op itself: bump B×T×N → 3×B×T (X, Y, amplitude stacked), differentiable through customGrad. */
const stackedReadout = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const bump = args[0] as tf.Tensor3D;
  const save = args[1] as tf.GradSaveFunc;
  // The backward needs the bump's signs: keep the tensor (on wasm it is read in place, no copy).
  save([bump]);
  const [B, T, N] = bump.shape;
  const rows = B * T;
  const cs = readoutBasis(N);
  const value = tf.tensor3d(kernelReadoutForward(read(bump), rows, N, cs), [3, B, T]);
  const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
    return [tf.tensor3d(kernelReadoutBackward(read(saved[0]), read(dy), rows, N, cs), [B, T, N])];
  };
  return { value, gradFunc };
});

/** X, Y and Σ|r| of every step of a bump history (B×T×N), with gradients (docs/model.md §3's sums, no cosine output). */
export function ringReadout(bump: tf.Tensor3D): RingReadout {
  if (bump.rank !== 3) throw new Error(`ringReadout: bump must be B×T×N (got shape [${bump.shape.join(', ')}])`);
  if (bump.dtype !== 'float32') throw new Error(`ringReadout: bump must be float32 (got ${bump.dtype})`);
  const [B, T] = bump.shape;
  return tf.tidy(() => {
    const stacked = stackedReadout(bump);
    // Slices, not unstack: unstack's gradient fails when a caller uses only some of the three.
    const plane = (k: number): tf.Tensor2D => tf.reshape(tf.slice(stacked, [k, 0, 0], [1, B, T]), [B, T]);
    return { x: plane(0), y: plane(1), amplitude: plane(2) };
  });
}
