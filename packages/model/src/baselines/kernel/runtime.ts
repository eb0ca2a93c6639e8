/**
 * The baselines' kernel for the process: one wasm module (assembly/baselines.ts), one shared
 * memory and one pool of threads, serving the fused GRU (gruWasm.ts) and the dense ops (fusedOps.ts).
 * Memory, bottom up: the GRU's forward state (kept until its backward), the encoder layers'
 * activations (kept until their backward), then the stateless ops' buffers of the current call.
 */
import { defaultThreads } from '../../kernel/op.js';
import { createWasmPool, type WasmPool } from './pool.js';

const BUILDS = {
  plain: new URL('../../../build/baselines.wasm', import.meta.url),
  fma: new URL('../../../build/baselines-fma.wasm', import.meta.url),
};
/** Buffers start after the parameter blocks (the module has no static data). */
export const HEAP_START = 65536;

class BaselineKernel {
  private pool: WasmPool | null = null;
  private gruEnd = HEAP_START;
  private layersEnd = HEAP_START;
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
    this.gruEnd = Math.max(HEAP_START, end);
  }

  /** Where resident layer activations may start: after the GRU's state (16-byte aligned). */
  layersStart(): number {
    return Math.ceil(this.gruEnd / 16) * 16;
  }

  /** Keeps everything below `end` for resident layer activations. */
  reserveLayers(end: number): void {
    this.layersEnd = end;
  }

  /** First byte free for stateless work (16-byte aligned). */
  freeStart(): number {
    return Math.ceil(Math.max(this.gruEnd, this.layersEnd) / 16) * 16;
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
    this.gruEnd = HEAP_START;
    this.layersEnd = HEAP_START;
  }
}

/** The process-wide baselines kernel. */
export const baselineKernel = new BaselineKernel();
