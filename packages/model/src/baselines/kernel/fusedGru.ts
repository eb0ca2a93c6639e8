/**
 * The GRU stack of gruStack.ts as one tfjs op whose forward and backward-through-time run in a
 * GruEngine (by default the wasm kernel of assembly/gru.ts). Same contract as gruStackTfjs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { kernelOutput, read } from '../../kernel/op.js';
import { gruDims, type GruStackInputs } from '../gruStack.js';
import type { GruEngine, GruHostInputs } from './engine.js';
import { WasmGruEngine } from './gruWasm.js';
import { nativeGruEngine } from './gruNative.js';
import { loadedBaselinesAddon } from './nativeAddon.js';
import { baselineKernel } from './runtime.js';

/** Options of the fused GRU op. */
export interface FusedGruOptions {
  /** Threads splitting the batch (default: the configured count, else one per core); 1 runs in-process. */
  threads?: number;
  /** The implementation (default: the process-wide wasm engine). */
  engine?: GruEngine;
}

const wasmEngine = new WasmGruEngine();
let nextId = 1;

/** Sets the thread count of the baselines kernel (fused GRU and ops) when a call gives none; no count: one per core. */
export function configureBaselineKernel(opts: { threads?: number }): void {
  baselineKernel.configure(opts.threads ?? null);
}

/** Threads the baselines kernel uses when a call gives none. */
export function baselineKernelThreads(): number {
  return baselineKernel.threads();
}

/** Stops the baselines kernel's threads and frees its memory (the fused GRU's and ops', wasm and native); later calls start afresh. */
export function disposeBaselineKernel(): void {
  wasmEngine.dispose();
  nativeGruEngine.dispose();
}

/** Bytes of the baselines kernels' memory, wasm and native (0 before first use); grows only when shapes grow. */
export function baselineKernelMemoryBytes(): number {
  return baselineKernel.memoryBytes() + (loadedBaselinesAddon()?.baselinesMemoryBytes() ?? 0);
}

/** Runs the whole stack (all layers, all steps) as one op; returns the last layer's states (B×T×H). */
export function fusedGruStack(inputs: GruStackInputs, opts: FusedGruOptions = {}): tf.Tensor3D {
  const dims = gruDims(inputs);
  const { B, T, H, L } = dims;
  const threads = opts.threads ?? baselineKernel.threads();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`fusedGruStack: threads must be a positive integer (got ${threads})`);
  const engine = opts.engine ?? wasmEngine;
  const dropout = inputs.dropout ?? null;
  const tensors: tf.Tensor[] = [
    inputs.x,
    inputs.h0,
    ...inputs.layers.map((w) => w.wIh),
    ...inputs.layers.map((w) => w.wHh),
    ...inputs.layers.map((w) => w.bIh),
    ...inputs.layers.map((w) => w.bHh),
  ];
  const n = tensors.length;
  // The host arrays of a call's inputs, in the order of `tensors`.
  const hostInputs = (ts: tf.Tensor[]): GruHostInputs => {
    const d = ts.map(read);
    return {
      dims,
      x: d[0],
      h0: d[1],
      wIh: d.slice(2, 2 + L),
      wHh: d.slice(2 + L, 2 + 2 * L),
      bIh: d.slice(2 + 2 * L, 2 + 3 * L),
      bHh: d.slice(2 + 3 * L, 2 + 4 * L),
      dropout,
    };
  };
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const ts = args.slice(0, n) as tf.Tensor[];
    const save = args[n] as tf.GradSaveFunc;
    save(ts);
    const id = nextId++;
    // Allocated before the inputs' heap views are taken (it may grow the heap).
    const out = kernelOutput([B, T, H]);
    try {
      engine.forward(id, hostInputs(ts), threads, out.values);
    } catch (err) {
      out.discard();
      throw err;
    }
    const value = out.tensor() as tf.Tensor3D;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const g = engine.backward(id, read(dy), () => hostInputs(saved), threads);
      const grads: tf.Tensor[] = [
        tf.tensor3d(g.dx, inputs.x.shape),
        tf.tensor3d(g.dh0, [L, B, H]),
        ...g.wIh.map((a, k) => tf.tensor2d(a, inputs.layers[k].wIh.shape)),
        ...g.wHh.map((a) => tf.tensor2d(a, [3 * H, H])),
        ...g.bIh.map((a) => tf.tensor1d(a)),
        ...g.bHh.map((a) => tf.tensor1d(a)),
      ];
      return grads;
    };
    return { value, gradFunc };
  });
  return op(...tensors) as tf.Tensor3D;
}
