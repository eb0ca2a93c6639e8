/**
 * The wasm kernel: the AssemblyScript forward and BPTT (assembly/kernel.ts) on one shared wasm
 * memory, the batch split over worker threads (runtime.ts). Same contract as recurrenceTfjs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RecurrenceConstants, RecurrenceInputs } from '../recurrence.js';
import { HEAP_START, planLayout, writeParams, type Layout } from './layout.js';
import { kernelRecurrence, type Dims, type Engine, type InputData, type KernelOptions } from './op.js';
import { CMD_BACKWARD, CMD_FORWARD, disposeRuntime, getRuntime } from './runtime.js';

// The layout of the forward whose states the kernel's memory holds.
let layout: Layout | null = null;

/** Copies the inputs into the kernel memory and runs the forward pass. */
function runForward(data: InputData, dims: Dims, c: RecurrenceConstants, threads: number, sparse: boolean, out: Float32Array): void {
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
  layout = L;
  out.set(f32.subarray(L.H >> 2, (L.H >> 2) + B * T * N));
}

/** Runs the backward pass for the resident forward and returns [dactions, dr0, dWo, dWa]. */
function runBackward(dy: Float32Array): [Float32Array, Float32Array, Float32Array, Float32Array] {
  const L = layout;
  if (!L) throw new Error('wasm kernel: backward without a forward');
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

const engine: Engine = { resident: 0, forward: runForward, backward: runBackward };

/** Runs all T steps in the wasm kernel and returns the bump history (B×T×N). */
export function wasmRecurrence(inputs: RecurrenceInputs, c: RecurrenceConstants, opts: KernelOptions = {}): tf.Tensor3D {
  return kernelRecurrence(engine, 'wasmRecurrence', inputs, c, opts);
}

/** Stops the wasm kernel's worker threads and frees its memory; later calls start a new pool. */
export function disposeWasmKernel(): void {
  disposeRuntime();
  layout = null;
  engine.resident = 0;
}

/** First byte of kernel memory that the resident forward's buffers do not use (free for one-shot work). */
export function kernelScratchStart(): number {
  return layout ? layout.bytes : HEAP_START;
}

/** Bytes of the wasm kernel's memory (0 before first use); grows only when shapes grow. */
export function wasmKernelMemoryBytes(): number {
  return layout ? getRuntime().memory.buffer.byteLength : 0;
}
