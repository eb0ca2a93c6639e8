/**
 * Arrow IPC files of the train stage (FORMATS.md): metrics.arrow, snapshots.arrow, eval_trace.arrow,
 * and the readers a resumed run uses to continue metrics and snapshots.
 */
import {
  Data,
  DataType,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  RecordBatch,
  Schema,
  Struct,
  Table,
  makeData,
  tableFromIPC,
  tableToIPC,
} from 'apache-arrow';

/** Schema-metadata key holding run.json's `config` as JSON. */
export const CONFIG_METADATA_KEY = 'ring_attractor.config';

/** One training step's row of metrics.arrow. */
export interface MetricsRow {
  step: number;
  loss_total: number;
  loss_angle: number;
  loss_bump: number;
  grad_norm: number;
  ms: number;
}

/** One row of snapshots.arrow: losses and every weight matrix (row-major N×N) at `step`. */
export interface SnapshotRow {
  step: number;
  loss_total: number;
  loss_angle: number;
  loss_bump: number;
  weights: Record<string, Float32Array>;
}

/** The SPEC §5 evaluation trace of one sequence (T time steps, N neurons). */
export interface EvalTrace {
  av: Float32Array;
  angle: Float32Array;
  decoded_pv: Float32Array;
  decoded_argmax: Float32Array;
  /** T×N row-major cosine output. */
  output: Float32Array;
  /** T×N row-major bump (network state). */
  bump: Float32Array;
}

type Column = { name: string; data: Data };

function flat<T extends Int32 | Float32 | Float64>(type: T, values: T['TArray'], length: number): Data<T> {
  return makeData({ type, length, data: values } as never) as unknown as Data<T>;
}

function fixedList(size: number, values: Float32Array, length: number): Data<FixedSizeList<Float32>> {
  const type = new FixedSizeList(size, new Field('item', new Float32(), false));
  return makeData({ type, length, child: flat(new Float32(), values, length * size) });
}

function toIpc(columns: Column[], length: number, metadata?: Map<string, string>): Uint8Array {
  const fields = columns.map((c) => new Field(c.name, c.data.type as DataType, false));
  const schema = new Schema(fields, metadata);
  const struct = makeData({ type: new Struct(fields), length, children: columns.map((c) => c.data) });
  return tableToIPC(new Table(schema, [new RecordBatch(schema, struct)]), 'file');
}

function column32(rows: readonly object[], key: string): Float32Array {
  return Float32Array.from(rows, (r) => (r as Record<string, number>)[key]);
}

/** metrics.arrow bytes: one row per step. */
export function metricsToIpc(rows: readonly MetricsRow[]): Uint8Array {
  const n = rows.length;
  return toIpc(
    [
      { name: 'step', data: flat(new Int32(), Int32Array.from(rows, (r) => r.step), n) },
      { name: 'loss_total', data: flat(new Float32(), column32(rows, 'loss_total'), n) },
      { name: 'loss_angle', data: flat(new Float32(), column32(rows, 'loss_angle'), n) },
      { name: 'loss_bump', data: flat(new Float32(), column32(rows, 'loss_bump'), n) },
      { name: 'grad_norm', data: flat(new Float32(), column32(rows, 'grad_norm'), n) },
      { name: 'ms', data: flat(new Float64(), Float64Array.from(rows, (r) => r.ms), n) },
    ],
    n,
  );
}

/** snapshots.arrow bytes; `names` are the weight matrices in column order, each N×N. */
export function snapshotsToIpc(rows: readonly SnapshotRow[], names: readonly string[], n: number, configJson: string): Uint8Array {
  const len = rows.length;
  const columns: Column[] = [
    { name: 'step', data: flat(new Int32(), Int32Array.from(rows, (r) => r.step), len) },
    { name: 'loss_total', data: flat(new Float32(), column32(rows, 'loss_total'), len) },
    { name: 'loss_angle', data: flat(new Float32(), column32(rows, 'loss_angle'), len) },
    { name: 'loss_bump', data: flat(new Float32(), column32(rows, 'loss_bump'), len) },
  ];
  for (const name of names) {
    const values = new Float32Array(len * n * n);
    rows.forEach((r, i) => values.set(r.weights[name], i * n * n));
    columns.push({ name, data: fixedList(n * n, values, len) });
  }
  return toIpc(columns, len, new Map([[CONFIG_METADATA_KEY, configJson]]));
}

/** eval_trace.arrow bytes: one row per time step of the SPEC §5 evaluation sequence. */
export function evalTraceToIpc(trace: EvalTrace, n: number, configJson: string): Uint8Array {
  const t = trace.av.length;
  return toIpc(
    [
      { name: 't', data: flat(new Int32(), Int32Array.from({ length: t }, (_, i) => i), t) },
      { name: 'av', data: flat(new Float32(), trace.av, t) },
      { name: 'angle', data: flat(new Float32(), trace.angle, t) },
      { name: 'decoded_pv', data: flat(new Float32(), trace.decoded_pv, t) },
      { name: 'decoded_argmax', data: flat(new Float32(), trace.decoded_argmax, t) },
      { name: 'output', data: fixedList(n, trace.output, t) },
      { name: 'bump', data: fixedList(n, trace.bump, t) },
    ],
    t,
    new Map([[CONFIG_METADATA_KEY, configJson]]),
  );
}

function numbers(table: Table, name: string): ArrayLike<number> {
  const col = table.getChild(name);
  if (!col) throw new Error(`missing column ${name}`);
  return col.toArray() as ArrayLike<number>;
}

/** Reads metrics.arrow back (for resuming). */
export function metricsFromIpc(bytes: Uint8Array): MetricsRow[] {
  const table = tableFromIPC(bytes);
  const cols = ['step', 'loss_total', 'loss_angle', 'loss_bump', 'grad_norm', 'ms'].map((c) => numbers(table, c));
  return Array.from({ length: table.numRows }, (_, i) => ({
    step: cols[0][i],
    loss_total: cols[1][i],
    loss_angle: cols[2][i],
    loss_bump: cols[3][i],
    grad_norm: cols[4][i],
    ms: cols[5][i],
  }));
}

/** Reads snapshots.arrow back (for resuming); weights are copied out of the Arrow buffers. */
export function snapshotsFromIpc(bytes: Uint8Array, names: readonly string[]): SnapshotRow[] {
  const table = tableFromIPC(bytes);
  const cols = ['step', 'loss_total', 'loss_angle', 'loss_bump'].map((c) => numbers(table, c));
  const mats = names.map((name) => {
    const col = table.getChild(name);
    if (!col) throw new Error(`missing column ${name}`);
    return col;
  });
  return Array.from({ length: table.numRows }, (_, i) => ({
    step: cols[0][i],
    loss_total: cols[1][i],
    loss_angle: cols[2][i],
    loss_bump: cols[3][i],
    weights: Object.fromEntries(names.map((name, k) => [name, Float32Array.from(mats[k].get(i)!.toArray() as Float32Array)])),
  }));
}
