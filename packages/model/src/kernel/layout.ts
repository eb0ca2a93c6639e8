/**
 * Where everything lives in the kernel's shared wasm memory. The word indices mirror the
 * constants at the top of assembly/kernel.ts; change both together.
 */
import type { Activation } from '../recurrence.js';

export const PARAMS_BYTE = 1024;
export const P = {
  B: 0,
  T: 1,
  N: 2,
  K: 3,
  NP: 4,
  MP: 5,
  ACT: 6,
  SPARSE: 7,
  J0: 8,
  J1: 9,
  ALPHA: 10,
  W: 11,
  WT: 12,
  ACTIONS: 13,
  R0: 14,
  H: 15,
  DH: 16,
  DA: 17,
  DR0: 18,
} as const;
export const THREAD_TABLE = 32;
export const THREAD_WORDS = 13;
export const MAX_THREADS = 64;
/** Buffers start after the parameter block and any static data of the module. */
const HEAP_START = 65536;

export const ACTIVATION_CODE: Record<Activation, number> = { tanh: 0, relu: 1, gelu: 2 };

/** Byte offsets (and batch range) of one thread's private buffers. */
export interface ThreadSlice {
  b0: number;
  b1: number;
  R: number;
  P: number;
  DR: number;
  DPRE: number;
  DW: number;
  DPT: number;
  CP: number;
  CR: number;
  CDR: number;
  IDX: number;
  /** F′(pre) of every step, saved by the forward for the backward. */
  FD: number;
}

/** Shapes and byte offsets of one call's buffers. */
export interface Layout {
  B: number;
  T: number;
  N: number;
  K: number;
  NP: number;
  MP: number;
  W: number;
  WT: number;
  ACTIONS: number;
  R0: number;
  H: number;
  DH: number;
  DA: number;
  DR0: number;
  slices: ThreadSlice[];
  bytes: number;
}

/** Lays out every buffer for a call; N is padded to a multiple of 4 inside the kernel. */
export function planLayout(B: number, T: number, N: number, K: number, threads: number): Layout {
  const NP = Math.ceil(N / 4) * 4;
  const MP = (K + 1) * NP;
  let at = HEAP_START;
  // 16 bytes of slack after each buffer: the kernel's vector loads may read past a row end.
  const take = (floats: number): number => {
    const off = at;
    at += Math.ceil((floats * 4 + 16) / 16) * 16;
    return off;
  };
  const W = take(MP * NP);
  const WT = take(N * MP);
  const ACTIONS = take(B * T * K);
  const R0 = take(B * N);
  const H = take(B * T * N);
  const DH = take(B * T * N);
  const DA = take(B * T * K);
  const DR0 = take(B * N);
  const S = Math.max(1, Math.min(threads, B, MAX_THREADS));
  const slices: ThreadSlice[] = [];
  const base = Math.floor(B / S);
  const extra = B % S;
  let b0 = 0;
  for (let s = 0; s < S; s++) {
    const bs = base + (s < extra ? 1 : 0);
    slices.push({
      b0,
      b1: b0 + bs,
      R: take((T + 1) * bs * NP),
      P: take(T * bs * MP),
      DR: take(bs * NP),
      DPRE: take(bs * NP),
      DW: take(MP * NP),
      DPT: take(NP * bs),
      CP: take(bs * NP),
      CR: take(bs * NP),
      CDR: take(bs * NP),
      IDX: take(bs),
      FD: take(T * bs * NP),
    });
    b0 += bs;
  }
  return { B, T, N, K, NP, MP, W, WT, ACTIONS, R0, H, DH, DA, DR0, slices, bytes: at };
}

/** Writes shapes, constants, offsets and the action-gradient mode (sparse: see FusedOptions) into the parameter block the kernel reads. */
export function writeParams(
  mem: ArrayBuffer | SharedArrayBuffer,
  L: Layout,
  c: { J0: number; J1: number; alpha: number; activation: Activation },
  sparse = false,
): void {
  const i32 = new Int32Array(mem, PARAMS_BYTE, THREAD_TABLE + MAX_THREADS * THREAD_WORDS);
  const f32 = new Float32Array(mem, PARAMS_BYTE, THREAD_TABLE);
  i32[P.B] = L.B;
  i32[P.T] = L.T;
  i32[P.N] = L.N;
  i32[P.K] = L.K;
  i32[P.NP] = L.NP;
  i32[P.MP] = L.MP;
  i32[P.ACT] = ACTIVATION_CODE[c.activation];
  i32[P.SPARSE] = sparse ? 1 : 0;
  f32[P.J0] = c.J0;
  f32[P.J1] = c.J1;
  f32[P.ALPHA] = c.alpha;
  i32[P.W] = L.W;
  i32[P.WT] = L.WT;
  i32[P.ACTIONS] = L.ACTIONS;
  i32[P.R0] = L.R0;
  i32[P.H] = L.H;
  i32[P.DH] = L.DH;
  i32[P.DA] = L.DA;
  i32[P.DR0] = L.DR0;
  L.slices.forEach((s, k) => {
    const o = THREAD_TABLE + k * THREAD_WORDS;
    i32.set([s.b0, s.b1, s.R, s.P, s.DR, s.DPRE, s.DW, s.DPT, s.CP, s.CR, s.CDR, s.IDX, s.FD], o);
  });
}
