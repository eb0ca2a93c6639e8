/** metrics.arrow: one row per training step (docs/formats.md). */
import { Float32, Float64, Int32, tableFromIPC, type Table } from 'apache-arrow';
import { badRunFile, flat, numbers, parseTable, readRunBytes, tableBytes } from './arrowTables.js';
import { CONFIG_KEY, RUN_FILES } from './names.js';

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

/** The loss parts a table holds: its `loss_*` columns other than `loss_total`, in file order. */
export function lossParts(table: Table): string[] {
  return table.schema.fields.map((f) => f.name).filter((n) => n.startsWith('loss_') && n !== 'loss_total').map((n) => n.slice(5));
}

/** metrics.arrow bytes: step, loss_total, loss_<part>…, grad_norm (Float32), ms (Float64); the run's config in the schema metadata. */
export function metricsToIpc(rows: readonly MetricsRow[], parts: readonly string[], configJson: string): Uint8Array {
  const n = rows.length;
  return tableBytes(
    [
      { name: 'step', data: flat(new Int32(), Int32Array.from(rows, (r) => r.step), n) },
      { name: 'loss_total', data: flat(new Float32(), Float32Array.from(rows, (r) => r.loss_total), n) },
      ...parts.map((p) => ({ name: lossColumn(p), data: flat(new Float32(), Float32Array.from(rows, (r) => r.losses[p]), n) })),
      { name: 'grad_norm', data: flat(new Float32(), Float32Array.from(rows, (r) => r.grad_norm), n) },
      { name: 'ms', data: flat(new Float64(), Float64Array.from(rows, (r) => r.ms), n) },
    ],
    n,
    new Map([[CONFIG_KEY, configJson]]),
  );
}

/** Rows of metrics.arrow bytes (a resumed run continues them). */
export function metricsFromIpc(bytes: Uint8Array): MetricsRow[] {
  const table = tableFromIPC(bytes);
  const col = (c: string): ArrayLike<number> => {
    const v = table.getChild(c);
    if (!v) throw new Error(`missing column ${c}`);
    return v.toArray() as ArrayLike<number>;
  };
  const parts = lossParts(table);
  const [step, total, grad, ms] = ['step', 'loss_total', 'grad_norm', 'ms'].map(col);
  const partCols = parts.map((p) => col(lossColumn(p)));
  return Array.from({ length: table.numRows }, (_, i) => ({
    step: step[i],
    loss_total: total[i],
    losses: Object.fromEntries(parts.map((p, k) => [p, partCols[k][i]])),
    grad_norm: grad[i],
    ms: ms[i],
  }));
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
    parts: Object.fromEntries(lossParts(table).map((p) => [p, numbers(dir, file, table, lossColumn(p))])),
    gradNorm: numbers(dir, file, table, 'grad_norm'),
  };
}
