/**
 * The dense ops under the 'native' kernel: the GRU's output head (normMlp) and the transformer
 * encoder layer's linear and activation steps in the native addon, the rest (linear, activation,
 * addNorm, attention, the encoder layer's attention and LayerNorms) the fused wasm ops.
 */
import type { DenseOps } from '../ops.js';
import { encoderLayer } from './encoderLayer.js';
import { fusedOps } from './fusedOps.js';
import { nativeSteps } from './encoderSteps.js';
import { nativeNormMlp } from './normMlpNative.js';

/** fusedOps with the native head and the encoder layer's native linear and activation steps. */
export const nativeOps: DenseOps = { ...fusedOps, normMlp: nativeNormMlp, encoderLayer: (x, w, nhead, drop) => encoderLayer(x, w, nhead, drop, nativeSteps) };
