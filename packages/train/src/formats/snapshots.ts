/** snapshots.arrow: the weight matrices at every snapshot step (docs/formats.md). */
import { DataType, Float32, Int32, tableFromIPC } from 'apache-arrow';
import { badRunFile, fixedList, flat, listRows, numbers, parseTable, readRunBytes, tableBytes, tensorMetadata, type Column } from './arrowTables.js';
import { lossColumn, lossParts } from './metrics.js';
import { CONFIG_KEY, RUN_FILES } from './names.js';

/** One row of snapshots.arrow: the losses of that step and every weight matrix (row-major) at `step`. */
export interface SnapshotRow {
  step: number;
  loss_total: number;
  losses: Record<string, number>;
  weights: Record<string, Float32Array>;
}

/** A weight matrix column: its parameter name and shape. */
export interface MatrixColumn {
  name: string;
  shape: number[];
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** snapshots.arrow bytes: step, loss_total, loss_<part>…, then each matrix as an `arrow.fixed_shape_tensor` column of its shape. */
export function snapshotsToIpc(rows: readonly SnapshotRow[], parts: readonly string[], matrices: readonly MatrixColumn[], configJson: string): Uint8Array {
  const len = rows.length;
  const columns: Column[] = [
    { name: 'step', data: flat(new Int32(), Int32Array.from(rows, (r) => r.step), len) },
    { name: 'loss_total', data: flat(new Float32(), Float32Array.from(rows, (r) => r.loss_total), len) },
    ...parts.map((p) => ({ name: lossColumn(p), data: flat(new Float32(), Float32Array.from(rows, (r) => r.losses[p]), len) })),
  ];
  for (const { name, shape } of matrices) {
    const n = size(shape);
    const values = new Float32Array(len * n);
    rows.forEach((r, i) => values.set(r.weights[name], i * n));
    columns.push({ name, data: fixedList(n, values, len), metadata: tensorMetadata(shape) });
  }
  return tableBytes(columns, len, new Map([[CONFIG_KEY, configJson]]));
}

/** Rows of snapshots.arrow bytes (a resumed run continues them); weights are copied out of the Arrow buffers. */
export function snapshotsFromIpc(bytes: Uint8Array, names: readonly string[]): SnapshotRow[] {
  const table = tableFromIPC(bytes);
  const get = (c: string) => {
    const col = table.getChild(c);
    if (!col) throw new Error(`missing column ${c}`);
    return col;
  };
  const parts = lossParts(table);
  const step = get('step').toArray() as ArrayLike<number>;
  const total = get('loss_total').toArray() as ArrayLike<number>;
  const partCols = parts.map((p) => get(lossColumn(p)).toArray() as ArrayLike<number>);
  const mats = names.map(get);
  return Array.from({ length: table.numRows }, (_, i) => ({
    step: step[i],
    loss_total: total[i],
    losses: Object.fromEntries(parts.map((p, k) => [p, partCols[k][i]])),
    weights: Object.fromEntries(names.map((name, k) => [name, Float32Array.from(mats[k].get(i)!.toArray() as Float32Array)])),
  }));
}

/** The weight snapshots of a run, column by column: one entry per snapshot step, matrices row-major. */
export interface Snapshots {
  steps: number[];
  lossTotal: number[];
  parts: Record<string, number[]>;
  /** Matrix names in file order (Wo, Wl, Wr, … for a ring). */
  names: string[];
  /** Each matrix's shape. */
  shapes: Record<string, number[]>;
  /** matrices[name][s] is snapshot s of that matrix. */
  matrices: Record<string, Float32Array[]>;
  /** N when every matrix is N×N (a ring), else 0. */
  n: number;
}

/** A column's tensor shape: its `arrow.fixed_shape_tensor` metadata, else one row of its list size. */
function shapeOf(field: { type: DataType; metadata: Map<string, string> }): number[] | null {
  if (!DataType.isFixedSizeList(field.type)) return null;
  const meta = field.metadata.get('ARROW:extension:metadata');
  if (field.metadata.get('ARROW:extension:name') === 'arrow.fixed_shape_tensor' && meta) {
    try {
      const shape = (JSON.parse(meta) as { shape?: unknown }).shape;
      if (Array.isArray(shape) && shape.every((x) => Number.isInteger(x))) return shape as number[];
    } catch {
      // falls back to the list size below
    }
  }
  return [field.type.listSize];
}

/** Reads snapshots.arrow of a run folder; matrices are the tensor columns after the step and loss columns. */
export function readSnapshots(dir: string): Snapshots {
  const file = RUN_FILES.snapshots;
  const table = parseTable(dir, file, readRunBytes(dir, file));
  if (table.numRows < 1) badRunFile(dir, file, 'no snapshot rows');
  const shapes: Record<string, number[]> = {};
  for (const f of table.schema.fields) {
    if (f.name === 'step' || f.name.startsWith('loss_')) continue;
    const shape = shapeOf(f);
    if (shape && size(shape) === (f.type as { listSize: number }).listSize) shapes[f.name] = shape;
    else badRunFile(dir, file, `column ${f.name}: expected a fixed-shape tensor of float32`);
  }
  const names = Object.keys(shapes);
  const matrices: Record<string, Float32Array[]> = {};
  for (const name of names) matrices[name] = listRows(dir, file, table, name, size(shapes[name]));
  const first = names.length ? shapes[names[0]] : [];
  const square = names.length > 0 && first.length === 2 && first[0] === first[1] && names.every((m) => shapes[m].join() === first.join());
  return {
    steps: numbers(dir, file, table, 'step'),
    lossTotal: numbers(dir, file, table, 'loss_total'),
    parts: Object.fromEntries(lossParts(table).map((p) => [p, numbers(dir, file, table, lossColumn(p))])),
    names,
    shapes,
    matrices,
    n: square ? first[0] : 0,
  };
}
