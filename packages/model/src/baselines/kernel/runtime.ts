/**
 * The baselines' kernel for the process: one wasm module (assembly/baselines.ts), one shared
 * memory and one pool of threads, serving the fused GRU (gruWasm.ts) and the dense ops (fusedOps.ts).
 * The GRU keeps its forward state at the start of the heap until its backward; the ops, which are
 * stateless, lay their buffers out after it, so they can run in between.
 */
import { defaultThreads } from '../../kernel/runtime.js';
import { createWasmPool, type WasmPool } from './pool.js';

const BUILDS = {
  plain: new URL('../../../build/baselines.wasm', import.meta.url),
  fma: new URL('../../../build/baselines-fma.wasm', import.meta.url),
};
/** Buffers start after the parameter blocks (the module has no static data). */
export const HEAP_START = 65536;

class BaselineKernel {
  private pool: WasmPool | null = null;
  private reserved = HEAP_START;
  private configuredThreads: number | null = null;

  /** Sets the thread count (null: one per core). */
  configure(threads: number | null): void {
    if (threads !== null && (!Number.isInteger(threads) || threads < 1)) throw new Error(`baselines kernel: threads must be a positive integer (got ${threads})`);
    this.configuredThreads = threads;
  }

  /** Threads a call uses: the configured count, else one per core. */
  threads(): number {
    return this.configuredThreads ?? defaultThreads();
  }

  /** The module's memory and threads, created on first use. */
  get(): WasmPool {
    this.pool ??= createWasmPool(BUILDS, 'baselines kernel');
    return this.pool;
  }

  /** Keeps [HEAP_START, end) for the GRU's resident forward state. */
  reserve(end: number): void {
    this.reserved = Math.max(HEAP_START, end);
  }

  /** First byte free for stateless work (16-byte aligned). */
  freeStart(): number {
    return Math.ceil(this.reserved / 16) * 16;
  }

  /** Bytes of the kernel's memory (0 before first use). */
  memoryBytes(): number {
    return this.pool ? this.pool.memory.buffer.byteLength : 0;
  }

  /** The build in use ('fma' or 'plain'), or null before first use. */
  variant(): 'fma' | 'plain' | null {
    return this.pool?.variant ?? null;
  }

  /** Stops the threads and drops the memory; the next use starts afresh. */
  dispose(): void {
    this.pool?.dispose();
    this.pool = null;
    this.reserved = HEAP_START;
  }
}

/** The process-wide baselines kernel. */
export const baselineKernel = new BaselineKernel();
