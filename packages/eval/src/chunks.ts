/** Runs a model over many sequences a fixed number at a time, so memory stays bounded. */
import { checkRun, type AdapterRun, type ModelAdapter } from './adapter.js';

/** Sequences per model run for sequences of T steps: at most chunkSize sequence-steps, at least one sequence. */
export function sequencesPerChunk(chunkSize: number, steps: number): number {
  return Math.max(1, Math.floor(chunkSize / steps));
}

/** The B×T inputs of a batch of runs: av row-major, and each sequence's start angle. */
export interface RunInputs {
  av: Float32Array;
  angle0: Float32Array;
  batch: number;
  steps: number;
}

/**
 * Runs `adapter` over `inputs` in consecutive chunks (fixed by chunkSize and T, never by timing),
 * handing each chunk's outputs to `take(run, first, count)` in order; `onSteps` gets the
 * sequence-steps done after each chunk.
 */
export async function runInChunks(
  adapter: ModelAdapter,
  inputs: RunInputs,
  chunkSize: number,
  take: (run: AdapterRun, first: number, count: number) => void,
  onSteps: (steps: number) => void = () => undefined,
): Promise<void> {
  const { av, angle0, batch: B, steps: T } = inputs;
  if (av.length !== B * T || angle0.length !== B) throw new Error(`runInChunks: ${av.length} av values and ${angle0.length} start angles for ${B}×${T}`);
  const per = sequencesPerChunk(chunkSize, T);
  for (let first = 0; first < B; first += per) {
    const count = Math.min(per, B - first);
    let run: AdapterRun;
    try {
      run = await adapter.run(av.subarray(first * T, (first + count) * T), angle0.subarray(first, first + count), count, T);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`running the model on ${count} sequences of ${T} steps failed (chunk_size ${chunkSize} sets how many run at once): ${why}`);
    }
    checkRun(adapter, run, count * T);
    take(run, first, count);
    onSteps(count * T);
  }
}
