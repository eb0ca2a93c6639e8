/**
 * The dense ops under the 'native' kernel: the GRU's output head (normMlp) and the transformer
 * encoder layer's linear, activation and attention steps in the native addon, the rest (linear,
 * activation, addNorm, attention as single ops, the encoder layer's LayerNorms) the fused wasm ops.
 */
import type { DenseOps } from '../ops.js';
import { encoderLayer } from './encoderLayer.js';
import { fusedOps } from './fusedOps.js';
import { nativeSteps } from './encoderSteps.js';
import { nativeNormMlp } from './normMlpNative.js';

/** fusedOps with the native head and the encoder layer's native linear, activation and attention steps. */
export const nativeOps: DenseOps = { ...fusedOps, normMlp: nativeNormMlp, encoderLayer: (x, w, nhead, drop) => encoderLayer(x, w, nhead, drop, nativeSteps) };
