/** metrics.arrow: one row per training step (docs/formats.md). */
import { Field, Float32, Float64, Int32, Schema, Table, tableFromIPC, tableToIPC, type RecordBatch } from 'apache-arrow';
import { badRunFile, flat, identityMetadata, numbers, parseTable, readRunBytes, recordBatch, type RunIdentity } from './arrowTables.js';
import { RUN_FILES } from './names.js';

/** One training step's row: the total loss, the model's loss parts by name (ring: angle, bump), the gradient norm, the time. */
export interface MetricsRow {
  step: number;
  loss_total: number;
  losses: Record<string, number>;
  grad_norm: number;
  ms: number;
}

/** The column of a loss part: `loss_<part>`. */
export const lossColumn = (part: string): string => `loss_${part}`;

/** The loss parts a schema holds: its `loss_*` columns other than `loss_total`, in file order. */
export function lossParts(schema: Schema): string[] {
  return schema.fields.map((f) => f.name).filter((n) => n.startsWith('loss_') && n !== 'loss_total').map((n) => n.slice(5));
}

/** metrics.arrow's schema: step (Int32), loss_total, loss_<part>…, grad_norm (Float32), ms (Float64); the run's identity in its metadata. */
export function metricsSchema(parts: readonly string[], identity: RunIdentity): Schema {
  return new Schema(
    [
      new Field('step', new Int32(), false),
      new Field('loss_total', new Float32(), false),
      ...parts.map((p) => new Field(lossColumn(p), new Float32(), false)),
      new Field('grad_norm', new Float32(), false),
      new Field('ms', new Float64(), false),
    ],
    identityMetadata(identity),
  );
}

/** Rows as one record batch of a {@link metricsSchema}. */
export function metricsBatch(schema: Schema, rows: readonly MetricsRow[]): RecordBatch {
  const n = rows.length;
  return recordBatch(
    schema,
    [
      flat(new Int32(), Int32Array.from(rows, (r) => r.step), n),
      flat(new Float32(), Float32Array.from(rows, (r) => r.loss_total), n),
      ...lossParts(schema).map((p) => flat(new Float32(), Float32Array.from(rows, (r) => r.losses[p]), n)),
      flat(new Float32(), Float32Array.from(rows, (r) => r.grad_norm), n),
      flat(new Float64(), Float64Array.from(rows, (r) => r.ms), n),
    ],
    n,
  );
}

/** metrics.arrow bytes of `rows` as one record batch (what the training loop appends batch by batch). */
export function metricsToIpc(rows: readonly MetricsRow[], parts: readonly string[], identity: RunIdentity): Uint8Array {
  const schema = metricsSchema(parts, identity);
  return tableToIPC(new Table(schema, [metricsBatch(schema, rows)]), 'file');
}

/** Rows of metrics record batches (or a table); throws on a missing column. */
export function metricsRows(batch: RecordBatch | Table): MetricsRow[] {
  const col = (c: string): ArrayLike<number> => {
    const v = batch.getChild(c);
    if (!v) throw new Error(`missing column ${c}`);
    return v.toArray() as ArrayLike<number>;
  };
  const parts = lossParts(batch.schema);
  const [step, total, grad, ms] = ['step', 'loss_total', 'grad_norm', 'ms'].map(col);
  const partCols = parts.map((p) => col(lossColumn(p)));
  return Array.from({ length: batch.numRows }, (_, i) => ({
    step: step[i],
    loss_total: total[i],
    losses: Object.fromEntries(parts.map((p, k) => [p, partCols[k][i]])),
    grad_norm: grad[i],
    ms: ms[i],
  }));
}

/** Rows of metrics.arrow bytes. */
export function metricsFromIpc(bytes: Uint8Array): MetricsRow[] {
  return metricsRows(tableFromIPC(bytes));
}

/** Per-step training metrics of a run folder, column by column (what the figures read). */
export interface Metrics {
  step: number[];
  lossTotal: number[];
  /** Each loss part's column, by part name, in file order. */
  parts: Record<string, number[]>;
  gradNorm: number[];
}

/** Reads metrics.arrow of a run folder; a missing or damaged file is a one-line error naming it. */
export function readMetrics(dir: string): Metrics {
  const file = RUN_FILES.metrics;
  const table = parseTable(dir, file, readRunBytes(dir, file));
  if (table.numRows < 1) badRunFile(dir, file, 'no metric rows');
  return {
    step: numbers(dir, file, table, 'step'),
    lossTotal: numbers(dir, file, table, 'loss_total'),
    parts: Object.fromEntries(lossParts(table.schema).map((p) => [p, numbers(dir, file, table, lossColumn(p))])),
    gradNorm: numbers(dir, file, table, 'grad_norm'),
  };
}
