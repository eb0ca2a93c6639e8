/**
 * A wasm module on one shared memory, run by the main thread and a pool of worker_threads that
 * are driven synchronously through Atomics (tfjs' customGrad is synchronous). Thread s runs the
 * command on slice s; the main thread always takes slice 0. The module exports `run(cmd, s)` (and
 * optionally `init()`, run once on the fresh memory) and imports its memory as `env.memory`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';

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

const WORKER_URL = new URL('./worker.mjs', import.meta.url);
const BUILD_SCRIPT = new URL('../../../scripts/build-kernel.mjs', import.meta.url);
const PAGE = 65536;
const MAX_PAGES = 32768; // 2 GiB: byte offsets stay within int32 in the parameter block

const GEN = 0, CMD = 1, DONE = 2, FAILED = 3, ACTIVE = 4;
const CMD_EXIT = -1;

interface RunExports {
  run(cmd: number, s: number): void;
  /** Prepares the shared memory (e.g. constant tables) once, before any command. */
  init?(): void;
}

/** A module's memory and its threads. */
export interface WasmPool {
  readonly memory: WasmMemory;
  /** Which build runs: 'fma' (relaxed-SIMD fused multiply-adds) or 'plain'. */
  readonly variant: 'fma' | 'plain';
  /** Runs `cmd` (a command of the module, > 0) on slices 0…threads−1 and returns when all are done. */
  run(cmd: number, threads: number): void;
  /** Grows the memory to at least `bytes`. */
  ensureBytes(bytes: number): void;
  dispose(): void;
}

/**
 * A fresh clone has no build/ yet (nx builds it before every stage, a direct script run does not):
 * compile it once, synchronously, since the kernel is first needed inside a synchronous op.
 */
function compile(url: URL): WasmModule {
  const path = fileURLToPath(url);
  if (!existsSync(path)) {
    process.stderr.write(`fused kernel: ${path} is missing; building it once (npx nx run model:build does the same)\n`);
    const result = spawnSync(process.execPath, [fileURLToPath(BUILD_SCRIPT)], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0 || !existsSync(path)) throw new Error(`fused kernel: building ${path} failed; run \`npx nx run model:build\` to see why`);
  }
  return new Wasm.Module(readFileSync(path));
}

/** The FMA build where the engine accepts relaxed SIMD (Node 20 needs a V8 flag, set only if needed), else the plain one. */
function loadModule(builds: { plain: URL; fma: URL }): { module: WasmModule; variant: 'fma' | 'plain' } {
  for (const enable of [false, true]) {
    try {
      if (enable) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      return { module: compile(builds.fma), variant: 'fma' };
    } catch {
      // try the flag, then fall through to the plain build
    }
  }
  return { module: compile(builds.plain), variant: 'plain' };
}

/** Instantiates the module on a fresh shared memory; workers are started on first multi-threaded run. */
export function createWasmPool(builds: { plain: URL; fma: URL }, name: string): WasmPool {
  const { module, variant } = loadModule(builds);
  const memory = new Wasm.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
  const main = new Wasm.Instance(module, { env: { memory } }).exports as unknown as RunExports;
  main.init?.();
  const control = new SharedArrayBuffer(64);
  const ctrl = new Int32Array(control);
  const workers: Worker[] = [];

  const grow = (threads: number): void => {
    // Worker i (1-based) serves slice i; it starts waiting from the current generation.
    while (workers.length < threads - 1) {
      const index = workers.length + 1;
      const w = new Worker(WORKER_URL, { workerData: { module, memory, control, index, generation: Atomics.load(ctrl, GEN), name } });
      w.unref();
      workers.push(w);
    }
  };

  return {
    memory,
    variant,
    ensureBytes(bytes: number): void {
      const have = memory.buffer.byteLength;
      if (bytes > MAX_PAGES * PAGE) {
        throw new Error(`${name}: these shapes need ${(bytes / 2 ** 30).toFixed(2)} GiB of kernel memory (limit 2 GiB); use a smaller batch or sequence length`);
      }
      if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
    },
    run(cmd: number, threads: number): void {
      if (threads <= 1) {
        main.run(cmd, 0);
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
        main.run(cmd, 0);
      } catch (err) {
        mainError = err;
      }
      // Every worker of the pool reports, active or not, so the next command starts clean.
      const expected = workers.length;
      for (let d = Atomics.load(ctrl, DONE); d < expected; d = Atomics.load(ctrl, DONE)) Atomics.wait(ctrl, DONE, d);
      if (mainError) throw new Error(`${name}: the kernel failed on the main thread (${(mainError as Error).message})`);
      if (Atomics.load(ctrl, FAILED)) throw new Error(`${name}: a worker failed (see stderr)`);
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
