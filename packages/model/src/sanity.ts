/** The pre-training sanity check of docs/model.md §4. */
import * as tf from '@tensorflow/tfjs-core';
import { initialBump } from './geometry.js';
import { angleLoss } from './losses.js';
import { LeakyRingAttractor } from './model.js';
import type { KernelName } from './recurrence.js';

/** The bar docs/model.md §4 sets for the sanity check's angle loss. */
export const SANITY_MAX_ANGLE_LOSS = 0.5;

/**
 * Angle loss of a debug_perfect model (N = 360, gelu, gain fixed at 1) on one batch, started from
 * the bump at each sequence's angle[:, 0]; docs/model.md §4 expects it below 0.5. av, angle: B×T.
 * `kernel` picks the recurrence implementation (a full batch at N = 360 takes seconds on tfjs wasm).
 */
export function sanityCheck(av: tf.Tensor2D, angle: tf.Tensor2D, kernel: KernelName = 'tfjs'): number {
  const model = new LeakyRingAttractor({ num_neurons: 360, activation: 'gelu', init: 'debug_perfect', kernel });
  try {
    return tf.tidy(() => {
      const r0 = initialBump(tf.squeeze(tf.slice(angle, [0, 0], [-1, 1]), [1]), 360);
      const { output } = model.forward(av, r0);
      return angleLoss(output, angle).dataSync()[0];
    });
  } finally {
    model.dispose();
  }
}
