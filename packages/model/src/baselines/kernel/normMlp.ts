/**
 * ops.ts' normMlp (LayerNorm → linear → ReLU and dropout → linear, the GRU's output head) as one
 * tfjs op on the baselines kernel: x comes in, the output goes out, and the intermediates stay in
 * the kernel memory from the forward to its backward (resident.ts). Hidden and input widths that
 * are not multiples of 4 use the stateless ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { read } from '../../kernel/op.js';
import type { DropoutSpec } from '../dropout.js';
import { composeNormMlp, NORM_MLP_WEIGHTS, type NormMlpWeights } from '../ops.js';
import { fusedOps } from './fusedOps.js';
import * as k from './opsCall.js';
import { layoutRegion, resident, underTape, type Region } from './resident.js';
import { baselineKernel } from './runtime.js';

type Buf = 'X' | (typeof NORM_MLP_WEIGHTS)[number] | 'N' | 'F1' | 'A' | 'Y';

/** A head call's sizes: M rows of H features, F hidden units, O outputs. */
export interface NormMlpDims {
  M: number;
  H: number;
  F: number;
  O: number;
}
type Dims = NormMlpDims;

/** Checks a head call (float32, each weight's shape against x's H and w1's, w2's sizes) and returns its sizes and weights in NORM_MLP_WEIGHTS order. */
export function normMlpCall(x: tf.Tensor, w: NormMlpWeights): { dims: NormMlpDims; weights: tf.Tensor[] } {
  const H = x.shape[x.rank - 1];
  const [F, O] = [w.w1.shape[0], w.w2.shape[0]];
  const weights = NORM_MLP_WEIGHTS.map((n) => w[n]);
  k.checkFloat('normMlp', [x, ...weights]);
  const expected: number[][] = [[H], [H], [F, H], [F], [O, F], [O]];
  NORM_MLP_WEIGHTS.forEach((n, i) => {
    const s = weights[i].shape;
    if (s.length !== expected[i].length || s.some((v, j) => v !== expected[i][j])) throw new Error(`normMlp: ${n} has shape [${s.join(', ')}], expected [${expected[i].join(', ')}]`);
  });
  return { dims: { M: x.size / H, H, F, O }, weights };
}

/** Sizes (floats) of a call's resident buffers; biases and the output padded to multiples of 4. */
function bufferSizes(d: Dims): Record<Buf, number> {
  const { M, H, F, O } = d;
  const OP = k.pad4(O);
  return { X: M * H, g: H, b: H, w1: F * H, b1: F, w2: O * F, b2: OP, N: M * H, F1: M * F, A: M * F, Y: M * OP };
}

function slices(a: k.Arena, d: Dims): k.Slice[] {
  const { M, H, F, O } = d;
  return a.slices(M, 1, Math.max(k.linearScratch(F, H), k.linearScratch(O, F)), Math.max(F * H, k.pad4(O) * F, H), Math.max(F, k.pad4(O), H));
}

function forward(r: Region<Buf>, d: Dims, data: Float32Array[], drop: DropoutSpec | null): void {
  const a = new k.Arena(r.end);
  const rows = slices(a, d);
  const v = a.commit();
  const { M, H, F, O } = d;
  v.f32.set(data[0], r.at.X >> 2);
  NORM_MLP_WEIGHTS.forEach((n, i) => (n === 'b2' ? k.writeRows(v.f32, r.at.b2, data[i + 1], 1, O, k.pad4(O)) : v.f32.set(data[i + 1], r.at[n] >> 2)));
  k.normForward(v, rows, { D: H, X: r.at.X, Y: 0, G: r.at.g, BETA: r.at.b, OUT: r.at.N, drop: null });
  k.linearForward(v, rows, { M, N: F, K: H, X: r.at.N, W: r.at.w1, B: r.at.b1, Y: r.at.F1 });
  k.activationForward(v, k.resplit(rows, M * F, 4), { gelu: false, X: r.at.F1, Y: r.at.A, drop });
  k.linearForward(v, rows, { M, N: O, K: F, X: r.at.A, W: r.at.w2, B: r.at.b2, Y: r.at.Y });
}

/** dx and the weights' gradients (NORM_MLP_WEIGHTS order) for the output gradient dOut. */
function backward(r: Region<Buf>, d: Dims, dOut: Float32Array, drop: DropoutSpec | null): Float32Array[] {
  const { M, H, F, O } = d;
  const OP = k.pad4(O);
  const a = new k.Arena(r.end);
  const DY = a.take(M * OP), DA = a.take(M * F), DF1 = a.take(M * F), DN = a.take(M * H), DX = a.take(M * H);
  const rows = slices(a, d);
  const v = a.commit();
  k.writeRows(v.f32, DY, dOut, M, O, OP);
  k.linearBackward(v, rows, { M, N: O, K: F, X: r.at.A, W: r.at.w2, DY, DX: DA });
  const dW2 = k.sumParts(v.f32, rows, 'part1', O, F, F), db2 = k.sumParts(v.f32, rows, 'part2', 1, O, OP);
  k.activationBackward(v, k.resplit(rows, M * F, 4), { gelu: false, X: r.at.F1, DY: DA, DX: DF1, drop });
  k.linearBackward(v, rows, { M, N: F, K: H, X: r.at.N, W: r.at.w1, DY: DF1, DX: DN });
  const dW1 = k.sumParts(v.f32, rows, 'part1', F, H, H), db1 = k.sumParts(v.f32, rows, 'part2', 1, F, F);
  k.normBackward(v, rows, { D: H, X: r.at.X, Y: 0, G: r.at.g, DOUT: DN, DX, DY: 0, drop: null });
  const dg = k.sumParts(v.f32, rows, 'part1', 1, H, H), db = k.sumParts(v.f32, rows, 'part2', 1, H, H);
  return [v.f32.slice(DX >> 2, (DX >> 2) + M * H), dg, db, dW1, db1, dW2, db2];
}

/** The fused head (see the header); the tfjs path composes the same steps from tfjsOps. */
export function normMlp(x: tf.Tensor, w: NormMlpWeights, drop: DropoutSpec | null): tf.Tensor {
  const H = x.shape[x.rank - 1];
  const [F, O] = [w.w1.shape[0], w.w2.shape[0]];
  // The activation's mask counts unpadded elements, and LayerNorm's rows are read unpadded.
  if (H % 4 !== 0 || F % 4 !== 0) return composeNormMlp(fusedOps, x, w, drop);
  const { dims, weights } = normMlpCall(x, w);
  const outShape = [...x.shape.slice(0, -1), O];
  const taped = underTape();
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const inputs = args.slice(0, 7) as tf.Tensor[];
    (args[7] as tf.GradSaveFunc)(inputs);
    const id = resident.nextId();
    const region = taped ? resident.push(id, bufferSizes(dims)) : layoutRegion(id, baselineKernel.freeStart(), bufferSizes(dims));
    forward(region, dims, inputs.map(read), drop);
    const value = k.tensorRows(k.views().f32, region.at.Y, dims.M, O, k.pad4(O), outShape);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      let r = resident.find<Buf>(id);
      if (r === null) {
        r = resident.push(id, bufferSizes(dims));
        forward(r, dims, saved.map(read), drop);
      }
      const grads = backward(r, dims, read(dy), drop);
      resident.release(id);
      return grads.map((g, i) => tf.tensor(g, saved[i].shape, 'float32'));
    };
    return { value, gradFunc };
  });
  return op(x, ...weights);
}
