/**
 * From angular velocity to k rectified action channels (a "thermometer" code per turning side).
 *
 * Channel c turns left (side −1) when c is even and right (side +1) when c is odd; its level on
 * that side is m = floor(c/2). A side with L levels splits [0, maxAv] into L slices of width
 * Δ = maxAv/L: level m carries clamp(side·av − mΔ, 0, Δ), and the top level is not clamped above,
 * so the channels of a side always sum to that side's rectified velocity relu(side·av).
 * Left gets ceil(k/2) levels, right floor(k/2). For k = 2 this is exactly SPEC's L/R model:
 * channel 0 = relu(−av) (L), channel 1 = relu(av) (R).
 */
import * as tf from '@tensorflow/tfjs-core';

/** The seed's default maximum angular velocity (SPEC §1), which sets the thermometer's slices. */
export const DEFAULT_MAX_AV = 0.1 * Math.PI;

/** −1 if action channel c encodes left turns (negative av), +1 for right turns. */
export function actionChannelSide(channel: number, actionDim: number): -1 | 1 {
  if (channel < 0 || channel >= actionDim) throw new Error(`action channel ${channel} out of range for actionDim ${actionDim}`);
  return channel % 2 === 0 ? -1 : 1;
}

/** Encodes av (B×T) as k rectified channels (B×T×k); see the module comment for the code. */
export function avToActions(av: tf.Tensor2D, actionDim: number, maxAv: number = DEFAULT_MAX_AV): tf.Tensor3D {
  if (!Number.isInteger(actionDim) || actionDim < 2) throw new Error(`avToActions: actionDim must be an integer >= 2 (got ${actionDim})`);
  if (!(maxAv > 0)) throw new Error(`avToActions: maxAv must be positive (got ${maxAv})`);
  return tf.tidy(() => {
    const levels = { [-1]: Math.ceil(actionDim / 2), [1]: Math.floor(actionDim / 2) } as Record<number, number>;
    const channels: tf.Tensor2D[] = [];
    for (let c = 0; c < actionDim; c++) {
      const side = actionChannelSide(c, actionDim);
      const m = Math.floor(c / 2);
      const width = maxAv / levels[side];
      const above = tf.relu(tf.sub(tf.mul(av, side), m * width));
      channels.push((m < levels[side] - 1 ? tf.minimum(above, width) : above) as tf.Tensor2D);
    }
    return tf.stack(channels, 2) as tf.Tensor3D;
  });
}
