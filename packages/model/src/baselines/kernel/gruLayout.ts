/**
 * Where everything lives in the GRU kernel's shared wasm memory, and how weights are packed for
 * it. The word indices mirror the constants at the top of assembly/gru.ts; change both together.
 */
import type { GruDims } from '../gruStack.js';
import { HEAP_START } from './runtime.js';

export const PARAMS_BYTE = 1024;
const P = { B: 0, T: 1, I: 2, H: 3, L: 4, IP: 5, HP: 6, G: 7, MASKED: 8, X: 9, H0: 10, MASK: 11, OUT: 12, DOUT: 13, DX: 14, DH0: 15 } as const;
const LAYER_TABLE = 16;
const LAYER_WORDS = 8;
const THREAD_TABLE = 144;
const THREAD_WORDS = 144;
const TL_BASE = 16;
const TL_WORDS = 8;
/** Limits of the parameter block. */
export const MAX_LAYERS = 16;
export const MAX_THREADS = 64;

/** Byte offsets of one layer's packed weights, and its padded input width. */
export interface LayerLayout {
  WIH: number;
  WIHT: number;
  WHH: number;
  WHHT: number;
  BRZ: number;
  BIN: number;
  BHN: number;
  IK: number;
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
  MASK: number;
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
  const MASK = masked ? take((L - 1) * B * T * H) : 0;
  const OUT = take(B * T * H);
  const DOUT = take(B * T * H);
  const DX = take(B * T * I);
  const DH0 = take(L * B * H);
  const layers: LayerLayout[] = [];
  for (let k = 0; k < L; k++) {
    const IK = k === 0 ? IP : HP;
    layers.push({ WIH: take(G * IK), WIHT: take(IK * G), WHH: take(G * HP), WHHT: take(HP * G), BRZ: take(2 * HP), BIN: take(HP), BHN: take(HP), IK });
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
  return { ...d, IP, HP, G, masked, X, H0, MASK, OUT, DOUT, DX, DH0, layers, slices, bytes: at };
}

/** Writes sizes and offsets into the parameter block the kernel reads. */
export function writeGruParams(mem: ArrayBufferLike, g: GruLayout): void {
  const i32 = new Int32Array(mem, PARAMS_BYTE, THREAD_TABLE + MAX_THREADS * THREAD_WORDS);
  i32[P.B] = g.B;
  i32[P.T] = g.T;
  i32[P.I] = g.I;
  i32[P.H] = g.H;
  i32[P.L] = g.L;
  i32[P.IP] = g.IP;
  i32[P.HP] = g.HP;
  i32[P.G] = g.G;
  i32[P.MASKED] = g.masked ? 1 : 0;
  i32[P.X] = g.X;
  i32[P.H0] = g.H0;
  i32[P.MASK] = g.MASK;
  i32[P.OUT] = g.OUT;
  i32[P.DOUT] = g.DOUT;
  i32[P.DX] = g.DX;
  i32[P.DH0] = g.DH0;
  g.layers.forEach((l, k) => i32.set([l.WIH, l.WIHT, l.WHH, l.WHHT, l.BRZ, l.BIN, l.BHN, l.IK], LAYER_TABLE + k * LAYER_WORDS));
  g.slices.forEach((s, k) => {
    const o = THREAD_TABLE + k * THREAD_WORDS;
    i32.set([s.b0, s.b1, s.XT, s.GH, s.DGH, s.DGX, s.DH, s.DY, s.DXT], o);
    s.layers.forEach((l, j) => i32.set([l.HS, l.GX, l.GHN, l.XM, l.MT, l.DWIH, l.DWHH, l.DB], o + TL_BASE + j * TL_WORDS));
  });
}

/**
 * Packs M (given by `at(row, k)`, `rows`×`K` after padding, zero outside the real entries) into
 * the kernel's panels: panel q holds rows 4q…4q+3 as K/4 blocks of [row 0: 4 k's][row 1]…[row 3].
 */
export function packPanels(dst: Float32Array, offset: number, rows: number, K: number, at: (row: number, k: number) => number): void {
  const kBlocks = K / 4;
  let o = offset;
  for (let q = 0; q < rows / 4; q++) {
    for (let kb = 0; kb < kBlocks; kb++) {
      for (let ri = 0; ri < 4; ri++) {
        const row = 4 * q + ri;
        for (let ki = 0; ki < 4; ki++) dst[o++] = at(row, 4 * kb + ki);
      }
    }
  }
}

/** Real index of padded gate row g' = gate·Hp + j (j < H), or −1 in the padding. */
export function gateRow(g: number, H: number, HP: number): number {
  const gate = Math.floor(g / HP);
  const j = g - gate * HP;
  return j < H ? gate * H + j : -1;
}
