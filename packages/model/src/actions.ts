/**
 * From angular velocity to k rectified action channels (a "thermometer" code per turning side).
 *
 * Channel c turns left (side −1) when c is even and right (side +1) when c is odd; its level on
 * that side is m = floor(c/2). A side with L levels splits [0, maxAv] into L slices of width
 * Δ = maxAv/L: level m carries clamp(side·av − mΔ, 0, Δ), and the top level is not clamped above,
 * so the channels of a side always sum to that side's rectified velocity relu(side·av).
 * Left gets ceil(k/2) levels, right floor(k/2). For k = 2 this is exactly the reference's L/R model (docs/model.md §2.2):
 * channel 0 = relu(−av) (L), channel 1 = relu(av) (R).
 */
import * as tf from '@tensorflow/tfjs-core';

/** −1 if action channel c encodes left turns (negative av), +1 for right turns. */
export function actionChannelSide(channel: number, actionDim: number): -1 | 1 {
  if (channel < 0 || channel >= actionDim) throw new Error(`action channel ${channel} out of range for actionDim ${actionDim}`);
  return channel % 2 === 0 ? -1 : 1;
}

/** Encodes av (B×T) as k rectified channels (B×T×k); see the module comment for the code. */
export function avToActions(av: tf.Tensor2D, actionDim: number, maxAv: number): tf.Tensor3D {
  if (!Number.isInteger(actionDim) || actionDim < 2) throw new Error(`avToActions: actionDim must be an integer >= 2 (got ${actionDim})`);
  if (!(maxAv > 0)) throw new Error(`avToActions: maxAv must be positive (got ${maxAv})`);
  const levels = { [-1]: Math.ceil(actionDim / 2), [1]: Math.floor(actionDim / 2) } as Record<number, number>;
  const sides = new Float32Array(actionDim);
  const offsets = new Float32Array(actionDim);
  const caps = new Float32Array(actionDim);
  for (let c = 0; c < actionDim; c++) {
    const side = actionChannelSide(c, actionDim);
    const m = Math.floor(c / 2);
    const width = maxAv / levels[side];
    sides[c] = side;
    offsets[c] = m * width;
    caps[c] = m < levels[side] - 1 ? width : Infinity;
  }
  // All channels in one broadcast over a new last axis (a per-channel stack costs a Pack per call).
  return tf.tidy(() => {
    const above = tf.relu(tf.sub(tf.mul(tf.expandDims(av, 2), tf.tensor1d(sides)), tf.tensor1d(offsets)));
    return tf.minimum(above, tf.tensor1d(caps)) as tf.Tensor3D;
  });
}
