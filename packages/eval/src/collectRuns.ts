/** Runs a model over a batch in chunks and keeps all of its output, for the probes that analyse whole runs (drift, gain). */
import type { ModelAdapter } from './adapter.js';
import { runInChunks, type RunInputs } from './chunks.js';

/** A batch's whole output, B×T row-major: every decoder's angles, and the amplitudes of a model with a bump. */
export interface CollectedRuns {
  /** Decoded angles (radians) by decoder, one entry per decoder the adapter declares. */
  decoded: Map<string, Float64Array>;
  /** Σ|r| after each step; undefined for a model without a bump. */
  amplitude: Float64Array | undefined;
}

/** Runs `adapter` over `inputs` in chunks of at most `chunkSize` sequence-steps and gathers the chunks' outputs in sequence order. */
export async function collectRuns(adapter: ModelAdapter, inputs: RunInputs, chunkSize: number, onSteps?: (n: number) => void): Promise<CollectedRuns> {
  const size = inputs.batch * inputs.steps;
  const decoded = new Map(adapter.decoders.map((d) => [d as string, new Float64Array(size)]));
  const amplitude = adapter.hasBump ? new Float64Array(size) : undefined;
  await runInChunks(
    adapter,
    inputs,
    chunkSize,
    (run, first) => {
      for (const d of adapter.decoders) (decoded.get(d) as Float64Array).set(run[d] as Float64Array, first * inputs.steps);
      amplitude?.set(run.amplitude as Float64Array, first * inputs.steps);
    },
    onSteps,
  );
  return { decoded, amplitude };
}
