/**
 * Where everything lives in the GRU kernel's shared wasm memory. The word indices mirror the
 * constants at the top of assembly/gru.ts; change both together.
 */
import { dropScale, dropThreshold, type DropoutSpec } from '../dropout.js';
import type { GruDims } from '../gruStack.js';
import { HEAP_START } from './runtime.js';

export const PARAMS_BYTE = 1024;
const P = { B: 0, T: 1, I: 2, H: 3, L: 4, IP: 5, HP: 6, G: 7, MASKED: 8, X: 9, H0: 10, KEY: 11, OUT: 12, DOUT: 13, DX: 14, DH0: 15, THRESH: 16, SCALE: 17, SLICES: 18 } as const;
const LAYER_TABLE = 24;
const LAYER_WORDS = 12;
const THREAD_TABLE = 224;
const THREAD_WORDS = 144;
const TL_BASE = 16;
const TL_WORDS = 8;
/** Limits of the parameter block. */
export const MAX_LAYERS = 16;
export const MAX_THREADS = 64;

/** assembly/simd.ts's TN_KC: rows of a weight-gradient product packed at a time. */
export const TN_KC = 128;

/** Floats of scratch gemmTN needs for a rows × cols product (assembly/simd.ts's tnWorkFloats). */
export function tnWorkFloats(rows: number, cols: number): number {
  return TN_KC * (rows + cols + 8);
}

/** Byte offsets of one layer's packed weights, its padded input width, and its weights as given. */
export interface LayerLayout {
  WIH: number;
  WIHT: number;
  WHH: number;
  WHHT: number;
  BRZ: number;
  BIN: number;
  BHN: number;
  IK: number;
  RWIH: number;
  RWHH: number;
  RBIH: number;
  RBHH: number;
}

/** Byte offsets of one thread's buffers (per layer: states, gates, dropout inputs, weight-gradient partials). */
export interface SliceLayout {
  b0: number;
  b1: number;
  XT: number;
  GH: number;
  DGH: number;
  DGX: number;
  DH: number;
  DY: number;
  DXT: number;
  WORK: number;
  layers: { HS: number; GX: number; GHN: number; XM: number; MT: number; DWIH: number; DWHH: number; DB: number }[];
}

/** Sizes (padded: Ip, Hp to multiples of 4, G = 3·Hp) and byte offsets of one call's buffers. */
export interface GruLayout extends GruDims {
  IP: number;
  HP: number;
  G: number;
  masked: boolean;
  X: number;
  H0: number;
  OUT: number;
  DOUT: number;
  DX: number;
  DH0: number;
  layers: LayerLayout[];
  slices: SliceLayout[];
  bytes: number;
}

const pad4 = (n: number): number => Math.ceil(n / 4) * 4;

/** Lays out every buffer for a call with `threads` batch slices (at most one per sequence). */
export function planGruLayout(d: GruDims, masked: boolean, threads: number): GruLayout {
  const { B, T, I, H, L } = d;
  if (L > MAX_LAYERS) throw new Error(`fused GRU: at most ${MAX_LAYERS} layers (got ${L})`);
  const IP = pad4(I);
  const HP = pad4(H);
  const G = 3 * HP;
  let at = HEAP_START;
  // 16 bytes of slack after each buffer, 16-byte aligned starts.
  const take = (floats: number): number => {
    const off = at;
    at += Math.ceil((floats * 4 + 16) / 16) * 16;
    return off;
  };
  const X = take(B * T * I);
  const H0 = take(L * B * H);
  const OUT = take(B * T * H);
  const DOUT = take(B * T * H);
  const DX = take(B * T * I);
  const DH0 = take(L * B * H);
  const layers: LayerLayout[] = [];
  for (let k = 0; k < L; k++) {
    const IK = k === 0 ? IP : HP;
    const n = k === 0 ? I : H;
    layers.push({
      WIH: take(G * IK),
      WIHT: take(IK * G),
      WHH: take(G * HP),
      WHHT: take(HP * G),
      BRZ: take(2 * HP),
      BIN: take(HP),
      BHN: take(HP),
      IK,
      RWIH: take(3 * H * n),
      RWHH: take(3 * H * H),
      RBIH: take(3 * H),
      RBHH: take(3 * H),
    });
  }
  const S = Math.max(1, Math.min(threads, B, MAX_THREADS));
  const slices: SliceLayout[] = [];
  const base = Math.floor(B / S);
  const extra = B % S;
  let b0 = 0;
  for (let s = 0; s < S; s++) {
    const BS = base + (s < extra ? 1 : 0);
    slices.push({
      b0,
      b1: b0 + BS,
      XT: take(T * BS * IP),
      GH: take(BS * G),
      DGH: take(T * BS * G),
      DGX: take(T * BS * G),
      DH: take(BS * HP),
      DY: take(T * BS * HP),
      DXT: take(T * BS * IP),
      WORK: take(tnWorkFloats(G, HP)),
      layers: layers.map((l, k) => ({
        HS: take((T + 1) * BS * HP),
        GX: take(T * BS * G),
        GHN: take(T * BS * HP),
        XM: masked && k > 0 ? take(T * BS * HP) : 0,
        MT: masked && k > 0 ? take(T * BS * HP) : 0,
        DWIH: take(G * l.IK),
        DWHH: take(G * HP),
        DB: take(2 * G),
      })),
    });
    b0 += BS;
  }
  return { ...d, IP, HP, G, masked, X, H0, OUT, DOUT, DX, DH0, layers, slices, bytes: at };
}

/** Writes sizes, offsets and the dropout mask's key into the parameter block the kernel reads. */
export function writeGruParams(mem: ArrayBufferLike, g: GruLayout, dropout: DropoutSpec | null): void {
  const words = THREAD_TABLE + MAX_THREADS * THREAD_WORDS;
  const u32 = new Uint32Array(mem, PARAMS_BYTE, words);
  const f32 = new Float32Array(mem, PARAMS_BYTE, words);
  u32[P.B] = g.B;
  u32[P.T] = g.T;
  u32[P.I] = g.I;
  u32[P.H] = g.H;
  u32[P.L] = g.L;
  u32[P.IP] = g.IP;
  u32[P.HP] = g.HP;
  u32[P.G] = g.G;
  u32[P.MASKED] = g.masked ? 1 : 0;
  u32[P.X] = g.X;
  u32[P.H0] = g.H0;
  u32[P.OUT] = g.OUT;
  u32[P.DOUT] = g.DOUT;
  u32[P.DX] = g.DX;
  u32[P.DH0] = g.DH0;
  u32[P.KEY] = dropout ? dropout.key >>> 0 : 0;
  u32[P.THRESH] = dropout ? dropThreshold(dropout.p) : 0;
  f32[P.SCALE] = dropout ? dropScale(dropout.p) : 1;
  u32[P.SLICES] = g.slices.length;
  g.layers.forEach((l, k) => u32.set([l.WIH, l.WIHT, l.WHH, l.WHHT, l.BRZ, l.BIN, l.BHN, l.IK, l.RWIH, l.RWHH, l.RBIH, l.RBHH], LAYER_TABLE + k * LAYER_WORDS));
  g.slices.forEach((s, k) => {
    const o = THREAD_TABLE + k * THREAD_WORDS;
    u32.set([s.b0, s.b1, s.XT, s.GH, s.DGH, s.DGX, s.DH, s.DY, s.DXT, s.WORK], o);
    s.layers.forEach((l, j) => u32.set([l.HS, l.GX, l.GHN, l.XM, l.MT, l.DWIH, l.DWHH, l.DB], o + TL_BASE + j * TL_WORDS));
  });
}
