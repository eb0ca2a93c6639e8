/** One evaluation dataset: run the model over its test split in chunks and build its tables. */
import type { Sequences } from '@ring-attractor/datagen';
import type { ModelAdapter } from './adapter.js';
import { runInChunks } from './chunks.js';
import { circularDistance } from './circular.js';
import type { EvalConfig } from './config.js';
import { errorBySpeed, errorByStep, errorByStillTime, errorSummary, lastSteps, stepsSinceMotion, type ErrorMatrix } from './errorTables.js';
import type { DatasetSummary, DatasetTables } from './files.js';

/** A dataset to evaluate: its name (the folder's), test split and identity. */
export interface EvalDataset {
  name: string;
  split: Sequences;
  max_av: number;
  test_sha256: string;
}

/** First column (angle[:, 0]) of a B×T array: where training starts each sequence's bump. */
export function startAngles(angle: Float32Array, B: number, T: number): Float32Array {
  return Float32Array.from({ length: B }, (_, b) => angle[b * T]);
}

/** Circular errors of every decoder over the whole split, each sequence started from the bump at its angle[0]. */
export async function datasetErrors(adapter: ModelAdapter, split: Sequences, chunkSize: number, onSteps?: (n: number) => void): Promise<Map<string, ErrorMatrix>> {
  const { count: B, seqLen: T, av, angle } = split;
  const errors = new Map(adapter.decoders.map((d) => [d as string, new Float64Array(B * T)]));
  await runInChunks(
    adapter,
    { av, angle0: startAngles(angle, B, T), batch: B, steps: T },
    chunkSize,
    (run, first, count) => {
      for (const d of adapter.decoders) {
        const decoded = run[d] as Float64Array;
        const out = errors.get(d) as Float64Array;
        const base = first * T;
        for (let i = 0; i < count * T; i++) out[base + i] = circularDistance(decoded[i], angle[base + i]);
      }
    },
    onSteps,
  );
  return errors;
}

/** The tables and the summary of one dataset. */
export async function evaluateDataset(
  adapter: ModelAdapter,
  ds: EvalDataset,
  config: EvalConfig,
  trainSeqLen: number | null,
  onSteps?: (n: number) => void,
): Promise<{ tables: DatasetTables; summary: DatasetSummary }> {
  const { count: B, seqLen: T, av } = ds.split;
  const errors = await datasetErrors(adapter, ds.split, config.chunk_size, onSteps);
  const since = stepsSinceMotion(av, B, T);
  const late = lastSteps(T, config.last_fraction);
  const first = Math.min(T, trainSeqLen ?? T);
  const tables: DatasetTables = { byStep: [], bySpeed: [], byStill: [] };
  const decoders: DatasetSummary['decoders'] = {};
  let nonfinite = 0;
  for (const d of adapter.decoders) {
    const e = errors.get(d) as ErrorMatrix;
    tables.byStep.push(...errorByStep(d, e, B, T));
    tables.bySpeed.push(...errorBySpeed(d, e, av, ds.max_av, config.speed_bins));
    tables.byStill.push(...errorByStillTime(d, e, since, T));
    decoders[d] = errorSummary(e, B, T, late, first);
    if (d === 'pv') for (let i = 0; i < e.length; i++) if (!Number.isFinite(e[i])) nonfinite++;
  }
  const summary: DatasetSummary = {
    name: ds.name,
    sequences: B,
    seq_len: T,
    max_av: ds.max_av,
    test_sha256: ds.test_sha256,
    first_steps: first,
    last_steps: late,
    nonfinite_steps: nonfinite,
    decoders,
  };
  return { tables, summary };
}
