/** metrics.arrow: one row per training step (docs/formats.md). */
import { Float32, Float64, Int32, tableFromIPC } from 'apache-arrow';
import { badRunFile, column32, flat, numbers, parseTable, readRunBytes, tableBytes } from './arrowTables.js';
import { CONFIG_KEY, RUN_FILES } from './names.js';

/** One training step's row of metrics.arrow. */
export interface MetricsRow {
  step: number;
  loss_total: number;
  loss_angle: number;
  loss_bump: number;
  grad_norm: number;
  ms: number;
}

/** The columns of metrics.arrow, in file order, with their Arrow types. */
export const METRICS_COLUMNS = { step: 'Int32', loss_total: 'Float32', loss_angle: 'Float32', loss_bump: 'Float32', grad_norm: 'Float32', ms: 'Float64' } as const;

/** metrics.arrow bytes: one row per step, the run's config in the schema metadata. */
export function metricsToIpc(rows: readonly MetricsRow[], configJson: string): Uint8Array {
  const n = rows.length;
  return tableBytes(
    [
      { name: 'step', data: flat(new Int32(), Int32Array.from(rows, (r) => r.step), n) },
      { name: 'loss_total', data: flat(new Float32(), column32(rows, 'loss_total'), n) },
      { name: 'loss_angle', data: flat(new Float32(), column32(rows, 'loss_angle'), n) },
      { name: 'loss_bump', data: flat(new Float32(), column32(rows, 'loss_bump'), n) },
      { name: 'grad_norm', data: flat(new Float32(), column32(rows, 'grad_norm'), n) },
      { name: 'ms', data: flat(new Float64(), Float64Array.from(rows, (r) => r.ms), n) },
    ],
    n,
    new Map([[CONFIG_KEY, configJson]]),
  );
}

/** Rows of metrics.arrow bytes (a resumed run continues them). */
export function metricsFromIpc(bytes: Uint8Array): MetricsRow[] {
  const table = tableFromIPC(bytes);
  const cols = Object.keys(METRICS_COLUMNS).map((c) => {
    const col = table.getChild(c);
    if (!col) throw new Error(`missing column ${c}`);
    return col.toArray() as ArrayLike<number>;
  });
  return Array.from({ length: table.numRows }, (_, i) => ({
    step: cols[0][i],
    loss_total: cols[1][i],
    loss_angle: cols[2][i],
    loss_bump: cols[3][i],
    grad_norm: cols[4][i],
    ms: cols[5][i],
  }));
}

/** Per-step training metrics of a run folder, column by column (what the figures read). */
export interface Metrics {
  step: number[];
  lossTotal: number[];
  lossAngle: number[];
  lossBump: number[];
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
    lossAngle: numbers(dir, file, table, 'loss_angle'),
    lossBump: numbers(dir, file, table, 'loss_bump'),
    gradNorm: numbers(dir, file, table, 'grad_norm'),
  };
}
