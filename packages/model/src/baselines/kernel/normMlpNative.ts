/**
 * ops.ts' normMlp (LayerNorm → linear → ReLU and dropout → linear, the GRU's output head) as one
 * tfjs op in the native addon (native/src/head.h): the wasm op's arithmetic (normMlp.ts), with the
 * rows split over the addon's threads. The addon keeps one call's activations for its backward; a
 * backward whose activations were replaced or released recomputes them from the inputs tfjs saved.
 */
import * as tf from '@tensorflow/tfjs-core';
import { kernelOutput, outputArray, read } from '../../kernel/op.js';
import { nativeMaskWords, type DropoutSpec } from '../dropout.js';
import { LAYER_NORM_EPS } from '../layers.js';
import type { NormMlpWeights } from '../ops.js';
import { baselinesAddon } from './nativeAddon.js';
import { baselineKernel } from './runtime.js';
import { normMlpCall, type NormMlpDims as Dims } from './normMlp.js';

let nextId = 1;
// The call whose activations the addon holds, as far as this module knows.
let resident = 0;
const params = new Float64Array(11);

/** Runs call `id`'s forward on host arrays (x, then the weights in NORM_MLP_WEIGHTS order) into y. */
function forward(id: number, d: Dims, data: Float32Array[], drop: DropoutSpec | null, y: Float32Array): void {
  params.set([id, d.M, d.H, d.F, d.O, baselineKernel.threads(), Math.fround(LAYER_NORM_EPS), ...nativeMaskWords(drop)]);
  resident = 0;
  baselinesAddon().headForward(params, data[0], data[1], data[2], data[3], data[4], data[5], data[6], y);
  resident = id;
}

/** The native head (see the header); same contract as the other normMlp implementations. */
export function nativeNormMlp(x: tf.Tensor, w: NormMlpWeights, drop: DropoutSpec | null): tf.Tensor {
  const { dims, weights } = normMlpCall(x, w);
  const { H, F, O } = dims;
  const outShape = [...x.shape.slice(0, -1), O];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const inputs = args.slice(0, 7) as tf.Tensor[];
    (args[7] as tf.GradSaveFunc)(inputs);
    const id = nextId++;
    const y = outputArray(dims.M * O);
    forward(id, dims, inputs.map(read), drop, y);
    const value = tf.tensor(y, outShape, 'float32');
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      // dx (M×H, 4 MB at the model's shapes) is written in place into its tensor; allocated before
      // any heap view is taken (it may grow the heap).
      const dx = kernelOutput([...saved[0].shape]);
      const grads = [dx.values, new Float32Array(H), new Float32Array(H), new Float32Array(F * H), new Float32Array(F), new Float32Array(O * F), new Float32Array(O)];
      const backward = (): boolean => baselinesAddon().headBackward(id, read(dy), grads[0], grads[1], grads[2], grads[3], grads[4], grads[5], grads[6]);
      try {
        if (resident !== id || !backward()) {
          forward(id, dims, saved.map(read), drop, outputArray(dims.M * O));
          if (!backward()) throw new Error(`native head: the activations of call ${id} were lost right after they were recomputed`);
        }
      } catch (err) {
        dx.discard();
        throw err;
      }
      return [dx.tensor(), ...grads.slice(1).map((g, i) => tf.tensor(g, saved[i + 1].shape, 'float32'))];
    };
    return { value, gradFunc };
  });
  return op(x, ...weights);
}
