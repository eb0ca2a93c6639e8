/**
 * Activations that fused ops (encoderLayer.ts, normMlp.ts) keep in the kernel memory from a
 * forward to its backward: a stack of regions, one per call, above the GRU's state. A region is
 * dropped (and its backward recomputes the forward) when the kernel was disposed, when the GRU's
 * state grew over it, or when keeping it would pass MAX_RESIDENT_BYTES.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WasmPool } from './pool.js';
import { baselineKernel } from './runtime.js';

/** Resident activations are dropped (to be recomputed) rather than grow the kernel memory past this. */
const MAX_RESIDENT_BYTES = 1 << 30;

/** One call's resident buffers: [start, end) and their byte offsets by name. */
export interface Region<K extends string> {
  id: number;
  start: number;
  end: number;
  at: Record<K, number>;
}

/** Lays out a region of named buffers (sizes in floats) from `start`; 16-byte aligned, 16 bytes of slack each. */
export function layoutRegion<K extends string>(id: number, start: number, floats: Record<K, number>): Region<K> {
  let at = start;
  const offsets = {} as Record<K, number>;
  for (const name of Object.keys(floats) as K[]) {
    offsets[name] = at;
    at += Math.ceil((floats[name] * 4 + 16) / 16) * 16;
  }
  return { id, start, end: at, at: offsets };
}

class ResidentStore {
  private regions: Region<string>[] = [];
  private pool: WasmPool | null = null;
  private ids = 1;

  /** A fresh call id. */
  nextId(): number {
    return this.ids++;
  }

  private validate(): void {
    const pool = baselineKernel.get();
    if (pool !== this.pool || (this.regions.length && this.regions[0].start < baselineKernel.layersStart())) this.regions = [];
    this.pool = pool;
    this.publish();
  }

  private publish(): void {
    baselineKernel.reserveLayers(this.regions.length ? this.regions[this.regions.length - 1].end : 0);
  }

  /** A new region of `floats` on top of the stack, kept until released (or dropped). */
  push<K extends string>(id: number, floats: Record<K, number>): Region<K> {
    this.validate();
    const base = baselineKernel.layersStart();
    let start = this.regions.length ? this.regions[this.regions.length - 1].end : base;
    const size = layoutRegion(id, 0, floats).end;
    if (start + size - base > MAX_RESIDENT_BYTES) {
      this.regions = [];
      start = base;
    }
    const r = layoutRegion(id, start, floats);
    this.regions.push(r as Region<string>);
    this.publish();
    return r;
  }

  /** The region of call `id`, if it is still intact. */
  find<K extends string>(id: number): Region<K> | null {
    this.validate();
    return (this.regions.find((r) => r.id === id) as Region<K> | undefined) ?? null;
  }

  /** Forgets call `id`'s region; its memory is reused once every region above it is gone too. */
  release(id: number): void {
    this.regions = this.regions.filter((r) => r.id !== id);
    this.publish();
  }
}

/** The process-wide store of resident activations. */
export const resident = new ResidentStore();

/**
 * Whether a forward running now can be followed by a backward (it runs under a gradient tape);
 * forwards that cannot keep nothing.
 */
export function underTape(): boolean {
  return (tfEngineState().gradientDepth ?? 0) > 0;
}

function tfEngineState(): { gradientDepth?: number } {
  return tf.engine().state as unknown as { gradientDepth?: number };
}
