/** run.json of a train-stage folder (docs/formats.md). */
import type { RunConfig } from '../config.js';
import { badRunFile, readRunBytes } from './arrowTables.js';
import { RUN_FILES } from './names.js';

/** run.json: what was run, on what, and how fast. It records no paths, so a cached copy is valid on any machine. */
export interface RunRecord {
  config: RunConfig;
  /** The dataset, by folder name and content hash. */
  dataset: { name: string; sha256: Record<string, string>; seq_len: number; max_av: number };
  /** Trainable parameters of the model. */
  parameters: number;
  backend: string;
  /** The kernel that ran the model (the baselines run wasm where the ring would run native). */
  kernel: string;
  /** The code path of the kernel (native: avx512, avx2, portable; wasm: relaxed-simd, simd; tfjs: its backend). */
  kernel_isa: string;
  threads: number;
  steps: number;
  train_seconds: number;
  ms_per_step_median: number;
  /** A ring's sanity-check angle loss before training (docs/model.md §4.2); absent for the baselines. */
  sanity_loss?: number;
}

/** Reads a JSON object file of a run folder; missing, truncated or not an object is the one-line error naming it. */
export function readRunJson(dir: string, file: string): Record<string, unknown> {
  const text = readRunBytes(dir, file).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    badRunFile(dir, file, 'truncated or not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) badRunFile(dir, file, 'expected a JSON object');
  return value as Record<string, unknown>;
}

function finite(dir: string, file: string, obj: Record<string, unknown>, key: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) badRunFile(dir, file, `${key}: expected a finite number (got ${JSON.stringify(v)})`);
  return v;
}

function object(dir: string, file: string, obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = obj[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) badRunFile(dir, file, `${key}: expected a JSON object`);
  return v as Record<string, unknown>;
}

/** Reads run.json, checking the fields readers use. */
export function readRunRecord(dir: string): RunRecord {
  const file = RUN_FILES.run;
  const run = readRunJson(dir, file);
  const config = object(dir, file, run, 'config');
  object(dir, file, config, 'model');
  object(dir, file, config, 'train');
  object(dir, file, run, 'dataset');
  const steps = finite(dir, file, run, 'steps');
  if (!Number.isInteger(steps) || steps < 1) badRunFile(dir, file, `steps: expected a positive integer (got ${steps})`);
  finite(dir, file, run, 'ms_per_step_median');
  finite(dir, file, run, 'train_seconds');
  return run as unknown as RunRecord;
}
