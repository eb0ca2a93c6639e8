/**
 * The recurrence of SPEC §2 as one tfjs op whose forward and backward-through-time run in the
 * AssemblyScript kernel (assembly/kernel.ts). Same contract as recurrenceTfjs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RecurrenceConstants, RecurrenceInputs } from '../recurrence.js';
import { planLayout, writeParams, type Layout } from './layout.js';
import { CMD_BACKWARD, CMD_FORWARD, defaultThreads, disposeRuntime, getRuntime } from './runtime.js';

/** Options of the fused kernel. */
export interface FusedOptions {
  /** Threads splitting the batch (default: one per core); 1 runs in-process. */
  threads?: number;
  /**
   * Which entries of d(actions) the backward returns. 'all' (default): every entry, exactly.
   * 'nonzero': only where the action is nonzero, 0 elsewhere; the forward then multiplies
   * Wa[c] only into the rows whose action c is nonzero (on angular-velocity data at most one
   * channel per step, none on still steps), about halving its work. Every other gradient is
   * unchanged. Exact for the model's gated actions gain(x)·x of rectified data x: where x = 0
   * the gain net's gradient is multiplied by x = 0 and x itself needs none.
   */
  actionGrads?: 'all' | 'nonzero';
}

let configuredThreads: number | null = null;

/** Sets the thread count used when a call gives none (e.g. through the model's runRecurrence). */
export function configureFusedKernel(opts: FusedOptions): void {
  if (opts.threads !== undefined && (!Number.isInteger(opts.threads) || opts.threads < 1)) {
    throw new Error(`configureFusedKernel: threads must be a positive integer (got ${opts.threads})`);
  }
  configuredThreads = opts.threads ?? null;
}

// What the kernel's memory currently holds: the saved states of forward call `id`.
let resident: { id: number; layout: Layout } | null = null;
let nextId = 1;

interface WasmBackendHeap {
  typedArrayFromHeap(t: { shape: number[]; dtype: string; dataId: object }): Float32Array;
}

/** The tfjs wasm backend when it is the active one (its tensors can be read in place), else null. */
export function heapView(): WasmBackendHeap | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as Partial<WasmBackendHeap>;
  return typeof b.typedArrayFromHeap === 'function' ? (b as WasmBackendHeap) : null;
}

/**
 * A tensor's values: on the wasm backend a view of its heap, saving a copy of e.g. the B×T×N
 * cotangent (the caller copies it into the kernel before tfjs runs anything else), else dataSync.
 */
export function read(t: tf.Tensor): Float32Array {
  const heap = heapView();
  return heap ? heap.typedArrayFromHeap(t) : (t.dataSync() as Float32Array);
}

function checkShapes(inputs: RecurrenceInputs): [number, number, number, number] {
  const { actions, r0, Wo, Wa } = inputs;
  const [B, T, K] = actions.shape;
  const N = Wo.shape[0];
  const ok =
    actions.rank === 3 &&
    r0.rank === 2 &&
    Wo.rank === 2 &&
    Wa.rank === 3 &&
    Wo.shape[1] === N &&
    r0.shape[0] === B &&
    r0.shape[1] === N &&
    Wa.shape[0] === K &&
    Wa.shape[1] === N &&
    Wa.shape[2] === N;
  if (!ok) {
    throw new Error(
      `fusedRecurrence: inconsistent shapes actions=${actions.shape} r0=${r0.shape} Wo=${Wo.shape} Wa=${Wa.shape}`,
    );
  }
  for (const [name, t] of Object.entries(inputs) as [string, tf.Tensor][]) {
    if (t.dtype !== 'float32') throw new Error(`fusedRecurrence: ${name} must be float32 (got ${t.dtype})`);
  }
  return [B, T, K, N];
}

/** Copies the inputs into the kernel memory and runs the forward pass; returns the layout. */
function runForward(
  data: { actions: Float32Array; r0: Float32Array; Wo: Float32Array; Wa: Float32Array },
  dims: [number, number, number, number],
  c: RecurrenceConstants,
  threads: number,
  sparse: boolean,
  id: number,
): Layout {
  const [B, T, K, N] = dims;
  const rt = getRuntime();
  const L = planLayout(B, T, N, K, threads);
  rt.ensureBytes(L.bytes);
  const buf = rt.memory.buffer;
  writeParams(buf, L, c, sparse);
  const f32 = new Float32Array(buf);
  f32.set(data.actions, L.ACTIONS >> 2);
  f32.set(data.r0, L.R0 >> 2);
  // Wcat = [Wo; Wa_0; …] with each block padded to Np rows and columns, and its transpose.
  const { NP, MP } = L;
  f32.fill(0, L.W >> 2, (L.W >> 2) + MP * NP);
  f32.fill(0, L.WT >> 2, (L.WT >> 2) + N * MP);
  const w = L.W >> 2;
  const wt = L.WT >> 2;
  for (let ch = 0; ch <= K; ch++) {
    const src = ch === 0 ? data.Wo : data.Wa;
    const srcOff = ch === 0 ? 0 : (ch - 1) * N * N;
    for (let i = 0; i < N; i++) {
      const m = ch * NP + i;
      for (let j = 0; j < N; j++) {
        const v = src[srcOff + i * N + j];
        f32[w + m * NP + j] = v;
        f32[wt + j * MP + m] = v;
      }
    }
  }
  rt.run(CMD_FORWARD, L.slices.length);
  resident = { id, layout: L };
  return L;
}

/** Runs the backward pass for the resident forward and returns [dactions, dr0, dWo, dWa] data. */
function runBackward(L: Layout, dy: Float32Array): [Float32Array, Float32Array, Float32Array, Float32Array] {
  const rt = getRuntime();
  const { B, T, N, K, NP } = L;
  new Float32Array(rt.memory.buffer).set(dy, L.DH >> 2);
  rt.run(CMD_BACKWARD, L.slices.length);
  const f32 = new Float32Array(rt.memory.buffer);
  const dA = f32.slice(L.DA >> 2, (L.DA >> 2) + B * T * K);
  const dr0 = f32.slice(L.DR0 >> 2, (L.DR0 >> 2) + B * N);
  const dWo = new Float32Array(N * N);
  const dWa = new Float32Array(K * N * N);
  // Partial weight gradients are summed in slice order, so results are reproducible.
  for (const s of L.slices) {
    const dw = s.DW >> 2;
    for (let ch = 0; ch <= K; ch++) {
      const dst = ch === 0 ? dWo : dWa;
      const dstOff = ch === 0 ? 0 : (ch - 1) * N * N;
      for (let i = 0; i < N; i++) {
        const row = dw + (ch * NP + i) * NP;
        const out = dstOff + i * N;
        for (let j = 0; j < N; j++) dst[out + j] += f32[row + j];
      }
    }
  }
  return [dA, dr0, dWo, dWa];
}

/** Runs all T steps in the fused wasm kernel and returns the bump history (B×T×N). */
export function fusedRecurrence(
  inputs: RecurrenceInputs,
  c: RecurrenceConstants,
  opts: FusedOptions = {},
): tf.Tensor3D {
  const dims = checkShapes(inputs);
  const [B, T, K, N] = dims;
  const threads = opts.threads ?? configuredThreads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`fusedRecurrence: threads must be a positive integer (got ${threads})`);
  }
  const actionGrads = opts.actionGrads ?? 'all';
  if (actionGrads !== 'all' && actionGrads !== 'nonzero') {
    throw new Error(`fusedRecurrence: actionGrads must be 'all' or 'nonzero' (got ${String(actionGrads)})`);
  }
  const sparse = actionGrads === 'nonzero';
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [actions, r0, Wo, Wa] = args.slice(0, 4) as tf.Tensor[];
    const save = args[4] as tf.GradSaveFunc;
    save([actions, r0, Wo, Wa]);
    const id = nextId++;
    const L = runForward(
      { actions: read(actions), r0: read(r0), Wo: read(Wo), Wa: read(Wa) },
      dims,
      c,
      threads,
      sparse,
      id,
    );
    const f32 = new Float32Array(getRuntime().memory.buffer);
    const history = f32.subarray(L.H >> 2, (L.H >> 2) + B * T * N);
    // The wasm backend copies new tensors into its heap at once; others may keep the array.
    const value = tf.tensor3d(heapView() ? history : history.slice(), [B, T, N]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      // Another forward may have replaced this call's saved states: recompute them first.
      let layout = L;
      if (resident?.id !== id) {
        const [sa, sr, so, sw] = saved.map(read);
        layout = runForward({ actions: sa, r0: sr, Wo: so, Wa: sw }, dims, c, threads, sparse, id);
      }
      const [dA, dr0, dWo, dWa] = runBackward(layout, read(dy));
      return [tf.tensor3d(dA, [B, T, K]), tf.tensor2d(dr0, [B, N]), tf.tensor2d(dWo, [N, N]), tf.tensor3d(dWa, [K, N, N])];
    };
    return { value, gradFunc };
  });
  return op(inputs.actions, inputs.r0, inputs.Wo, inputs.Wa) as tf.Tensor3D;
}

/** Stops the kernel's worker threads and frees its memory; later calls start a new pool. */
export function disposeFusedKernel(): void {
  disposeRuntime();
  resident = null;
}

/** First byte of kernel memory that the resident forward's buffers do not use (free for one-shot work). */
export function kernelScratchStart(): number {
  return resident ? resident.layout.bytes : 65536;
}

/** Bytes of the kernel's wasm memory (0 before first use); grows only when shapes grow. */
export function fusedKernelMemoryBytes(): number {
  return resident ? getRuntime().memory.buffer.byteLength : 0;
}
