/**
 * The wasm kernel's runtime: one shared wasm memory, the main thread's instance, and a pool of
 * worker_threads driven synchronously through Atomics (tfjs' customGrad is synchronous).
 * Thread s computes batch slice s; the main thread always takes slice 0.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import v8 from 'node:v8';
import { COMMANDS, CONTROL, CONTROL_WORDS } from './layout.js';

// @types/node 20 does not declare WebAssembly; this is the part of it we use.
interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Instance: new (m: WasmModule, imports: object) => { exports: object };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

// Two builds of assembly/kernel.ts: plain SIMD, and relaxed SIMD whose multiply-adds are fused
// (one instruction instead of two in the GEMMs' inner loops) on CPUs with FMA.
const WASM_URL = { plain: new URL('../../build/kernel.wasm', import.meta.url), fma: new URL('../../build/kernel-fma.wasm', import.meta.url) };
const WORKER_URL = new URL('./worker.mjs', import.meta.url);
const PAGE = 65536;
const INITIAL_PAGES = 2;
const MAX_PAGES = 32768; // 2 GiB: byte offsets stay within int32 in the parameter block

const { GEN, CMD, DONE, FAILED, ACTIVE } = CONTROL;
export const CMD_FORWARD = COMMANDS.FORWARD;
export const CMD_BACKWARD = COMMANDS.BACKWARD;
const CMD_EXIT = COMMANDS.EXIT;

interface KernelExports extends ReadoutExports {
  forward(s: number): void;
  backward(s: number): void;
}

/** The kernel's single-threaded ring readout (assembly/kernel.ts); pointers are byte offsets into its memory. */
export interface ReadoutExports {
  readoutForward(r: number, rows: number, N: number, cs: number, out: number): void;
  readoutBackward(r: number, dy: number, rows: number, N: number, cs: number, dr: number): void;
}

/** Shared state of the process-wide kernel. */
export interface KernelRuntime {
  memory: WasmMemory;
  /** The main thread's instance, for functions that run on one thread only. */
  main: ReadoutExports;
  run(cmd: number, threads: number): void;
  ensureBytes(bytes: number): void;
}

let runtime: (KernelRuntime & { dispose(): void }) | null = null;

/** Which build of the kernel runs: 'fma' where the engine accepts relaxed SIMD, else 'plain'. */
export type KernelVariant = 'fma' | 'plain';

let wanted: KernelVariant = 'fma';
let loaded: KernelVariant | null = null;

/** Chooses the kernel build for runtimes created from now on ('fma' falls back to 'plain'). */
export function setKernelVariant(v: KernelVariant): void {
  wanted = v;
}

/** The build the current runtime runs (null before first use). */
export function kernelVariant(): KernelVariant | null {
  return runtime ? loaded : null;
}

function compile(v: KernelVariant): WasmModule {
  const path = fileURLToPath(WASM_URL[v]);
  if (!existsSync(path)) throw new Error(`wasm kernel: ${path} is missing; run \`npm run build\` (or \`npx nx run model:build\`)`);
  return new Wasm.Module(readFileSync(path));
}

function loadModule(): WasmModule {
  if (wanted === 'fma') {
    // Node 20's V8 (11.3) has relaxed SIMD behind a flag (on by default from V8 11.4); V8 reads
    // it when validating a module, so turning it on just before is enough. Any failure: plain.
    for (const enable of [false, true]) {
      try {
        if (enable) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
        const m = compile('fma');
        loaded = 'fma';
        return m;
      } catch {
        // try the flag, then fall through to the plain build
      }
    }
  }
  loaded = 'plain';
  return compile('plain');
}

function createRuntime(): KernelRuntime & { dispose(): void } {
  const module = loadModule();
  const memory = new Wasm.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
  const main = new Wasm.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
  const control = new SharedArrayBuffer(4 * CONTROL_WORDS);
  const ctrl = new Int32Array(control);
  const workers: Worker[] = [];

  const grow = (threads: number): void => {
    // Worker i (1-based) serves slice i; it starts waiting from the current generation.
    while (workers.length < threads - 1) {
      const index = workers.length + 1;
      const w = new Worker(WORKER_URL, {
        workerData: { module, memory, control, index, generation: Atomics.load(ctrl, GEN) },
      });
      w.unref();
      workers.push(w);
    }
  };

  return {
    memory,
    main,
    ensureBytes(bytes: number): void {
      const have = memory.buffer.byteLength;
      if (bytes > MAX_PAGES * PAGE) {
        throw new Error(`wasm kernel: these shapes need ${(bytes / 2 ** 30).toFixed(2)} GiB of kernel memory (limit 2 GiB); use a smaller batch or sequence length`);
      }
      if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
    },
    run(cmd: number, threads: number): void {
      const call = cmd === CMD_FORWARD ? main.forward : main.backward;
      if (threads <= 1) {
        call(0);
        return;
      }
      grow(threads);
      Atomics.store(ctrl, DONE, 0);
      Atomics.store(ctrl, FAILED, 0);
      Atomics.store(ctrl, ACTIVE, threads);
      Atomics.store(ctrl, CMD, cmd);
      Atomics.add(ctrl, GEN, 1);
      Atomics.notify(ctrl, GEN);
      let mainError: unknown = null;
      try {
        call(0);
      } catch (err) {
        mainError = err;
      }
      // Every worker of the pool reports, active or not, so the next command starts clean.
      const expected = workers.length;
      for (let d = Atomics.load(ctrl, DONE); d < expected; d = Atomics.load(ctrl, DONE)) {
        Atomics.wait(ctrl, DONE, d);
      }
      if (mainError) throw mainError;
      if (Atomics.load(ctrl, FAILED)) throw new Error('wasm kernel: a worker failed (see stderr)');
    },
    dispose(): void {
      Atomics.store(ctrl, CMD, CMD_EXIT);
      Atomics.add(ctrl, GEN, 1);
      Atomics.notify(ctrl, GEN);
      for (const w of workers) void w.terminate();
      workers.length = 0;
    },
  };
}

/** The process-wide kernel runtime, created on first use. */
export function getRuntime(): KernelRuntime {
  runtime ??= createRuntime();
  return runtime;
}

/** Stops the worker pool and drops the kernel's memory; the next call starts afresh. */
export function disposeRuntime(): void {
  runtime?.dispose();
  runtime = null;
}
