/**
 * The native kernel: the fused recurrence and the ring readout in C++ (native/src), a Node-API addon
 * built by `npx nx run model:build-native` into native/build/. The addon holds a forward's states
 * in its own memory and runs the batch slices on its own threads; it picks the best ISA path this
 * CPU supports (avx512, avx2, portable) when it loads. Same contract as recurrenceTfjs.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs-core';
import { invalid } from '@ring-attractor/common';
import type { RecurrenceConstants, RecurrenceInputs } from '../recurrence.js';
import { PARAM_WORDS, writeCallParams } from './layout.js';
import { kernelRecurrence, type Dims, type Engine, type InputData, type KernelOptions } from './op.js';

/** What the addon reports about its ISA paths. */
export interface NativeInfo {
  /** The path forwards run on now. */
  isa: string;
  /** Paths compiled into the addon. */
  built: string[];
  /** Paths this CPU can run. */
  supported: string[];
  /** The path chosen at load when RING_NATIVE_ISA is not set. */
  best: string;
}

interface Addon {
  forward(params: Int32Array, threads: number, actions: Float32Array, r0: Float32Array, Wo: Float32Array, Wa: Float32Array, history: Float32Array | null, basis?: Float64Array, sums?: Float32Array): void;
  backward(dh: Float32Array | null, dA: Float32Array, dr0: Float32Array, dWo: Float32Array, dWa: Float32Array, dsums?: Float32Array, basis?: Float64Array): void;
  gainForward(x: Float32Array, rows: number, k: number, H: number, params: Float32Array, a: Float32Array, threads: number): void;
  gainBackward(x: Float32Array, da: Float32Array, rows: number, k: number, H: number, params: Float32Array, grads: Float32Array, threads: number): void;
  adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, hyper: Float32Array, scaled: number, decayed: number): void;
  readoutForward(r: Float32Array, rows: number, N: number, basis: Float64Array, out: Float32Array, threads: number): void;
  readoutBackward(r: Float32Array, dy: Float32Array, rows: number, N: number, basis: Float64Array, dr: Float32Array, threads: number): void;
  info(): NativeInfo;
  fmaPeak(threads: number): number;
  setIsa(name: string): void;
  memoryBytes(): number;
  release(): void;
}

/** The environment variable naming the addon file, where it is not the build's own (native/build/ring_native.node). */
export const NATIVE_ADDON_ENV = 'RING_NATIVE_ADDON';

/** The addon file loaded: $RING_NATIVE_ADDON, else where `model:build-native` puts it. */
export function nativeAddonPath(): string {
  return process.env[NATIVE_ADDON_ENV] || fileURLToPath(new URL('../../native/build/ring_native.node', import.meta.url));
}
/** The environment variable that forces an ISA path (a lower one than the CPU's best, for tests and comparisons). */
export const NATIVE_ISA_ENV = 'RING_NATIVE_ISA';

let addon: Addon | null = null;
let unavailable: string | null = null;
let tried = false;

/** Loads the addon once; null (with unavailableReason set) where it is not built or cannot load here. */
function load(): Addon | null {
  if (tried) return addon;
  tried = true;
  const path = nativeAddonPath();
  if (!existsSync(path)) {
    unavailable = `not built (no ${path}; npx nx run model:build-native builds it where a C++ compiler exists)`;
    return null;
  }
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
  } catch (err) {
    unavailable = `the addon does not load here (${String((err as Error).message).split('\n')[0]})`;
    return null;
  }
  const forced = process.env[NATIVE_ISA_ENV];
  if (forced !== undefined && forced !== '') {
    const { supported } = addon.info();
    if (!supported.includes(forced)) invalid(NATIVE_ISA_ENV, `an ISA path this CPU runs (one of ${supported.join(', ')})`, forced);
    addon.setIsa(forced);
  }
  return addon;
}

/** Why the native kernel cannot be used here, or null when it can. */
export function nativeUnavailableReason(): string | null {
  load();
  return unavailable;
}

function need(): Addon {
  const a = load();
  if (!a) throw new Error(`native kernel: ${unavailable}`);
  return a;
}

/** The addon's ISA paths: the one in use, those built, those this CPU runs, the default. */
export function nativeInfo(): NativeInfo {
  return need().info();
}

/** Runs later forwards on ISA path `isa` (one of nativeInfo().supported); throws for one this CPU lacks. */
export function setNativeIsa(isa: string): void {
  need().setIsa(isa);
}

const paramBuffer = new ArrayBuffer(4 * PARAM_WORDS);
const params = { i32: new Int32Array(paramBuffer), f32: new Float32Array(paramBuffer) };

const engine: Engine = {
  resident: 0,
  forward(data: InputData, dims: Dims, c: RecurrenceConstants, threads: number, sparse: boolean, out: Float32Array): void {
    const a = need();
    const [B, T, K, N] = dims;
    writeCallParams(params.i32, params.f32, { B, T, N, K, NP: 0, MP: 0 }, c, sparse);
    a.forward(params.i32, threads, data.actions, data.r0, data.Wo, data.Wa, out);
  },
  backward(dy: Float32Array, dims: Dims): [Float32Array, Float32Array, Float32Array, Float32Array] {
    const out = gradientArrays(dims);
    need().backward(dy, ...out);
    return out;
  },
};

function gradientArrays([B, T, K, N]: Dims): [Float32Array, Float32Array, Float32Array, Float32Array] {
  return [new Float32Array(B * T * K), new Float32Array(B * N), new Float32Array(N * N), new Float32Array(K * N * N)];
}

/** Id of the call whose forward states the native kernel holds (0: none). */
export function nativeResident(): number {
  return engine.resident;
}

/**
 * Runs all T steps in the native kernel, keeping the states (resident under `id`, see op.ts), and
 * writes the ring readout of every step (X, Y, Σ|r| planes, 3×B·T, basis = cos φ then sin φ) into
 * `sums` instead of returning the history.
 */
export function nativeForwardSums(id: number, data: InputData, dims: Dims, c: RecurrenceConstants, threads: number, sparse: boolean, basis: Float64Array, sums: Float32Array): void {
  const a = need();
  const [B, T, K, N] = dims;
  writeCallParams(params.i32, params.f32, { B, T, N, K, NP: 0, MP: 0 }, c, sparse);
  a.forward(params.i32, threads, data.actions, data.r0, data.Wo, data.Wa, null, basis, sums);
  engine.resident = id;
}

/** Backward of the resident forward from the readout sums' cotangent dsums (3×B·T): [d actions, d r0, d Wo, d Wa]. */
export function nativeBackwardSums(dsums: Float32Array, basis: Float64Array, dims: Dims): [Float32Array, Float32Array, Float32Array, Float32Array] {
  const out = gradientArrays(dims);
  need().backward(null, ...out, dsums, basis);
  return out;
}

/**
 * The gated actions a = gain(x)·x of `rows` rows of k rectified channels x, the gain nets' parameters
 * packed per channel as w0 (H), b0 (H), w2 (H), b2 (native/src/gain.h), on `threads` threads.
 */
export function nativeGainForward(x: Float32Array, rows: number, k: number, H: number, params: Float32Array, threads: number): Float32Array {
  const a = new Float32Array(rows * k);
  need().gainForward(x, rows, k, H, params, a, threads);
  return a;
}

/** The gradient of Σ da·a with respect to the packed gain-net parameters (same layout as params). */
export function nativeGainBackward(x: Float32Array, da: Float32Array, rows: number, k: number, H: number, params: Float32Array, threads: number): Float32Array {
  const grads = new Float32Array(params.length);
  need().gainBackward(x, da, rows, k, H, params, grads, threads);
  return grads;
}

/**
 * Adam's elementwise update in the addon (native/src/adam.h: p, m, v updated in place from g, with
 * hyper = [β1, 1−β1, β2, 1−β2, √(1−β2^t), lr/(1−β1^t), eps, scale, 1 − lr·wd] as float32), or null
 * where the addon is unavailable.
 */
export function nativeAdamUpdate(): ((p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, hyper: Float32Array, scaled: boolean, decayed: boolean) => void) | null {
  const a = load();
  return a ? (p, g, m, v, hyper, scaled, decayed) => a.adamUpdate(p, g, m, v, hyper, scaled ? 1 : 0, decayed ? 1 : 0) : null;
}

/**
 * GFLOP/s of independent multiply-adds on the addon's ISA path, on `threads` threads at once (best of five ~50 ms bursts):
 * this machine's peak, the yardstick for the benches' GFLOP/s; null where the addon is unavailable.
 */
export function nativeFmaPeak(threads: number): number | null {
  const a = load();
  return a ? a.fmaPeak(threads) : null;
}

/** Runs all T steps in the native kernel and returns the bump history (B×T×N). */
export function nativeRecurrence(inputs: RecurrenceInputs, c: RecurrenceConstants, opts: KernelOptions = {}): tf.Tensor3D {
  need();
  return kernelRecurrence(engine, 'nativeRecurrence', inputs, c, opts);
}

/** The ring readout's forward in the addon (see readout.ts), or null where the addon is unavailable. */
export function nativeReadout(): Pick<Addon, 'readoutForward' | 'readoutBackward'> | null {
  return load();
}

/** The loaded addon as seen by another of its users (the baselines' ops, with their own functions), or null where it is unavailable. */
export function nativeAddon<T>(): T | null {
  return load() as unknown as T | null;
}

/** Stops the native kernel's threads and frees its memory; later calls start afresh. */
export function disposeNativeKernel(): void {
  if (addon) addon.release();
  engine.resident = 0;
}

/** Bytes of the native kernel's memory (0 before first use or where it is unavailable); grows only when shapes grow. */
export function nativeKernelMemoryBytes(): number {
  return addon ? addon.memoryBytes() : 0;
}
