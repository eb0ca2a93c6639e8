/**
 * Running assembly/ops.ts's commands: buffers laid out in the kernel memory, the parameter block
 * (its words mirror the constants of assembly/ops.ts; change both together), the slices' thread
 * table, and copies in and out. fusedOps.ts (one op per call) and encoderLayer.ts (a whole layer
 * whose activations stay in the kernel memory) are both made of these.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapView } from '../../kernel/op.js';
import { dropScale, dropThreshold, type DropoutSpec } from '../dropout.js';
import { LAYER_NORM_EPS } from '../layers.js';
import { CMD } from './commands.js';
import { tnWorkFloats } from './gruLayout.js';
import { baselineKernel } from './runtime.js';

const OPS_WORD = 40960 >> 2;
const THREAD_TABLE = 64;
const THREAD_WORDS = 8;
const MAX_SLICES = 64;
const DROP = { ON: 24, KEY: 25, THRESH: 26, SCALE: 27 } as const;
const LIN = { M: 1, N: 2, K: 3, NP: 4, KP: 5, X: 6, W: 7, B: 8, Y: 9, DY: 10, DX: 11, DXACC: 12 } as const;
const ACT = { KIND: 2, X: 3, Y: 4, DY: 5, DX: 6 } as const;
const NRM = { D: 2, DP: 3, X: 4, Y: 5, G: 6, BETA: 7, OUT: 8, DOUT: 9, DX: 10, DY: 11, EPS: 12 } as const;
const ATT = { S: 2, D: 3, NH: 4, HD: 5, SP: 6, QKV: 7, OUT: 8, DOUT: 9, DQKV: 10 } as const;

export const pad4 = (n: number): number => Math.ceil(n / 4) * 4;

/** One slice of work: [r0, r1) in the op's unit, and its private buffers. */
export interface Slice {
  r0: number;
  r1: number;
  scratch: number;
  part1: number;
  part2: number;
}

/** Views of the kernel memory (valid until it grows). */
export interface Views {
  f32: Float32Array;
  u32: Uint32Array;
}

/** A bump allocator over the kernel memory from `start`: 16-byte aligned buffers with 16 bytes of slack (for vector tails). */
export class Arena {
  constructor(public at: number) {}

  /** Byte offset of a new buffer of `floats` floats. */
  take(floats: number): number {
    const off = this.at;
    this.at += Math.ceil((floats * 4 + 16) / 16) * 16;
    return off;
  }

  /** `count` units split over the kernel's threads in multiples of `unit`, each slice with private buffers of the given sizes (floats). */
  slices(count: number, unit: number, scratch: number, part1: number, part2: number): Slice[] {
    const blocks = Math.ceil(count / unit);
    const S = Math.max(1, Math.min(baselineKernel.threads(), blocks, MAX_SLICES));
    const out: Slice[] = [];
    let b0 = 0;
    for (let s = 0; s < S; s++) {
      const nb = Math.floor(blocks / S) + (s < blocks % S ? 1 : 0);
      out.push({ r0: b0 * unit, r1: Math.min(count, (b0 + nb) * unit), scratch: scratch ? this.take(scratch) : 0, part1: part1 ? this.take(part1) : 0, part2: part2 ? this.take(part2) : 0 });
      b0 += nb;
    }
    return out;
  }

  /** Grows the kernel memory to hold everything taken so far; returns fresh views. */
  commit(): Views {
    const pool = baselineKernel.get();
    pool.ensureBytes(this.at);
    return views();
  }
}

/** Fresh views of the kernel memory. */
export function views(): Views {
  const buf = baselineKernel.get().memory.buffer;
  return { f32: new Float32Array(buf), u32: new Uint32Array(buf) };
}

/** The same slices with other units (rows) but the same private buffers, for an op over `count` units. */
export function resplit(slices: Slice[], count: number, unit: number): Slice[] {
  const blocks = Math.ceil(count / unit);
  const S = Math.min(slices.length, blocks);
  let b0 = 0;
  return slices.slice(0, Math.max(1, S)).map((s, i) => {
    const nb = Math.floor(blocks / S) + (i < blocks % S ? 1 : 0);
    const r = { ...s, r0: b0 * unit, r1: Math.min(count, (b0 + nb) * unit) };
    b0 += nb;
    return r;
  });
}

function run(v: Views, cmd: number, slices: Slice[], words: Record<number, number>, floats: Record<number, number> = {}): void {
  for (const [k, x] of Object.entries(words)) v.u32[OPS_WORD + Number(k)] = x >>> 0;
  for (const [k, x] of Object.entries(floats)) v.f32[OPS_WORD + Number(k)] = x;
  slices.forEach((s, k) => v.u32.set([s.r0, s.r1, s.scratch, s.part1, s.part2], OPS_WORD + THREAD_TABLE + k * THREAD_WORDS));
  baselineKernel.get().run(cmd, slices.length);
}

function dropWords(drop: DropoutSpec | null): { words: Record<number, number>; floats: Record<number, number> } {
  if (drop === null) return { words: { [DROP.ON]: 0 }, floats: {} };
  return { words: { [DROP.ON]: 1, [DROP.KEY]: drop.key, [DROP.THRESH]: dropThreshold(drop.p) }, floats: { [DROP.SCALE]: dropScale(drop.p) } };
}

// ---- sizes of the slices' private buffers (floats) ------------------------------------------------

/** Scratch of a linear op (the packed weight; in the backward also gemmTN's work). */
export function linearScratch(N: number, K: number): number {
  return pad4(N) * pad4(K) + tnWorkFloats(pad4(N), pad4(K));
}

/**
 * Scratch of the attention (assembly/ops.ts and attention.ts): head sizes that are multiples of 4
 * take two R×hd splat blocks, four hd×R tiles, three R×R matrices and R sums (R = S padded to 4);
 * others K, V and their gradients transposed (hd × R each), three key rows and two splat blocks.
 */
export function attentionScratch(S: number, hd: number): number {
  const R = pad4(S);
  return hd % 4 === 0 ? 2 * R * hd * 4 + 4 * hd * R + 3 * R * R + R : (4 * hd + 3) * R + 8 * hd;
}

// ---- the commands (buffers are byte offsets; rows are padded to multiples of 4 floats) -----------

/** Y (M×Np) = X (M×Kp)·Wᵀ + b; W is N×K as given, b padded to Np. Slices over rows. */
export function linearForward(v: Views, slices: Slice[], d: { M: number; N: number; K: number; X: number; W: number; B: number; Y: number }): void {
  run(v, CMD.linearForward, slices, { [LIN.M]: d.M, [LIN.N]: d.N, [LIN.K]: d.K, [LIN.NP]: pad4(d.N), [LIN.KP]: pad4(d.K), [LIN.X]: d.X, [LIN.W]: d.W, [LIN.B]: d.B, [LIN.Y]: d.Y });
}

/** dX (M×Kp; added to it with acc) = dY·W, and per slice dW (part1, Np×Kp) and db (part2, Np). */
export function linearBackward(v: Views, slices: Slice[], d: { M: number; N: number; K: number; X: number; W: number; DY: number; DX: number; acc?: boolean }): void {
  run(v, CMD.linearBackward, slices, { [LIN.M]: d.M, [LIN.N]: d.N, [LIN.K]: d.K, [LIN.NP]: pad4(d.N), [LIN.KP]: pad4(d.K), [LIN.X]: d.X, [LIN.W]: d.W, [LIN.DY]: d.DY, [LIN.DX]: d.DX, [LIN.DXACC]: d.acc ? 1 : 0 });
}

/** Y = F(X)·mask over n floats (a multiple of 4); slices over floats in multiples of 4. */
export function activationForward(v: Views, slices: Slice[], d: { gelu: boolean; X: number; Y: number; drop: DropoutSpec | null }): void {
  const dw = dropWords(d.drop);
  run(v, CMD.activationForward, slices, { [ACT.KIND]: d.gelu ? 1 : 0, [ACT.X]: d.X, [ACT.Y]: d.Y, ...dw.words }, dw.floats);
}

/** dX = dY·mask·F′(X). */
export function activationBackward(v: Views, slices: Slice[], d: { gelu: boolean; X: number; DY: number; DX: number; drop: DropoutSpec | null }): void {
  const dw = dropWords(d.drop);
  run(v, CMD.activationBackward, slices, { [ACT.KIND]: d.gelu ? 1 : 0, [ACT.X]: d.X, [ACT.DY]: d.DY, [ACT.DX]: d.DX, ...dw.words }, dw.floats);
}

/** OUT = LN(X + Y·mask)·γ + β over rows of D (stride Dp); Y 0 for none. Slices over rows. */
export function normForward(v: Views, slices: Slice[], d: { D: number; X: number; Y: number; G: number; BETA: number; OUT: number; drop: DropoutSpec | null }): void {
  const dw = dropWords(d.Y === 0 ? null : d.drop);
  run(v, CMD.normForward, slices, { [NRM.D]: d.D, [NRM.DP]: pad4(d.D), [NRM.X]: d.X, [NRM.Y]: d.Y, [NRM.G]: d.G, [NRM.BETA]: d.BETA, [NRM.OUT]: d.OUT, ...dw.words }, { [NRM.EPS]: LAYER_NORM_EPS, ...dw.floats });
}

/** dX, dY (0: none) from dOUT; per slice dγ (part1) and dβ (part2). */
export function normBackward(v: Views, slices: Slice[], d: { D: number; X: number; Y: number; G: number; DOUT: number; DX: number; DY: number; drop: DropoutSpec | null }): void {
  const dw = dropWords(d.Y === 0 ? null : d.drop);
  run(v, CMD.normBackward, slices, { [NRM.D]: d.D, [NRM.DP]: pad4(d.D), [NRM.X]: d.X, [NRM.Y]: d.Y, [NRM.G]: d.G, [NRM.DOUT]: d.DOUT, [NRM.DX]: d.DX, [NRM.DY]: d.DY, ...dw.words }, { [NRM.EPS]: LAYER_NORM_EPS, ...dw.floats });
}

function attentionWords(d: { S: number; D: number; nhead: number; drop: DropoutSpec | null }): { words: Record<number, number>; floats: Record<number, number> } {
  const dw = dropWords(d.drop);
  return { words: { [ATT.S]: d.S, [ATT.D]: d.D, [ATT.NH]: d.nhead, [ATT.HD]: d.D / d.nhead, [ATT.SP]: pad4(d.S), ...dw.words }, floats: dw.floats };
}

/** OUT (B×S×D) = causal attention of QKV (B×S×3D). Slices over sequences. */
export function attentionForward(v: Views, slices: Slice[], d: { S: number; D: number; nhead: number; QKV: number; OUT: number; drop: DropoutSpec | null }): void {
  const w = attentionWords(d);
  run(v, CMD.attentionForward, slices, { ...w.words, [ATT.QKV]: d.QKV, [ATT.OUT]: d.OUT }, w.floats);
}

/** dQKV from dOUT. */
export function attentionBackward(v: Views, slices: Slice[], d: { S: number; D: number; nhead: number; QKV: number; DOUT: number; DQKV: number; drop: DropoutSpec | null }): void {
  const w = attentionWords(d);
  run(v, CMD.attentionBackward, slices, { ...w.words, [ATT.QKV]: d.QKV, [ATT.DOUT]: d.DOUT, [ATT.DQKV]: d.DQKV }, w.floats);
}

// ---- copies -----------------------------------------------------------------------------------

/** Copies rows×width values into rows of `stride` floats at byte offset `off`, zeroing the padding. */
export function writeRows(f32: Float32Array, off: number, src: Float32Array, rows: number, width: number, stride: number): void {
  const at = off >> 2;
  if (width === stride) {
    f32.set(src.subarray(0, rows * width), at);
    return;
  }
  f32.fill(0, at, at + rows * stride);
  for (let r = 0; r < rows; r++) f32.set(src.subarray(r * width, (r + 1) * width), at + r * stride);
}

/** rows×width values out of rows of `stride` floats (a copy). */
export function readRows(f32: Float32Array, off: number, rows: number, width: number, stride: number): Float32Array {
  const at = off >> 2;
  if (width === stride) return f32.slice(at, at + rows * width);
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) out.set(f32.subarray(at + r * stride, at + r * stride + width), r * width);
  return out;
}

/** Σ over slices of the rows×width matrices at each slice's `part` (row stride `stride`), in slice order. */
export function sumParts(f32: Float32Array, slices: Slice[], part: 'part1' | 'part2', rows: number, width: number, stride: number): Float32Array {
  const out = new Float32Array(rows * width);
  for (const s of slices) {
    const at = s[part] >> 2;
    for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) out[r * width + c] += f32[at + r * stride + c];
  }
  return out;
}

/** A tensor of the values at byte offset `off` of the kernel memory, copied. */
export function tensorAt(f32: Float32Array, off: number, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const view = f32.subarray(off >> 2, (off >> 2) + n);
  // The wasm backend copies new tensors into its heap at once; others may keep the array.
  return tf.tensor(heapView() ? view : view.slice(), shape, 'float32');
}

/** A tensor of rows×width values stored in rows of `stride` floats at `off`. */
export function tensorRows(f32: Float32Array, off: number, rows: number, width: number, stride: number, shape: number[]): tf.Tensor {
  return width === stride ? tensorAt(f32, off, shape) : tf.tensor(readRows(f32, off, rows, width, stride), shape, 'float32');
}

/** Throws unless every tensor is float32. */
export function checkFloat(op: string, ts: tf.Tensor[]): void {
  for (const t of ts) if (t.dtype !== 'float32') throw new Error(`${op}: tensors must be float32 (got ${t.dtype})`);
}

