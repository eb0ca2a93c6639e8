/**
 * Inverted dropout with masks from a seeded stream: in training a unit is kept with probability
 * 1 − p and scaled by 1/(1 − p) (as torch.nn.Dropout), so eval mode is the identity.
 */
import * as tf from '@tensorflow/tfjs-core';
import { stream, streamFromState, type Rng } from './random.js';

const TWO_POW_32 = 2 ** 32;

/** The dropout masks of one model: a stream seeded by the model's seed, advanced by every mask drawn. */
export class DropoutStream {
  private rng: Rng;

  /** Masks for `seed` (the parameter stream's sibling: 2 jumps instead of 1, so the two never overlap). */
  constructor(seed: number) {
    this.rng = stream(seed, 2);
  }

  /**
   * Multipliers of shape `shape`: 0 with probability p, else 1/(1 − p). One 32-bit draw per element,
   * dropped when it falls below p·2^32, in row-major order.
   */
  maskValues(size: number, p: number): Float32Array {
    const out = new Float32Array(size);
    const keep = Math.fround(1 / (1 - p));
    const threshold = Math.round(p * TWO_POW_32);
    const rng = this.rng;
    for (let i = 0; i < size; i++) out[i] = rng.next() >>> 0 >= threshold ? keep : 0;
    return out;
  }

  /** The mask as a float32 tensor (see maskValues). */
  mask(shape: number[], p: number): tf.Tensor {
    return tf.tensor(this.maskValues(shape.reduce((a, b) => a * b, 1), p), shape, 'float32');
  }

  /** The stream's position, for checkpoints: restoring it replays the same masks. */
  getState(): number[] {
    return [...this.rng.getState()];
  }

  /** Continues from a position saved with getState. */
  setState(state: readonly number[]): void {
    if (!Array.isArray(state) || state.length !== 4 || !state.every((x) => Number.isInteger(x))) {
      throw new Error(`dropout state: expected 4 integers from getState() (got ${JSON.stringify(state)})`);
    }
    this.rng = streamFromState(state);
  }
}

/** x times a fresh mask in training with p > 0; x itself otherwise. */
export function dropout(x: tf.Tensor, p: number, masks: DropoutStream | null): tf.Tensor {
  if (masks === null || p === 0) return x;
  return tf.mul(x, masks.mask([...x.shape], p));
}
