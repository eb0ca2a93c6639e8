import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WeightsFigure } from './figures/weights.js';
import type { VizConfig } from './vizConfig.js';

/** One frame to render. */
export interface FrameTask {
  index: number;
  figure: WeightsFigure;
  config: VizConfig;
}

/** A rendered frame (RGBA) or the error that stopped it. */
export interface FrameResult {
  index: number;
  width?: number;
  height?: number;
  rgba?: Uint8Array;
  error?: string;
}

/** Number of frame workers: one per core, at most 4 (ffmpeg and the main thread need CPU too). */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * A frame worker. Its module sits next to this one: frameWorker.js when built; frameWorker.ts when this
 * runs from source (the tests), which the worker then loads through tsx, as this thread does.
 */
function startFrameWorker(): Worker {
  const ext = extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./frameWorker${ext}`, import.meta.url);
  if (ext !== '.ts') return new Worker(entry);
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true });
}

/**
 * Renders `count` frames in a worker pool and yields them strictly in index order; at most
 * 2 frames per worker are in flight, so memory stays bounded however long the movie is.
 */
export async function* renderFramesInOrder(
  count: number,
  taskFor: (index: number) => FrameTask,
  workers = defaultWorkerCount(),
): AsyncGenerator<{ index: number; width: number; height: number; rgba: Uint8Array }> {
  const poolSize = Math.max(1, Math.min(workers, count));
  const pool = Array.from({ length: poolSize }, startFrameWorker);
  const done = new Map<number, FrameResult>();
  let waiting: (() => void) | undefined;
  let failure: Error | undefined;
  let next = 0;
  const idle: Worker[] = [];
  const maxAhead = 2 * poolSize;
  let emitted = 0;

  const dispatch = (w: Worker): void => {
    if (next < count && next < emitted + maxAhead) {
      // Structured clone copies the matrices: the caller's snapshot arrays stay intact.
      w.postMessage(taskFor(next++));
    } else idle.push(w);
  };
  for (const w of pool) {
    w.on('message', (r: FrameResult) => {
      if (r.error) failure ??= new Error(`frame ${r.index}: ${r.error}`);
      done.set(r.index, r);
      waiting?.();
      dispatch(w);
    });
    w.on('error', (err) => {
      failure ??= err;
      waiting?.();
    });
  }
  try {
    for (const w of pool) dispatch(w);
    while (emitted < count) {
      while (!done.has(emitted) && !failure) await new Promise<void>((resolve) => (waiting = resolve));
      if (failure) throw failure;
      const r = done.get(emitted)!;
      done.delete(emitted);
      emitted++;
      // A finished frame frees a slot: wake idle workers.
      for (const w of idle.splice(0)) dispatch(w);
      yield { index: r.index, width: r.width!, height: r.height!, rgba: r.rgba! };
    }
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
