/**
 * Where everything lives in the wasm kernel's shared memory, planned per call. The word indices and
 * limits come from the kernel spec (kernel-spec/layout.json), which also generates the kernels' own
 * constants; nothing here restates them.
 */
import type { Activation } from '../recurrence.js';
import spec from '../../kernel-spec/layout.json' with { type: 'json' };

export const PARAMS_BYTE = spec.paramsByte.value;
export const MAX_THREADS = spec.maxThreads.value;
export const THREAD_TABLE = spec.threadTable.value;
export const HEAP_START = spec.heapStart.value;
const THREAD_WORDS = spec.threadWords.words.map(([name]) => name as keyof ThreadSlice);

/** Word index of each parameter-block word, by name. */
export const P: Readonly<Record<string, number>> = Object.fromEntries(spec.params.words.map(([name], i) => [name, i]));
/** Words of the parameter block (before the thread table). */
export const PARAM_WORDS = spec.params.words.length;

/** Activation code (the ACT word) of each activation. */
export const ACTIVATION_CODE = Object.fromEntries(spec.activations.names.map((a, i) => [a, i])) as Record<Activation, number>;

/** Control-word indices of the wasm kernel's worker control block, by name. */
export const CONTROL: Readonly<Record<string, number>> = Object.fromEntries(spec.control.words.map((w, i) => [w, i]));
/** Control words in the block. */
export const CONTROL_WORDS = spec.control.words.length;
/** Worker commands (the CMD control word). */
export const COMMANDS = spec.commands.codes;

/** Batch range and byte offsets of one thread's private buffers (the spec's threadWords, same order). */
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

/** Writes the shape, constants and action-gradient mode (sparse: see KernelOptions) words that both kernels read. */
export function writeCallParams(
  i32: Int32Array,
  f32: Float32Array,
  dims: { B: number; T: number; N: number; K: number; NP: number; MP: number },
  c: { J0: number; J1: number; alpha: number; activation: Activation },
  sparse: boolean,
): void {
  i32[P.B] = dims.B;
  i32[P.T] = dims.T;
  i32[P.N] = dims.N;
  i32[P.K] = dims.K;
  i32[P.NP] = dims.NP;
  i32[P.MP] = dims.MP;
  i32[P.ACT] = ACTIVATION_CODE[c.activation];
  i32[P.SPARSE] = sparse ? 1 : 0;
  f32[P.J0] = c.J0;
  f32[P.J1] = c.J1;
  f32[P.ALPHA] = c.alpha;
}

/** Writes the call words, the buffer offsets and the thread table into the wasm kernel's parameter block. */
export function writeParams(
  mem: ArrayBuffer | SharedArrayBuffer,
  L: Layout,
  c: { J0: number; J1: number; alpha: number; activation: Activation },
  sparse = false,
): void {
  const i32 = new Int32Array(mem, PARAMS_BYTE, THREAD_TABLE + MAX_THREADS * THREAD_WORDS.length);
  const f32 = new Float32Array(mem, PARAMS_BYTE, THREAD_TABLE);
  writeCallParams(i32, f32, L, c, sparse);
  for (const name of ['W', 'WT', 'ACTIONS', 'R0', 'H', 'DH', 'DA', 'DR0'] as const) i32[P[name]] = L[name];
  L.slices.forEach((s, k) => {
    i32.set(THREAD_WORDS.map((w) => s[w]), THREAD_TABLE + k * THREAD_WORDS.length);
  });
}
