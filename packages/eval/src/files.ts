/**
 * The eval stage's files, in one place: names, row types, Arrow schemas, writers and readers, and
 * eval.json's shape. Tables are long (one row per decoder and key) with plain columns, so pyarrow,
 * polars or DuckDB read them as they are. Importing this module does not load tfjs.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  Bool,
  Data,
  DataType,
  Field,
  Float64,
  Int32,
  Int64,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  makeData,
  tableFromIPC,
  tableToIPC,
  type Vector,
} from 'apache-arrow';
import { UsageError, writeFileAtomic } from '@ring-attractor/common';
import { badRunFile } from '@ring-attractor/train/formats';
import { DECODERS, KIND_OUTPUTS, type Decoder } from './adapter.js';

export { DECODERS, KIND_OUTPUTS, type Decoder };
import type { EvalConfig } from './config.js';
import type { LineFit } from './stats.js';
import { TRACE_FILE, traceToIpc, type TraceData } from './trace.js';

export { TRACE_FILE, TRACE_STEPS, readTrace, traceToIpc, type Trace, type TraceData } from './trace.js';

/** Files at the top of the output folder (once per model). */
export const EVAL_FILES = {
  summary: 'eval.json',
  drift: 'drift.arrow',
  driftTrace: 'drift_trace.arrow',
  gain: 'gain.arrow',
  trace: TRACE_FILE,
} as const;

/** Files in each dataset's subfolder. */
export const DATASET_FILES = {
  byStep: 'error_by_step.arrow',
  bySpeed: 'error_by_speed.arrow',
  byStill: 'error_by_still_time.arrow',
} as const;

/** Error statistics (degrees) of one time step t of a dataset: angle[t] against the output after inputs 0…t. */
export interface ErrorByStepRow {
  decoder: Decoder;
  t: number;
  mean_deg: number;
  median_deg: number;
  p90_deg: number;
}

/** Error statistics of the sequence-steps whose |av| falls in (speed_lo, speed_hi] rad/step (bin 0: exactly 0). */
export interface ErrorBySpeedRow {
  decoder: Decoder;
  bin: number;
  label: string;
  speed_lo: number;
  speed_hi: number;
  count: number;
  mean_deg: number | null;
  median_deg: number | null;
  p90_deg: number | null;
}

/**
 * Error statistics of the sequence-steps that are steps_lo…steps_hi steps after the last nonzero
 * velocity (0: moving now); the row with both null holds the steps before the sequence's first motion.
 */
export interface ErrorByStillRow {
  decoder: Decoder;
  bin: number;
  label: string;
  steps_lo: number | null;
  steps_hi: number | null;
  count: number;
  mean_deg: number | null;
  median_deg: number | null;
  p90_deg: number | null;
}

/** One step of a zero-input run from the bump at start_deg: the decoded angle's unwrapped drift. */
export interface DriftTraceRow {
  decoder: Decoder;
  start: number;
  start_deg: number;
  /** Zero-input steps run so far (1…max horizon). */
  step: number;
  drift_deg: number;
  /** Σ|r| after this step (models with a bump). */
  amplitude?: number;
  /** amplitude / amplitude after step 1; null when that is 0. */
  amplitude_ratio?: number | null;
}

/** The drift of one start at one horizon. */
export interface DriftRow {
  decoder: Decoder;
  start: number;
  start_deg: number;
  steps: number;
  drift_deg: number;
  amplitude_ratio?: number | null;
  survived?: boolean;
}

/** One constant-velocity run of the gain sweep. */
export interface GainRow {
  decoder: Decoder;
  /** The input (rad/step, a float32 value). */
  velocity: number;
  /** velocity / max_av as swept (exact grid value). */
  velocity_ratio: number;
  /** |velocity_ratio| ≤ 1: inside the trained range. */
  trained: boolean;
  /** Least-squares slope of the unwrapped decoded angle over the window (rad/step). */
  speed: number;
  /** speed / velocity; null at velocity 0. */
  gain: number | null;
  /** Mean amplitude over the window / amplitude after step 1 (models with a bump). */
  amplitude_ratio?: number | null;
}

/** Per-decoder error summary of one dataset (degrees). */
export interface DecoderErrorSummary {
  mean_deg: number | null;
  median_deg: number | null;
  p90_deg: number | null;
  /** Mean over the first `first_steps` steps (the length the model was trained on). */
  first_mean_deg: number | null;
  /** Mean over the last `last_steps` steps. */
  last_mean_deg: number | null;
  /** Mean at the final step. */
  final_mean_deg: number | null;
}

/** eval.json's entry for one dataset. */
export interface DatasetSummary {
  name: string;
  sequences: number;
  seq_len: number;
  max_av: number;
  test_sha256: string;
  /** The first steps, as many as the training sequences had (all of them when unknown or longer). */
  first_steps: number;
  last_steps: number;
  /** Sequence-steps whose decoded angle was not finite (the model's activity overflowed). */
  nonfinite_steps: number;
  decoders: Partial<Record<Decoder, DecoderErrorSummary>>;
}

/** Stationary drift at one horizon, over every start. */
export interface DriftHorizonSummary {
  steps: number;
  decoders: Partial<Record<Decoder, { mean_deg: number | null; mean_abs_deg: number | null; max_abs_deg: number | null }>>;
  amplitude_ratio_min?: number | null;
  amplitude_ratio_mean?: number | null;
  /** Starts whose bump survived (of `starts`). */
  survived?: number;
}

/** eval.json: what was evaluated, and the headline numbers of every table. */
export interface EvalSummary {
  version: 1;
  model: Record<string, unknown> & { decoders: Decoder[]; has_bump: boolean };
  /** The --data dataset the model was trained on (its train.arrow matches the checkpoint), or null. */
  trained_on: string | null;
  /** seq_len of that dataset (the figures mark it), or null. */
  train_seq_len: number | null;
  config: EvalConfig & { max_av: number };
  datasets: DatasetSummary[];
  drift: { horizons: DriftHorizonSummary[] };
  /** Fits of decoded speed on true velocity over |v| ≤ config.max_av. */
  gain: { fit: Partial<Record<Decoder, LineFit>> };
}

/** One dataset's tables. */
export interface DatasetTables {
  byStep: ErrorByStepRow[];
  bySpeed: ErrorBySpeedRow[];
  byStill: ErrorByStillRow[];
}

/** Everything an evaluation writes. */
export interface Evaluation {
  summary: EvalSummary;
  datasets: Record<string, DatasetTables>;
  drift: DriftRow[];
  driftTrace: DriftTraceRow[];
  gain: GainRow[];
  /** The reference's one-sequence trace, for models with a cosine output and a bump (N neurons). */
  trace?: { data: TraceData; n: number };
}

type Kind = 'utf8' | 'int32' | 'int64' | 'float64' | 'bool';

/** A column: its Arrow type, whether it may hold nulls, and whether a table may leave it out (bump-only columns). */
interface Column {
  name: string;
  kind: Kind;
  nullable?: boolean;
  optional?: boolean;
}

const STATS: Column[] = [
  { name: 'mean_deg', kind: 'float64', nullable: true },
  { name: 'median_deg', kind: 'float64', nullable: true },
  { name: 'p90_deg', kind: 'float64', nullable: true },
];

/** The schema of every table, by file name. */
export const SCHEMAS: Record<string, readonly Column[]> = {
  [DATASET_FILES.byStep]: [
    { name: 'decoder', kind: 'utf8' },
    { name: 't', kind: 'int32' },
    { name: 'mean_deg', kind: 'float64' },
    { name: 'median_deg', kind: 'float64' },
    { name: 'p90_deg', kind: 'float64' },
  ],
  [DATASET_FILES.bySpeed]: [
    { name: 'decoder', kind: 'utf8' },
    { name: 'bin', kind: 'int32' },
    { name: 'label', kind: 'utf8' },
    { name: 'speed_lo', kind: 'float64' },
    { name: 'speed_hi', kind: 'float64' },
    { name: 'count', kind: 'int64' },
    ...STATS,
  ],
  [DATASET_FILES.byStill]: [
    { name: 'decoder', kind: 'utf8' },
    { name: 'bin', kind: 'int32' },
    { name: 'label', kind: 'utf8' },
    { name: 'steps_lo', kind: 'int32', nullable: true },
    { name: 'steps_hi', kind: 'int32', nullable: true },
    { name: 'count', kind: 'int64' },
    ...STATS,
  ],
  [EVAL_FILES.driftTrace]: [
    { name: 'decoder', kind: 'utf8' },
    { name: 'start', kind: 'int32' },
    { name: 'start_deg', kind: 'float64' },
    { name: 'step', kind: 'int32' },
    { name: 'drift_deg', kind: 'float64' },
    { name: 'amplitude', kind: 'float64', optional: true },
    { name: 'amplitude_ratio', kind: 'float64', nullable: true, optional: true },
  ],
  [EVAL_FILES.drift]: [
    { name: 'decoder', kind: 'utf8' },
    { name: 'start', kind: 'int32' },
    { name: 'start_deg', kind: 'float64' },
    { name: 'steps', kind: 'int32' },
    { name: 'drift_deg', kind: 'float64' },
    { name: 'amplitude_ratio', kind: 'float64', nullable: true, optional: true },
    { name: 'survived', kind: 'bool', optional: true },
  ],
  [EVAL_FILES.gain]: [
    { name: 'decoder', kind: 'utf8' },
    { name: 'velocity', kind: 'float64' },
    { name: 'velocity_ratio', kind: 'float64' },
    { name: 'trained', kind: 'bool' },
    { name: 'speed', kind: 'float64' },
    { name: 'gain', kind: 'float64', nullable: true },
    { name: 'amplitude_ratio', kind: 'float64', nullable: true, optional: true },
  ],
};

const TYPES: Record<Kind, () => DataType> = {
  utf8: () => new Utf8(),
  int32: () => new Int32(),
  int64: () => new Int64(),
  float64: () => new Float64(),
  bool: () => new Bool(),
};

/** Packed validity (or boolean) bits, LSB first, as Arrow lays them out. */
function bits(length: number, isSet: (i: number) => boolean): Uint8Array {
  const out = new Uint8Array(Math.ceil(length / 8));
  for (let i = 0; i < length; i++) if (isSet(i)) out[i >> 3] |= 1 << (i & 7);
  return out;
}

/** One column's Arrow data from row values (null → a null slot; a non-nullable column rejects null). */
function columnData(col: Column, values: unknown[]): Data {
  const n = values.length;
  const nulls = values.reduce<number>((c, v) => c + (v === null ? 1 : 0), 0);
  if (nulls > 0 && !col.nullable) throw new Error(`column ${col.name}: null in a non-nullable column`);
  const nullBitmap = nulls > 0 ? bits(n, (i) => values[i] !== null) : undefined;
  const common = { length: n, nullCount: nulls, nullBitmap };
  switch (col.kind) {
    case 'float64':
      return makeData({ type: new Float64(), ...common, data: Float64Array.from(values, (v) => (v === null ? 0 : (v as number))) });
    case 'int32':
      return makeData({ type: new Int32(), ...common, data: Int32Array.from(values, (v) => (v === null ? 0 : (v as number))) });
    case 'int64':
      return makeData({ type: new Int64(), ...common, data: BigInt64Array.from(values, (v) => BigInt(v === null ? 0 : (v as number))) });
    case 'bool':
      return makeData({ type: new Bool(), ...common, data: bits(n, (i) => values[i] === true) });
    case 'utf8': {
      // Columns like `decoder` repeat a few strings over many rows: encode each once.
      const encoder = new TextEncoder();
      const cache = new Map<string, Uint8Array>();
      const encoded = values.map((v) => {
        const text = v === null ? '' : String(v);
        let e = cache.get(text);
        if (e === undefined) cache.set(text, (e = encoder.encode(text)));
        return e;
      });
      const valueOffsets = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) valueOffsets[i + 1] = valueOffsets[i] + encoded[i].length;
      const data = new Uint8Array(valueOffsets[n]);
      encoded.forEach((e, i) => data.set(e, valueOffsets[i]));
      return makeData({ type: new Utf8(), ...common, valueOffsets, data });
    }
  }
}

/** Arrow IPC file bytes of `rows` under `file`'s schema; an optional column is written when the rows carry it. */
export function rowsToIpc(file: string, rows: readonly object[]): Uint8Array {
  const schemaCols = SCHEMAS[file];
  if (!schemaCols) throw new Error(`no schema for ${file}`);
  const records = rows as readonly Record<string, unknown>[];
  const cols = schemaCols.filter((c) => {
    if (!c.optional) return true;
    const present = records.filter((r) => r[c.name] !== undefined).length;
    if (present !== 0 && present !== records.length) throw new Error(`${file}: column ${c.name} given for ${present} of ${records.length} rows`);
    return present > 0;
  });
  for (const c of cols) if (!c.optional && records.some((r) => r[c.name] === undefined)) throw new Error(`${file}: a row has no ${c.name}`);
  const fields = cols.map((c) => new Field(c.name, TYPES[c.kind](), c.nullable === true));
  const schema = new Schema(fields);
  const children = cols.map((c) => columnData(c, records.map((r) => r[c.name])));
  const struct = makeData({ type: new Struct(fields), length: records.length, nullCount: 0, children });
  return tableToIPC(new Table(schema, [new RecordBatch(schema, struct)]), 'file');
}

function badFile(path: string, what: string): never {
  badRunFile(dirname(path), basename(path), what, 'eval');
}

/** Reads rows of `file`'s schema back from IPC bytes; a missing column or a wrong type is an error naming `path`. */
export function ipcToRows<R>(file: string, bytes: Uint8Array, path = file): R[] {
  const schemaCols = SCHEMAS[file];
  if (!schemaCols) throw new Error(`no schema for ${file}`);
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    badFile(path, `not a readable Arrow IPC file (${(err as Error).message.split('\n')[0]})`);
  }
  const present: { col: Column; vec: Vector }[] = [];
  for (const col of schemaCols) {
    const vec = table.getChild(col.name);
    if (!vec) {
      if (col.optional) continue;
      badFile(path, `no column ${col.name}`);
    }
    if (String(vec.type) !== String(TYPES[col.kind]())) badFile(path, `column ${col.name} is ${vec.type}, expected ${TYPES[col.kind]()}`);
    present.push({ col, vec });
  }
  const rows: Record<string, unknown>[] = Array.from({ length: table.numRows }, () => ({}));
  for (const { col, vec } of present) {
    for (let i = 0; i < table.numRows; i++) {
      const v = vec.get(i) as unknown;
      if (v === null && !col.nullable) badFile(path, `null in column ${col.name}`);
      rows[i][col.name] = typeof v === 'bigint' ? Number(v) : v;
    }
  }
  for (const r of rows) if (!(DECODERS as readonly unknown[]).includes(r.decoder)) badFile(path, `unknown decoder ${JSON.stringify(r.decoder)}`);
  return rows as R[];
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    badFile(path, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Reads a table file `file` (one of EVAL_FILES / DATASET_FILES) from `dir`. */
export function readTable<R>(dir: string, file: string): R[] {
  const path = join(dir, file);
  return ipcToRows<R>(file, readBytes(path), path);
}

/** Reads and checks eval.json from an eval output folder. */
export function readEvalSummary(dir: string): EvalSummary {
  const path = join(dir, EVAL_FILES.summary);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(readBytes(path)).toString('utf8'));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    badFile(path, 'not valid JSON');
  }
  const s = value as Partial<EvalSummary> | null;
  if (!s || typeof s !== 'object' || s.version !== 1 || !Array.isArray(s.datasets) || typeof s.drift !== 'object' || typeof s.gain !== 'object') {
    badFile(path, 'not an eval summary of version 1');
  }
  return s as EvalSummary;
}

/** Reads every file of an eval output folder (what ring-viz and ring-compare need). */
export function readEvaluation(dir: string): Evaluation {
  const summary = readEvalSummary(dir);
  const datasets: Record<string, DatasetTables> = {};
  for (const d of summary.datasets) {
    const sub = join(dir, d.name);
    datasets[d.name] = {
      byStep: readTable<ErrorByStepRow>(sub, DATASET_FILES.byStep),
      bySpeed: readTable<ErrorBySpeedRow>(sub, DATASET_FILES.bySpeed),
      byStill: readTable<ErrorByStillRow>(sub, DATASET_FILES.byStill),
    };
  }
  return {
    summary,
    datasets,
    drift: readTable<DriftRow>(dir, EVAL_FILES.drift),
    driftTrace: readTable<DriftTraceRow>(dir, EVAL_FILES.driftTrace),
    gain: readTable<GainRow>(dir, EVAL_FILES.gain),
  };
}

/** Writes every file of `ev` into `dir` (each atomically), eval.json last: it marks a complete evaluation. */
export async function writeEvaluation(dir: string, ev: Evaluation): Promise<string[]> {
  const written: string[] = [];
  const put = async (sub: string, file: string, rows: readonly object[]): Promise<void> => {
    const folder = sub === '' ? dir : join(dir, sub);
    await mkdir(folder, { recursive: true });
    await writeFileAtomic(join(folder, file), rowsToIpc(file, rows));
    written.push(sub === '' ? file : join(sub, file));
  };
  for (const d of ev.summary.datasets) {
    const t = ev.datasets[d.name];
    await put(d.name, DATASET_FILES.byStep, t.byStep);
    await put(d.name, DATASET_FILES.bySpeed, t.bySpeed);
    await put(d.name, DATASET_FILES.byStill, t.byStill);
  }
  await put('', EVAL_FILES.drift, ev.drift);
  await put('', EVAL_FILES.driftTrace, ev.driftTrace);
  await put('', EVAL_FILES.gain, ev.gain);
  if (ev.trace) {
    await writeFileAtomic(join(dir, EVAL_FILES.trace), traceToIpc(ev.trace.data, ev.trace.n));
    written.push(EVAL_FILES.trace);
  }
  await writeFileAtomic(join(dir, EVAL_FILES.summary), `${JSON.stringify(ev.summary, null, 2)}\n`);
  written.push(EVAL_FILES.summary);
  return written;
}
