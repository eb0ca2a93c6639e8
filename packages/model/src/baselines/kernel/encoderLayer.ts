/**
 * A whole encoder layer (ops.ts' encoderLayer) as one tfjs op on the baselines kernel. Its seven
 * steps run as kernel commands on buffers that stay in the kernel memory: only x comes in and the
 * layer's output goes out, instead of every intermediate crossing into tfjs and back. When the
 * forward runs under a gradient tape, its activations stay resident (a region per call) until the
 * backward, which then runs on them; a backward whose region is gone (evicted, or the kernel was
 * disposed) recomputes its forward first. Widths that are not multiples of 4 use the stateless ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { read } from '../../kernel/op.js';
import { composeEncoderLayer, ENCODER_WEIGHTS, type EncoderLayerDropout, type EncoderLayerWeights } from '../ops.js';
import { fusedOps } from './fusedOps.js';
import { wasmSteps, type EncoderSteps, type LinearBackwardArgs } from './encoderSteps.js';
import * as k from './opsCall.js';
import { layoutRegion, resident, underTape, type Region as ResidentRegion } from './resident.js';
import { baselineKernel } from './runtime.js';

type Buf = 'X' | (typeof ENCODER_WEIGHTS)[number] | 'QKV' | 'ATT' | 'SA' | 'X1' | 'F1' | 'A' | 'F2' | 'X2';
type Region = ResidentRegion<Buf>;

interface Dims {
  B: number;
  S: number;
  d: number;
  ff: number;
  nhead: number;
  M: number;
}

function weightSizes(d: Dims): Record<(typeof ENCODER_WEIGHTS)[number], number> {
  const { d: D, ff } = d;
  return { inW: 3 * D * D, inB: 3 * D, outW: D * D, outB: D, l1W: ff * D, l1B: ff, l2W: D * ff, l2B: D, n1g: D, n1b: D, n2g: D, n2b: D };
}

/** Sizes (floats) of a call's resident buffers: the input, the weights, every activation. */
function bufferSizes(d: Dims): Record<Buf, number> {
  const { M, d: D, ff } = d;
  return { X: M * D, ...weightSizes(d), QKV: M * 3 * D, ATT: M * D, SA: M * D, X1: M * D, F1: M * ff, A: M * ff, F2: M * D, X2: M * D };
}

/** The slices (row split) with private buffers big enough for every step of the layer. */
function slices(a: k.Arena, d: Dims): k.Slice[] {
  const { M, S, d: D, ff, nhead } = d;
  const scratch = Math.max(k.linearScratch(3 * D, D), k.linearScratch(D, D), k.linearScratch(ff, D), k.linearScratch(D, ff), k.attentionScratch(S, D / nhead));
  return a.slices(M, 1, scratch, Math.max(3 * D * D, ff * D), Math.max(3 * D, ff));
}

/** Copies x and the weights into `r` and runs the forward (its linear, activation and attention steps on `steps`); the output is at r.at.X2. */
function forward(r: Region, d: Dims, xData: Float32Array, w: Float32Array[], drop: EncoderLayerDropout, steps: EncoderSteps): void {
  const a = new k.Arena(r.end);
  const rows = slices(a, d);
  const v = a.commit();
  const { B, M, S, d: D, ff, nhead } = d;
  v.f32.set(xData, r.at.X >> 2);
  ENCODER_WEIGHTS.forEach((n, i) => v.f32.set(w[i], r.at[n] >> 2));
  const bySeq = k.resplit(rows, B, 1);
  const elems = k.resplit(rows, M * ff, 4);
  steps.linearForward(v, rows, { M, N: 3 * D, K: D, X: r.at.X, W: r.at.inW, B: r.at.inB, Y: r.at.QKV });
  steps.attentionForward(v, bySeq, { S, D, nhead, QKV: r.at.QKV, OUT: r.at.ATT, drop: drop.attn });
  steps.linearForward(v, rows, { M, N: D, K: D, X: r.at.ATT, W: r.at.outW, B: r.at.outB, Y: r.at.SA });
  k.normForward(v, rows, { D, X: r.at.X, Y: r.at.SA, G: r.at.n1g, BETA: r.at.n1b, OUT: r.at.X1, drop: drop.attnOut });
  steps.linearForward(v, rows, { M, N: ff, K: D, X: r.at.X1, W: r.at.l1W, B: r.at.l1B, Y: r.at.F1 });
  steps.activationForward(v, elems, { gelu: true, X: r.at.F1, Y: r.at.A, drop: drop.hidden });
  steps.linearForward(v, rows, { M, N: D, K: ff, X: r.at.A, W: r.at.l2W, B: r.at.l2B, Y: r.at.F2 });
  k.normForward(v, rows, { D, X: r.at.X1, Y: r.at.F2, G: r.at.n2g, BETA: r.at.n2b, OUT: r.at.X2, drop: drop.ffOut });
}

/** Runs the backward on `r` for output gradient dOut; returns dx and the weights' gradients (in ENCODER_WEIGHTS order). */
function backward(r: Region, d: Dims, dOut: Float32Array, drop: EncoderLayerDropout, steps: EncoderSteps): Float32Array[] {
  const { B, M, S, d: D, ff, nhead } = d;
  const a = new k.Arena(r.end);
  const DX2 = a.take(M * D), DX1 = a.take(M * D), DF2 = a.take(M * D), DA = a.take(M * ff), DF1 = a.take(M * ff);
  const DSA = a.take(M * D), DATT = a.take(M * D), DQKV = a.take(M * 3 * D), DX = a.take(M * D);
  const rows = slices(a, d);
  const v = a.commit();
  v.f32.set(dOut, DX2 >> 2);
  const bySeq = k.resplit(rows, B, 1);
  const elems = k.resplit(rows, M * ff, 4);
  const g: Partial<Record<(typeof ENCODER_WEIGHTS)[number], Float32Array>> = {};
  // Partial weight gradients are summed as soon as a step has made them (the next step reuses the slices' buffers).
  const linear = (wn: 'inW' | 'outW' | 'l1W' | 'l2W', bn: 'inB' | 'outB' | 'l1B' | 'l2B', a: LinearBackwardArgs): void => {
    [g[wn], g[bn]] = steps.linearBackward(v, rows, a);
  };
  const normGrads = (gn: 'n1g' | 'n2g', bn: 'n1b' | 'n2b'): void => {
    g[gn] = k.sumParts(v.f32, rows, 'part1', 1, D, D);
    g[bn] = k.sumParts(v.f32, rows, 'part2', 1, D, D);
  };
  k.normBackward(v, rows, { D, X: r.at.X1, Y: r.at.F2, G: r.at.n2g, DOUT: DX2, DX: DX1, DY: DF2, drop: drop.ffOut });
  normGrads('n2g', 'n2b');
  linear('l2W', 'l2B', { M, N: D, K: ff, X: r.at.A, W: r.at.l2W, DY: DF2, DX: DA });
  steps.activationBackward(v, elems, { gelu: true, X: r.at.F1, DY: DA, DX: DF1, drop: drop.hidden });
  // x1 feeds both the feed-forward and the second residual: its gradients add up.
  linear('l1W', 'l1B', { M, N: ff, K: D, X: r.at.X1, W: r.at.l1W, DY: DF1, DX: DX1, acc: true });
  k.normBackward(v, rows, { D, X: r.at.X, Y: r.at.SA, G: r.at.n1g, DOUT: DX1, DX, DY: DSA, drop: drop.attnOut });
  normGrads('n1g', 'n1b');
  linear('outW', 'outB', { M, N: D, K: D, X: r.at.ATT, W: r.at.outW, DY: DSA, DX: DATT });
  steps.attentionBackward(v, bySeq, { S, D, nhead, QKV: r.at.QKV, DOUT: DATT, DQKV: DQKV, drop: drop.attn });
  linear('inW', 'inB', { M, N: 3 * D, K: D, X: r.at.X, W: r.at.inW, DY: DQKV, DX, acc: true });
  return [v.f32.slice(DX >> 2, (DX >> 2) + M * D), ...ENCODER_WEIGHTS.map((n) => g[n] as Float32Array)];
}

/** The fused encoder layer (see the header), its linear, activation and attention steps on `steps`; the tfjs path composes the same steps from tfjsOps. */
export function encoderLayer(x: tf.Tensor3D, w: EncoderLayerWeights, nhead: number, drop: EncoderLayerDropout, steps: EncoderSteps = wasmSteps): tf.Tensor3D {
  const [B, S, D] = x.shape;
  const ff = w.l1W.shape[0];
  // The attention reads rows of exactly 3d and d floats, and the masks count unpadded elements.
  if (D % 4 !== 0 || ff % 4 !== 0) return composeEncoderLayer(fusedOps, x, w, nhead, drop);
  const weights = ENCODER_WEIGHTS.map((n) => w[n]);
  k.checkFloat('encoderLayer', [x, ...weights]);
  const dims: Dims = { B, S, d: D, ff, nhead, M: B * S };
  const sizes = weightSizes(dims);
  ENCODER_WEIGHTS.forEach((n, i) => {
    if (weights[i].size !== sizes[n]) throw new Error(`encoderLayer: ${n} has shape [${weights[i].shape.join(', ')}], which does not fit d = ${D}, ff = ${ff}`);
  });
  // Only a forward under a gradient tape can be followed by a backward: keep its activations.
  const taped = underTape();
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const inputs = args.slice(0, 13) as tf.Tensor[];
    (args[13] as tf.GradSaveFunc)(inputs);
    const id = resident.nextId();
    const region = taped ? resident.push(id, bufferSizes(dims)) : layoutRegion(id, baselineKernel.freeStart(), bufferSizes(dims));
    forward(region, dims, read(inputs[0]), inputs.slice(1).map(read), drop, steps);
    const value = k.tensorAt(k.views().f32, region.at.X2, [B, S, D]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      let r = resident.find<Buf>(id);
      if (r === null) {
        r = resident.push(id, bufferSizes(dims));
        forward(r, dims, read(saved[0]), saved.slice(1).map(read), drop, steps);
      }
      const grads = backward(r, dims, read(dy), drop, steps);
      resident.release(id);
      return [tf.tensor(grads[0], [B, S, D], 'float32'), ...grads.slice(1).map((gr, i) => tf.tensor(gr, saved[i + 1].shape, 'float32'))];
    };
    return { value, gradFunc };
  });
  return op(x, ...weights) as tf.Tensor3D;
}
