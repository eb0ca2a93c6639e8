/**
 * Inverted dropout with seeded masks: in training a unit is kept with probability 1 − p and
 * scaled by 1/(1 − p) (as torch.nn.Dropout), so eval mode is the identity.
 *
 * Every mask has a key, one 32-bit draw from the model's pure-rand stream; element i of the mask
 * is kept when h(key, i) ≥ round(p·2³²), h being murmur3's 32-bit finaliser of i·0x9E3779B9 + key.
 * A counter-based mask can be made where it is used, in any order: the fused kernels expand the
 * same keys in wasm (assembly/simd.ts) to the same bits as the tfjs path here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { stream, streamFromState, type Rng } from './random.js';

const TWO_POW_32 = 2 ** 32;

/** One mask: its key and drop probability. */
export interface DropoutSpec {
  key: number;
  p: number;
}

/** The keep threshold of probability p on the 32-bit hash. */
export function dropThreshold(p: number): number {
  return Math.min(Math.round(p * TWO_POW_32), TWO_POW_32 - 1);
}

/** The multiplier of a kept unit, 1/(1 − p) in float32. */
export function dropScale(p: number): number {
  return Math.fround(1 / (1 - p));
}

/** The four parameter words the native addon reads a mask from: [masked, key, threshold, scale] (none: not masked). */
export function nativeMaskWords(drop: DropoutSpec | null): [number, number, number, number] {
  return drop === null ? [0, 0, 0, 1] : [1, drop.key >>> 0, dropThreshold(drop.p), dropScale(drop.p)];
}

/** h(key, i) of the header comment, as an unsigned 32-bit integer. */
export function maskHash(key: number, i: number): number {
  let x = (Math.imul(i, 0x9e3779b9) + key) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The first `size` multipliers (0 or 1/(1 − p)) of the mask `spec`. */
export function maskValues(spec: DropoutSpec, size: number): Float32Array {
  const out = new Float32Array(size);
  const threshold = dropThreshold(spec.p);
  const keep = dropScale(spec.p);
  for (let i = 0; i < size; i++) out[i] = maskHash(spec.key, i) >= threshold ? keep : 0;
  return out;
}

/** The mask `spec` as a float32 tensor of `shape` (element i of the row-major order is mask entry i). */
export function maskTensor(spec: DropoutSpec, shape: number[]): tf.Tensor {
  return tf.tensor(maskValues(spec, shape.reduce((a, b) => a * b, 1)), shape, 'float32');
}

/** The dropout keys of one model: a stream seeded by the model's seed, one draw per mask. */
export class DropoutStream {
  private rng: Rng;

  /** Keys for `seed` (the parameter stream's sibling: 2 jumps instead of 1, so the two never overlap). */
  constructor(seed: number) {
    this.rng = stream(seed, 2);
  }

  /** The next mask's spec for probability p (one draw), or null when p = 0 (no draw: nothing is dropped). */
  next(p: number): DropoutSpec | null {
    return p === 0 ? null : { key: this.rng.next() >>> 0, p };
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
