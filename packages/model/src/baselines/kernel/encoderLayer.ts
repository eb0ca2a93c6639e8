/**
 * A whole encoder layer (ops.ts' encoderLayer) as one tfjs op on the baselines kernel. Its seven
 * steps run as kernel commands on buffers that stay in the kernel memory: only x comes in and the
 * layer's output goes out, instead of every intermediate crossing into tfjs and back. When the
 * forward runs under a gradient tape, its activations stay resident (a region per call) until the
 * backward, which then runs on them; a backward whose region is gone (evicted, or the kernel was
 * disposed) recomputes its forward first. Widths that are not multiples of 4 use the stateless ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { read } from '../../kernel/fused.js';
import { composeEncoderLayer, ENCODER_WEIGHTS, type EncoderLayerDropout, type EncoderLayerWeights } from '../ops.js';
import { fusedOps } from './fusedOps.js';
import * as k from './opsCall.js';
import type { WasmPool } from './pool.js';
import { baselineKernel } from './runtime.js';

/** Resident activations are dropped (to be recomputed) rather than grow the kernel memory past this. */
const MAX_RESIDENT_BYTES = 1 << 30;

/** Byte offsets of one call's resident buffers: the input, the weights, every activation. */
interface Region {
  id: number;
  start: number;
  end: number;
  X: number;
  W: Record<(typeof ENCODER_WEIGHTS)[number], number>;
  QKV: number;
  ATT: number;
  SA: number;
  X1: number;
  F1: number;
  A: number;
  F2: number;
  X2: number;
}

interface Dims {
  B: number;
  S: number;
  d: number;
  ff: number;
  nhead: number;
  M: number;
}

/** The resident regions, a stack above the GRU's state; cleared when the kernel or the GRU's extent changes. */
class Store {
  private regions: Region[] = [];
  private pool: WasmPool | null = null;

  private validate(): void {
    const pool = baselineKernel.get();
    if (pool !== this.pool || (this.regions.length && this.regions[0].start < baselineKernel.layersStart())) this.regions = [];
    this.pool = pool;
    this.publish();
  }

  private publish(): void {
    baselineKernel.reserveLayers(this.regions.length ? this.regions[this.regions.length - 1].end : 0);
  }

  /** Lays out a new region on top (dropping every region when the cap would be passed). */
  push(id: number, dims: Dims): Region {
    this.validate();
    let start = this.regions.length ? this.regions[this.regions.length - 1].end : baselineKernel.layersStart();
    if (start + regionBytes(dims) - baselineKernel.layersStart() > MAX_RESIDENT_BYTES) {
      this.regions = [];
      start = baselineKernel.layersStart();
    }
    const r = layout(id, start, dims);
    this.regions.push(r);
    this.publish();
    return r;
  }

  /** The region of call `id`, if it is still intact. */
  find(id: number): Region | null {
    this.validate();
    return this.regions.find((r) => r.id === id) ?? null;
  }

  /** Forgets call `id`'s region; the memory is reused once every region above it is gone too. */
  release(id: number): void {
    this.regions = this.regions.filter((r) => r.id !== id);
    this.publish();
  }
}

const store = new Store();
let nextId = 1;

function weightSizes(d: Dims): Record<(typeof ENCODER_WEIGHTS)[number], number> {
  const { d: D, ff } = d;
  return { inW: 3 * D * D, inB: 3 * D, outW: D * D, outB: D, l1W: ff * D, l1B: ff, l2W: D * ff, l2B: D, n1g: D, n1b: D, n2g: D, n2b: D };
}

function layout(id: number, start: number, d: Dims): Region {
  const a = new k.Arena(start);
  const { M, d: D, ff } = d;
  const sizes = weightSizes(d);
  const X = a.take(M * D);
  const W = Object.fromEntries(ENCODER_WEIGHTS.map((n) => [n, a.take(sizes[n])])) as Region['W'];
  return { id, start, X, W, QKV: a.take(M * 3 * D), ATT: a.take(M * D), SA: a.take(M * D), X1: a.take(M * D), F1: a.take(M * ff), A: a.take(M * ff), F2: a.take(M * D), X2: a.take(M * D), end: a.at };
}

function regionBytes(d: Dims): number {
  const r = layout(0, 0, d);
  return r.end;
}

/** The slices (row split) with private buffers big enough for every step of the layer. */
function slices(a: k.Arena, d: Dims): k.Slice[] {
  const { M, S, d: D, ff, nhead } = d;
  const scratch = Math.max(k.linearScratch(3 * D, D), k.linearScratch(D, D), k.linearScratch(ff, D), k.linearScratch(D, ff), k.attentionScratch(S, D / nhead));
  return a.slices(M, 1, scratch, Math.max(3 * D * D, ff * D), Math.max(3 * D, ff));
}

/** Copies x and the weights into `r` and runs the forward; the output is at r.X2. */
function forward(r: Region, d: Dims, xData: Float32Array, w: Float32Array[], drop: EncoderLayerDropout): void {
  const a = new k.Arena(r.end);
  const rows = slices(a, d);
  const v = a.commit();
  const { B, M, S, d: D, ff, nhead } = d;
  v.f32.set(xData, r.X >> 2);
  ENCODER_WEIGHTS.forEach((n, i) => v.f32.set(w[i], r.W[n] >> 2));
  const bySeq = k.resplit(rows, B, 1);
  const elems = k.resplit(rows, M * ff, 4);
  k.linearForward(v, rows, { M, N: 3 * D, K: D, X: r.X, W: r.W.inW, B: r.W.inB, Y: r.QKV });
  k.attentionForward(v, bySeq, { S, D, nhead, QKV: r.QKV, OUT: r.ATT, drop: drop.attn });
  k.linearForward(v, rows, { M, N: D, K: D, X: r.ATT, W: r.W.outW, B: r.W.outB, Y: r.SA });
  k.normForward(v, rows, { D, X: r.X, Y: r.SA, G: r.W.n1g, BETA: r.W.n1b, OUT: r.X1, drop: drop.attnOut });
  k.linearForward(v, rows, { M, N: ff, K: D, X: r.X1, W: r.W.l1W, B: r.W.l1B, Y: r.F1 });
  k.activationForward(v, elems, { gelu: true, X: r.F1, Y: r.A, drop: drop.hidden });
  k.linearForward(v, rows, { M, N: D, K: ff, X: r.A, W: r.W.l2W, B: r.W.l2B, Y: r.F2 });
  k.normForward(v, rows, { D, X: r.X1, Y: r.F2, G: r.W.n2g, BETA: r.W.n2b, OUT: r.X2, drop: drop.ffOut });
}

/** Runs the backward on `r` for output gradient dOut; returns dx and the weights' gradients (in ENCODER_WEIGHTS order). */
function backward(r: Region, d: Dims, dOut: Float32Array, drop: EncoderLayerDropout): Float32Array[] {
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
  const linearGrads = (wn: 'inW' | 'outW' | 'l1W' | 'l2W', bn: 'inB' | 'outB' | 'l1B' | 'l2B', N: number, K: number): void => {
    g[wn] = k.sumParts(v.f32, rows, 'part1', N, K, K);
    g[bn] = k.sumParts(v.f32, rows, 'part2', 1, N, N);
  };
  const normGrads = (gn: 'n1g' | 'n2g', bn: 'n1b' | 'n2b'): void => {
    g[gn] = k.sumParts(v.f32, rows, 'part1', 1, D, D);
    g[bn] = k.sumParts(v.f32, rows, 'part2', 1, D, D);
  };
  k.normBackward(v, rows, { D, X: r.X1, Y: r.F2, G: r.W.n2g, DOUT: DX2, DX: DX1, DY: DF2, drop: drop.ffOut });
  normGrads('n2g', 'n2b');
  k.linearBackward(v, rows, { M, N: D, K: ff, X: r.A, W: r.W.l2W, DY: DF2, DX: DA });
  linearGrads('l2W', 'l2B', D, ff);
  k.activationBackward(v, elems, { gelu: true, X: r.F1, DY: DA, DX: DF1, drop: drop.hidden });
  // x1 feeds both the feed-forward and the second residual: its gradients add up.
  k.linearBackward(v, rows, { M, N: ff, K: D, X: r.X1, W: r.W.l1W, DY: DF1, DX: DX1, acc: true });
  linearGrads('l1W', 'l1B', ff, D);
  k.normBackward(v, rows, { D, X: r.X, Y: r.SA, G: r.W.n1g, DOUT: DX1, DX, DY: DSA, drop: drop.attnOut });
  normGrads('n1g', 'n1b');
  k.linearBackward(v, rows, { M, N: D, K: D, X: r.ATT, W: r.W.outW, DY: DSA, DX: DATT });
  linearGrads('outW', 'outB', D, D);
  k.attentionBackward(v, bySeq, { S, D, nhead, QKV: r.QKV, DOUT: DATT, DQKV: DQKV, drop: drop.attn });
  k.linearBackward(v, rows, { M, N: 3 * D, K: D, X: r.X, W: r.W.inW, DY: DQKV, DX, acc: true });
  linearGrads('inW', 'inB', 3 * D, D);
  return [v.f32.slice(DX >> 2, (DX >> 2) + M * D), ...ENCODER_WEIGHTS.map((n) => g[n] as Float32Array)];
}

/** The fused encoder layer (see the header); the tfjs path composes the same steps from tfjsOps. */
export function encoderLayer(x: tf.Tensor3D, w: EncoderLayerWeights, nhead: number, drop: EncoderLayerDropout): tf.Tensor3D {
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
  const taped = (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const inputs = args.slice(0, 13) as tf.Tensor[];
    (args[13] as tf.GradSaveFunc)(inputs);
    const id = nextId++;
    const region = taped ? store.push(id, dims) : layout(id, baselineKernel.freeStart(), dims);
    forward(region, dims, read(inputs[0]), inputs.slice(1).map(read), drop);
    const value = k.tensorAt(k.views().f32, region.X2, [B, S, D]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      let r = store.find(id);
      if (r === null) {
        r = store.push(id, dims);
        forward(r, dims, read(saved[0]), saved.slice(1).map(read), drop);
      }
      const grads = backward(r, dims, read(dy), drop);
      store.release(id);
      return [tf.tensor(grads[0], [B, S, D], 'float32'), ...grads.slice(1).map((gr, i) => tf.tensor(gr, saved[i + 1].shape, 'float32'))];
    };
    return { value, gradFunc };
  });
  return op(x, ...weights) as tf.Tensor3D;
}
