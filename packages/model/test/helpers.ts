/** Shared test helpers: the wasm backend, tolerance checks. */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/index.js';

/** Tests run on wasm (much faster than cpu); the backend test is the exception. */
export async function useWasm(): Promise<void> {
  await selectBackend('wasm');
}

/** Largest |a_i − b_i| / (atol + rtol·|b_i|); ≤ 1 means every element is within tolerance. */
export function worstRatio(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): { ratio: number; index: number } {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let ratio = 0;
  let index = -1;
  for (let i = 0; i < actual.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    // Equal values pass even where the tolerance is 0 (a whole-zero expected tensor): 0/0 is no error.
    const r = diff === 0 ? 0 : diff / (atol + rtol * Math.abs(expected[i]));
    if (!(r <= ratio)) {
      ratio = r;
      index = i;
    }
  }
  return { ratio, index };
}

/** Max |x| of a list. */
export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

export { tf };
