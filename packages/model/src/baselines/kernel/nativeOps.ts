/**
 * The dense ops under the 'native' kernel: the GRU's output head (normMlp) in the native addon, the
 * rest (linear, activation, addNorm, attention, the transformer's encoder layer) the fused wasm ops.
 */
import type { DenseOps } from '../ops.js';
import { fusedOps } from './fusedOps.js';
import { nativeNormMlp } from './normMlpNative.js';

/** fusedOps with the native head. */
export const nativeOps: DenseOps = { ...fusedOps, normMlp: nativeNormMlp };
