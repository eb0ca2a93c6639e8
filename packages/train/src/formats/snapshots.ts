/** snapshots.arrow: the weight matrices at every snapshot step (docs/formats.md). */
import { DataType, Field, FixedSizeList, Float32, Int32, Schema, Table, tableFromIPC, tableToIPC, type RecordBatch } from 'apache-arrow';
import { badRunFile, fixedList, flat, identityMetadata, listRows, numbers, parseTable, readRunBytes, recordBatch, tensorMetadata, type RunIdentity } from './arrowTables.js';
import { lossColumn, lossParts } from './metrics.js';
import { RUN_FILES } from './names.js';

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

/** snapshots.arrow's schema: step, loss_total, loss_<part>…, then each matrix as an `arrow.fixed_shape_tensor` column of its shape; the run's identity in its metadata. */
export function snapshotsSchema(parts: readonly string[], matrices: readonly MatrixColumn[], identity: RunIdentity): Schema {
  return new Schema(
    [
      new Field('step', new Int32(), false),
      new Field('loss_total', new Float32(), false),
      ...parts.map((p) => new Field(lossColumn(p), new Float32(), false)),
      ...matrices.map(
        ({ name, shape }) => new Field(name, new FixedSizeList(size(shape), new Field('item', new Float32(), false)), false, tensorMetadata(shape)),
      ),
    ],
    identityMetadata(identity),
  );
}

/** Rows as one record batch of a {@link snapshotsSchema}. */
export function snapshotsBatch(schema: Schema, rows: readonly SnapshotRow[]): RecordBatch {
  const len = rows.length;
  const parts = lossParts(schema);
  const matrices = schema.fields.filter((f) => DataType.isFixedSizeList(f.type));
  return recordBatch(
    schema,
    [
      flat(new Int32(), Int32Array.from(rows, (r) => r.step), len),
      flat(new Float32(), Float32Array.from(rows, (r) => r.loss_total), len),
      ...parts.map((p) => flat(new Float32(), Float32Array.from(rows, (r) => r.losses[p]), len)),
      ...matrices.map(({ name, type }) => {
        const n = (type as FixedSizeList).listSize;
        const values = new Float32Array(len * n);
        rows.forEach((r, i) => values.set(r.weights[name], i * n));
        return fixedList(n, values, len);
      }),
    ],
    len,
  );
}

/** snapshots.arrow bytes of `rows` as one record batch (what the training loop appends row by row). */
export function snapshotsToIpc(rows: readonly SnapshotRow[], parts: readonly string[], matrices: readonly MatrixColumn[], identity: RunIdentity): Uint8Array {
  const schema = snapshotsSchema(parts, matrices, identity);
  return tableToIPC(new Table(schema, [snapshotsBatch(schema, rows)]), 'file');
}

/** Rows of snapshots.arrow bytes; weights are copied out of the Arrow buffers. */
export function snapshotsFromIpc(bytes: Uint8Array, names: readonly string[]): SnapshotRow[] {
  const table = tableFromIPC(bytes);
  const get = (c: string) => {
    const col = table.getChild(c);
    if (!col) throw new Error(`missing column ${c}`);
    return col;
  };
  const parts = lossParts(table.schema);
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
    parts: Object.fromEntries(lossParts(table.schema).map((p) => [p, numbers(dir, file, table, lossColumn(p))])),
    names,
    shapes,
    matrices,
    n: square ? first[0] : 0,
  };
}
