import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC, type Table, type Vector } from 'apache-arrow';
import { UsageError } from '@ring-attractor/common';

/** The weight snapshots of a run: one entry per snapshot step, matrices row-major N×N. */
export interface Snapshots {
  steps: number[];
  lossTotal: number[];
  lossAngle: number[];
  lossBump: number[];
  /** Matrix names in file order (Wo, Wl, Wr, … as the train stage wrote them). */
  names: string[];
  /** matrices[name][s] is snapshot s of that matrix. */
  matrices: Record<string, Float32Array[]>;
  n: number;
}

/** Per-step training metrics. */
export interface Metrics {
  step: number[];
  lossTotal: number[];
  lossAngle: number[];
  lossBump: number[];
  gradNorm: number[];
}

/** The seed's T = 200 evaluation sequence. */
export interface EvalTrace {
  t: number[];
  av: number[];
  angle: number[];
  decodedPv: number[];
  decodedArgmax: number[];
  /** output[t] and bump[t]: length-N rows. */
  output: Float32Array[];
  bump: Float32Array[];
}

/** Everything ring-viz needs from a train-stage output folder (FORMATS.md). */
export interface RunData {
  dir: string;
  run: Record<string, unknown> & { config?: Record<string, unknown> };
  evalSummary: Record<string, unknown>;
  snapshots: Snapshots;
  metrics: Metrics;
  trace: EvalTrace;
}

/** Names the stage that should have written a file, so a missing input says how to make it. */
export function trainHint(dir: string): string {
  const m = /experiments[\\/]([^\\/]+)/.exec(dir);
  const name = m ? m[1] : '<name>';
  return `run the train stage (nx run experiment-${name}:train)`;
}

/** Throws the one-line error for a bad file of a run folder: which file, what is wrong, which stage makes it. */
export function badRunFile(dir: string, file: string, what: string): never {
  throw new UsageError(`${file} in ${dir}: ${what} — ${trainHint(dir)}`);
}

function readBytes(dir: string, file: string): Buffer {
  const path = join(dir, file);
  try {
    if (!statSync(path).isFile()) badRunFile(dir, file, 'not a file');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    badRunFile(dir, file, 'missing');
  }
  const bytes = readFileSync(path);
  if (bytes.length === 0) badRunFile(dir, file, 'empty');
  return bytes;
}

/** Reads a JSON object file of a run folder, failing with {@link badRunFile} if missing, truncated or not an object. */
export function readRunJson(dir: string, file: string): Record<string, unknown> {
  const text = readBytes(dir, file).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    badRunFile(dir, file, 'truncated or not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) badRunFile(dir, file, 'expected a JSON object');
  return value as Record<string, unknown>;
}

function readTable(dir: string, file: string): Table {
  const bytes = readBytes(dir, file);
  // An Arrow IPC file starts and ends with the magic ARROW1; a cut-off file loses the footer.
  const magic = 'ARROW1';
  if (bytes.length < 12 || bytes.subarray(0, 6).toString('latin1') !== magic || bytes.subarray(bytes.length - 6).toString('latin1') !== magic) {
    badRunFile(dir, file, 'truncated or not an Arrow IPC file');
  }
  try {
    return tableFromIPC(bytes);
  } catch {
    badRunFile(dir, file, 'truncated or not an Arrow IPC file');
  }
}

function column(dir: string, file: string, table: Table, name: string): Vector {
  const col = table.getChild(name);
  if (!col) badRunFile(dir, file, `column ${name} missing`);
  return col;
}

function numbers(dir: string, file: string, table: Table, name: string): number[] {
  const col = column(dir, file, table, name);
  const out = new Array<number>(col.length);
  for (let i = 0; i < col.length; i++) out[i] = Number(col.get(i));
  return out;
}

/** Size of a FixedSizeList column, or 0 if the column is something else. */
function listSize(col: Vector): number {
  const t = col.type as { listSize?: unknown; typeId?: number };
  return typeof t.listSize === 'number' && col.type.toString().startsWith('FixedSizeList') ? t.listSize : 0;
}

/** Rows of a FixedSizeList<Float32> column as Float32Array views (copies, so chunks may be freed). */
function listRows(dir: string, file: string, table: Table, name: string, size: number): Float32Array[] {
  const col = column(dir, file, table, name);
  if (listSize(col) !== size) badRunFile(dir, file, `column ${name}: expected FixedSizeList[${size}]`);
  const rows: Float32Array[] = [];
  for (const chunk of col.data) {
    const child = chunk.children[0];
    const values = child?.values;
    if (!(values instanceof Float32Array)) badRunFile(dir, file, `column ${name}: expected Float32 elements`);
    for (let r = 0; r < chunk.length; r++) {
      const start = child.offset + (chunk.offset + r) * size;
      rows.push(values.slice(start, start + size));
    }
  }
  return rows;
}

const SNAPSHOT_SCALARS = ['step', 'loss_total', 'loss_angle', 'loss_bump'];

/** Reads snapshots.arrow; matrix names are the FixedSizeList columns other than step/loss_*. */
export function readSnapshots(dir: string): Snapshots {
  const file = 'snapshots.arrow';
  const table = readTable(dir, file);
  if (table.numRows < 1) badRunFile(dir, file, 'no snapshot rows');
  const names = table.schema.fields
    .map((f) => f.name)
    .filter((name) => !SNAPSHOT_SCALARS.includes(name) && listSize(table.getChild(name)!) > 0);
  if (names.length === 0) badRunFile(dir, file, 'no weight-matrix columns');
  const size = listSize(table.getChild(names[0])!);
  const n = Math.round(Math.sqrt(size));
  if (n * n !== size) badRunFile(dir, file, `column ${names[0]}: list size ${size} is not N*N`);
  const matrices: Record<string, Float32Array[]> = {};
  for (const name of names) matrices[name] = listRows(dir, file, table, name, size);
  return {
    steps: numbers(dir, file, table, 'step'),
    lossTotal: numbers(dir, file, table, 'loss_total'),
    lossAngle: numbers(dir, file, table, 'loss_angle'),
    lossBump: numbers(dir, file, table, 'loss_bump'),
    names,
    matrices,
    n,
  };
}

/** Reads metrics.arrow. */
export function readMetrics(dir: string): Metrics {
  const file = 'metrics.arrow';
  const table = readTable(dir, file);
  if (table.numRows < 1) badRunFile(dir, file, 'no metric rows');
  return {
    step: numbers(dir, file, table, 'step'),
    lossTotal: numbers(dir, file, table, 'loss_total'),
    lossAngle: numbers(dir, file, table, 'loss_angle'),
    lossBump: numbers(dir, file, table, 'loss_bump'),
    gradNorm: numbers(dir, file, table, 'grad_norm'),
  };
}

/** Reads eval_trace.arrow; `n` is the ring size the rows must have. */
export function readEvalTrace(dir: string, n: number): EvalTrace {
  const file = 'eval_trace.arrow';
  const table = readTable(dir, file);
  if (table.numRows < 3) badRunFile(dir, file, 'fewer than 3 time steps');
  return {
    t: numbers(dir, file, table, 't'),
    av: numbers(dir, file, table, 'av'),
    angle: numbers(dir, file, table, 'angle'),
    decodedPv: numbers(dir, file, table, 'decoded_pv'),
    decodedArgmax: numbers(dir, file, table, 'decoded_argmax'),
    output: listRows(dir, file, table, 'output', n),
    bump: listRows(dir, file, table, 'bump', n),
  };
}

/** Reads and checks a whole train-stage folder before anything is written. */
export function readRun(dir: string): RunData {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new UsageError(`--run: ${dir}: no such folder — ${trainHint(dir)}`);
  const snapshots = readSnapshots(dir);
  const metrics = readMetrics(dir);
  const trace = readEvalTrace(dir, snapshots.n);
  const evalSummary = readRunJson(dir, 'eval.json');
  const run = readRunJson(dir, 'run.json');
  return { dir, run, evalSummary, snapshots, metrics, trace };
}
