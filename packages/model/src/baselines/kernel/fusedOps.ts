/**
 * The dense ops of ops.ts as tfjs ops whose forward and backward run in assembly/ops.ts, with the
 * rows (or sequences) split over the baselines kernel's threads. Each call copies its operands into
 * the kernel memory after the GRU's resident state, runs, and copies the results out: nothing is
 * kept between calls, so a backward re-reads its inputs from the tensors tfjs saved.
 * The parameter words mirror the constants of assembly/ops.ts; change both together.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapView, read } from '../../kernel/fused.js';
import { dropScale, dropThreshold, type DropoutSpec } from '../dropout.js';
import { LAYER_NORM_EPS } from '../layers.js';
import type { ActivationKind, DenseOps } from '../ops.js';
import { CMD } from './commands.js';
import { tnWorkFloats } from './gruLayout.js';
import { baselineKernel } from './runtime.js';

const OPS_BYTE = 40960;
const THREAD_TABLE = 64;
const THREAD_WORDS = 8;
const MAX_SLICES = 64;
const DROP = { ON: 24, KEY: 25, THRESH: 26, SCALE: 27 } as const;
const LIN = { M: 1, N: 2, K: 3, NP: 4, KP: 5, X: 6, W: 7, B: 8, Y: 9, DY: 10, DX: 11 } as const;
const ACT = { KIND: 2, X: 3, Y: 4, DY: 5, DX: 6 } as const;
const NRM = { D: 2, DP: 3, X: 4, Y: 5, G: 6, BETA: 7, OUT: 8, DOUT: 9, DX: 10, DY: 11, EPS: 12 } as const;
const ATT = { S: 2, D: 3, NH: 4, HD: 5, SP: 6, QKV: 7, OUT: 8, DOUT: 9, DQKV: 10 } as const;

const pad4 = (n: number): number => Math.ceil(n / 4) * 4;

/** One slice of work: [r0, r1) in the op's unit, and its private buffers. */
interface Slice {
  r0: number;
  r1: number;
  scratch: number;
  part1: number;
  part2: number;
}

/**
 * One call's buffers, laid out after the GRU's resident state. `take` plans, `commit` grows the
 * memory and returns views; then the caller writes operands, parameters and runs.
 */
class Call {
  private at = baselineKernel.freeStart();
  readonly slices: Slice[] = [];

  /** Byte offset of a new buffer of `floats` floats (16-byte aligned, 16 bytes of slack for vector tails). */
  take(floats: number): number {
    const off = this.at;
    this.at += Math.ceil((floats * 4 + 16) / 16) * 16;
    return off;
  }

  /** Splits `count` units over the threads (in multiples of `unit`), with per-slice buffers of the given sizes. */
  split(count: number, unit: number, scratch: number, part1: number, part2: number): void {
    const S = Math.max(1, Math.min(baselineKernel.threads(), Math.ceil(count / unit), MAX_SLICES));
    const blocks = Math.ceil(count / unit);
    let b0 = 0;
    for (let s = 0; s < S; s++) {
      const nb = Math.floor(blocks / S) + (s < blocks % S ? 1 : 0);
      const r0 = b0 * unit;
      const r1 = Math.min(count, (b0 + nb) * unit);
      b0 += nb;
      this.slices.push({ r0, r1, scratch: scratch ? this.take(scratch) : 0, part1: part1 ? this.take(part1) : 0, part2: part2 ? this.take(part2) : 0 });
    }
  }

  /** Grows the memory for the planned buffers; returns float and int views of it. */
  commit(): { f32: Float32Array; i32: Int32Array; u32: Uint32Array } {
    const pool = baselineKernel.get();
    pool.ensureBytes(this.at);
    const buf = pool.memory.buffer;
    return { f32: new Float32Array(buf), i32: new Int32Array(buf), u32: new Uint32Array(buf) };
  }

  /** Writes the thread table and runs `cmd` on every slice. */
  run(cmd: number, i32: Int32Array): void {
    this.slices.forEach((s, k) => i32.set([s.r0, s.r1, s.scratch, s.part1, s.part2], (OPS_BYTE >> 2) + THREAD_TABLE + k * THREAD_WORDS));
    baselineKernel.get().run(cmd, this.slices.length);
  }
}

/** Writes the parameter words (integers and byte offsets; `floats` as float32 bits). */
function params(v: { f32: Float32Array; i32: Int32Array; u32: Uint32Array }, words: Record<number, number>, floats: Record<number, number> = {}): void {
  const base = OPS_BYTE >> 2;
  for (const [k, x] of Object.entries(words)) v.u32[base + Number(k)] = x >>> 0;
  for (const [k, x] of Object.entries(floats)) v.f32[base + Number(k)] = x;
}

function dropWords(drop: DropoutSpec | null): { words: Record<number, number>; floats: Record<number, number> } {
  if (drop === null) return { words: { [DROP.ON]: 0 }, floats: {} };
  return { words: { [DROP.ON]: 1, [DROP.KEY]: drop.key, [DROP.THRESH]: dropThreshold(drop.p) }, floats: { [DROP.SCALE]: dropScale(drop.p) } };
}

/** Copies rows×width values into rows of `stride` floats at byte offset `off`, zeroing the padding. */
function writeRows(f32: Float32Array, off: number, src: Float32Array, rows: number, width: number, stride: number): void {
  const at = off >> 2;
  if (width === stride) {
    f32.set(src.subarray(0, rows * width), at);
    return;
  }
  f32.fill(0, at, at + rows * stride);
  for (let r = 0; r < rows; r++) f32.set(src.subarray(r * width, (r + 1) * width), at + r * stride);
}

/** rows×width values out of rows of `stride` floats (a copy). */
function readRows(f32: Float32Array, off: number, rows: number, width: number, stride: number): Float32Array {
  const at = off >> 2;
  if (width === stride) return f32.slice(at, at + rows * width);
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) out.set(f32.subarray(at + r * stride, at + r * stride + width), r * width);
  return out;
}

/** Σ over slices of the rows×width matrices at each slice's `part` (row stride `stride`), in slice order. */
function sumParts(f32: Float32Array, slices: Slice[], part: 'part1' | 'part2', rows: number, width: number, stride: number): Float32Array {
  const out = new Float32Array(rows * width);
  for (const s of slices) {
    const at = s[part] >> 2;
    for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) out[r * width + c] += f32[at + r * stride + c];
  }
  return out;
}

/** A tensor from kernel results (already a private copy). */
function tensorOf(data: Float32Array, shape: number[]): tf.Tensor {
  return tf.tensor(data, shape, 'float32');
}

/** A tensor of `size` values at byte offset `off` of the kernel memory, copied. */
function tensorAt(f32: Float32Array, off: number, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const view = f32.subarray(off >> 2, (off >> 2) + n);
  // The wasm backend copies new tensors into its heap at once; others may keep the array.
  return tf.tensor(heapView() ? view : view.slice(), shape, 'float32');
}

function checkFloat(op: string, ts: tf.Tensor[]): void {
  for (const t of ts) if (t.dtype !== 'float32') throw new Error(`${op}: tensors must be float32 (got ${t.dtype})`);
}

function linear(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const [N, K] = weight.shape;
  if (weight.rank !== 2 || x.shape[x.rank - 1] !== K || bias.rank !== 1 || bias.shape[0] !== N) {
    throw new Error(`linear: x [${x.shape.join(', ')}], weight [${weight.shape.join(', ')}] and bias [${bias.shape.join(', ')}] do not fit`);
  }
  checkFloat('linear', [x, weight, bias]);
  const M = x.size / K;
  const NP = pad4(N), KP = pad4(K);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, ws, bs] = args as tf.Tensor[];
    (args[3] as tf.GradSaveFunc)([xs, ws]);
    const c = new Call();
    const X = c.take(M * KP), W = c.take(N * K), Bb = c.take(NP), Y = c.take(M * NP);
    c.split(M, 1, NP * KP, 0, 0);
    const v = c.commit();
    writeRows(v.f32, X, read(xs), M, K, KP);
    v.f32.set(read(ws), W >> 2);
    writeRows(v.f32, Bb, read(bs), 1, N, NP);
    params(v, { [LIN.M]: M, [LIN.N]: N, [LIN.K]: K, [LIN.NP]: NP, [LIN.KP]: KP, [LIN.X]: X, [LIN.W]: W, [LIN.B]: Bb, [LIN.Y]: Y });
    c.run(CMD.linearForward, v.i32);
    const value = NP === N ? tensorAt(v.f32, Y, [...x.shape.slice(0, -1), N]) : tensorOf(readRows(v.f32, Y, M, N, NP), [...x.shape.slice(0, -1), N]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const g = new Call();
      const gX = g.take(M * KP), gW = g.take(N * K), DY = g.take(M * NP), DX = g.take(M * KP);
      g.split(M, 1, NP * KP + tnWorkFloats(NP, KP), NP * KP, NP);
      const u = g.commit();
      writeRows(u.f32, gX, read(saved[0]), M, K, KP);
      u.f32.set(read(saved[1]), gW >> 2);
      writeRows(u.f32, DY, read(dy), M, N, NP);
      params(u, { [LIN.M]: M, [LIN.N]: N, [LIN.K]: K, [LIN.NP]: NP, [LIN.KP]: KP, [LIN.X]: gX, [LIN.W]: gW, [LIN.DY]: DY, [LIN.DX]: DX });
      g.run(CMD.linearBackward, u.i32);
      return [
        KP === K ? tensorAt(u.f32, DX, x.shape) : tensorOf(readRows(u.f32, DX, M, K, KP), x.shape),
        tensorOf(sumParts(u.f32, g.slices, 'part1', N, K, KP), [N, K]),
        tensorOf(sumParts(u.f32, g.slices, 'part2', 1, N, NP), [N]),
      ];
    };
    return { value, gradFunc };
  });
  return op(x, weight, bias);
}

function activation(x: tf.Tensor, kind: ActivationKind, drop: DropoutSpec | null): tf.Tensor {
  checkFloat('activation', [x]);
  const n = x.size;
  const nP = pad4(n);
  const code = kind === 'gelu' ? 1 : 0;
  const dw = dropWords(drop);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xs = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([xs]);
    const c = new Call();
    const X = c.take(nP), Y = c.take(nP);
    c.split(nP, 4, 0, 0, 0);
    const v = c.commit();
    writeRows(v.f32, X, read(xs), 1, n, nP);
    params(v, { [ACT.KIND]: code, [ACT.X]: X, [ACT.Y]: Y, ...dw.words }, dw.floats);
    c.run(CMD.activationForward, v.i32);
    const value = tensorAt(v.f32, Y, x.shape);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => {
      const g = new Call();
      const gX = g.take(nP), DY = g.take(nP), DX = g.take(nP);
      g.split(nP, 4, 0, 0, 0);
      const u = g.commit();
      writeRows(u.f32, gX, read(saved[0]), 1, n, nP);
      writeRows(u.f32, DY, read(dy), 1, n, nP);
      params(u, { [ACT.KIND]: code, [ACT.X]: gX, [ACT.DY]: DY, [ACT.DX]: DX, ...dw.words }, dw.floats);
      g.run(CMD.activationBackward, u.i32);
      return tensorAt(u.f32, DX, x.shape);
    };
    return { value, gradFunc };
  });
  return op(x);
}

function addNorm(x: tf.Tensor, y: tf.Tensor | null, gamma: tf.Tensor, beta: tf.Tensor, drop: DropoutSpec | null): tf.Tensor {
  const D = x.shape[x.rank - 1];
  const sameShape = y === null || (y.rank === x.rank && y.shape.every((s, i) => s === x.shape[i]));
  if (!sameShape || gamma.rank !== 1 || gamma.shape[0] !== D || beta.rank !== 1 || beta.shape[0] !== D) {
    throw new Error(`addNorm: x [${x.shape.join(', ')}], y [${y?.shape.join(', ') ?? ''}], gamma and beta do not fit`);
  }
  checkFloat('addNorm', y === null ? [x, gamma, beta] : [x, y, gamma, beta]);
  const M = x.size / D;
  const DP = pad4(D);
  const dw = dropWords(y === null ? null : drop);
  const withY = y !== null;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const ts = args.slice(0, withY ? 4 : 3) as tf.Tensor[];
    (args[ts.length] as tf.GradSaveFunc)(ts);
    const [xs, ys] = [ts[0], withY ? ts[1] : null];
    const [gs, bs] = ts.slice(withY ? 2 : 1);
    const c = new Call();
    const X = c.take(M * DP), Y = withY ? c.take(M * DP) : 0, G = c.take(DP), BETA = c.take(DP), OUT = c.take(M * DP);
    c.split(M, 1, 0, 0, 0);
    const v = c.commit();
    writeRows(v.f32, X, read(xs), M, D, DP);
    if (ys) writeRows(v.f32, Y, read(ys), M, D, DP);
    writeRows(v.f32, G, read(gs), 1, D, DP);
    writeRows(v.f32, BETA, read(bs), 1, D, DP);
    params(v, { [NRM.D]: D, [NRM.DP]: DP, [NRM.X]: X, [NRM.Y]: Y, [NRM.G]: G, [NRM.BETA]: BETA, [NRM.OUT]: OUT, ...dw.words }, { [NRM.EPS]: LAYER_NORM_EPS, ...dw.floats });
    c.run(CMD.normForward, v.i32);
    const value = DP === D ? tensorAt(v.f32, OUT, x.shape) : tensorOf(readRows(v.f32, OUT, M, D, DP), x.shape);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const g = new Call();
      const gX = g.take(M * DP), gY = withY ? g.take(M * DP) : 0, gG = g.take(DP), DOUT = g.take(M * DP), DX = g.take(M * DP), DY = withY ? g.take(M * DP) : 0;
      g.split(M, 1, 0, DP, DP);
      const u = g.commit();
      writeRows(u.f32, gX, read(saved[0]), M, D, DP);
      if (withY) writeRows(u.f32, gY, read(saved[1]), M, D, DP);
      writeRows(u.f32, gG, read(saved[withY ? 2 : 1]), 1, D, DP);
      writeRows(u.f32, DOUT, read(dy), M, D, DP);
      params(u, { [NRM.D]: D, [NRM.DP]: DP, [NRM.X]: gX, [NRM.Y]: gY, [NRM.G]: gG, [NRM.DOUT]: DOUT, [NRM.DX]: DX, [NRM.DY]: DY, ...dw.words }, { [NRM.EPS]: LAYER_NORM_EPS, ...dw.floats });
      g.run(CMD.normBackward, u.i32);
      const rows = (off: number): tf.Tensor => (DP === D ? tensorAt(u.f32, off, x.shape) : tensorOf(readRows(u.f32, off, M, D, DP), x.shape));
      const grads = [rows(DX)];
      if (withY) grads.push(rows(DY));
      grads.push(tensorOf(sumParts(u.f32, g.slices, 'part1', 1, D, DP), [D]), tensorOf(sumParts(u.f32, g.slices, 'part2', 1, D, DP), [D]));
      return grads;
    };
    return { value, gradFunc };
  });
  return withY ? op(x, y as tf.Tensor, gamma, beta) : op(x, gamma, beta);
}

function attention(qkv: tf.Tensor3D, nhead: number, drop: DropoutSpec | null): tf.Tensor3D {
  const [B, S, D3] = qkv.shape;
  const D = D3 / 3;
  if (qkv.rank !== 3 || D3 % 3 !== 0 || D % nhead !== 0) throw new Error(`attention: qkv must be B×S×3d with d a multiple of nhead = ${nhead} (got [${qkv.shape.join(', ')}])`);
  checkFloat('attention', [qkv]);
  const hd = D / nhead;
  const SP = pad4(S);
  const dw = dropWords(drop);
  const words = { [ATT.S]: S, [ATT.D]: D, [ATT.NH]: nhead, [ATT.HD]: hd, [ATT.SP]: SP, ...dw.words };
  // K, V and their gradients transposed (hd × Sp each), three key rows, two hd-vector splat blocks.
  const scratch = (4 * hd + 3) * SP + 8 * hd;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xs = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([xs]);
    const c = new Call();
    const QKV = c.take(B * S * D3), OUT = c.take(B * S * D);
    c.split(B, 1, scratch, 0, 0);
    const v = c.commit();
    v.f32.set(read(xs), QKV >> 2);
    params(v, { ...words, [ATT.QKV]: QKV, [ATT.OUT]: OUT }, dw.floats);
    c.run(CMD.attentionForward, v.i32);
    const value = tensorAt(v.f32, OUT, [B, S, D]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => {
      const g = new Call();
      const gQKV = g.take(B * S * D3), DOUT = g.take(B * S * D), DQKV = g.take(B * S * D3);
      g.split(B, 1, scratch, 0, 0);
      const u = g.commit();
      u.f32.set(read(saved[0]), gQKV >> 2);
      u.f32.set(read(dy), DOUT >> 2);
      params(u, { ...words, [ATT.QKV]: gQKV, [ATT.DOUT]: DOUT, [ATT.DQKV]: DQKV }, dw.floats);
      g.run(CMD.attentionBackward, u.i32);
      return tensorAt(u.f32, DQKV, [B, S, D3]);
    };
    return { value, gradFunc };
  });
  return op(qkv) as tf.Tensor3D;
}

/** The fused wasm implementation of the dense ops. */
export const fusedOps: DenseOps = { linear, activation, addNorm, attention };
