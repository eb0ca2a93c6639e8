/** snapshots.arrow: the weight matrices at every snapshot step (docs/formats.md). */
import { Float32, Int32, tableFromIPC } from 'apache-arrow';
import {
  badRunFile,
  column32,
  fixedList,
  flat,
  listRows,
  listSize,
  numbers,
  parseTable,
  readRunBytes,
  tableBytes,
  tensorMetadata,
  type Column,
} from './arrowTables.js';
import { CONFIG_KEY, RUN_FILES } from './names.js';

/** One row of snapshots.arrow: losses and every weight matrix (row-major N×N) at `step`. */
export interface SnapshotRow {
  step: number;
  loss_total: number;
  loss_angle: number;
  loss_bump: number;
  weights: Record<string, Float32Array>;
}

/** The scalar columns, first in the file; every other column is an N×N weight matrix. */
export const SNAPSHOT_SCALARS = ['step', 'loss_total', 'loss_angle', 'loss_bump'] as const;

/** snapshots.arrow bytes; `names` are the weight matrices in column order, each N×N (an `arrow.fixed_shape_tensor`). */
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
    columns.push({ name, data: fixedList(n * n, values, len), metadata: tensorMetadata([n, n]) });
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
  const cols = SNAPSHOT_SCALARS.map((c) => get(c).toArray() as ArrayLike<number>);
  const mats = names.map(get);
  return Array.from({ length: table.numRows }, (_, i) => ({
    step: cols[0][i],
    loss_total: cols[1][i],
    loss_angle: cols[2][i],
    loss_bump: cols[3][i],
    weights: Object.fromEntries(names.map((name, k) => [name, Float32Array.from(mats[k].get(i)!.toArray() as Float32Array)])),
  }));
}

/** The weight snapshots of a run, column by column: one entry per snapshot step, matrices row-major N×N. */
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

/** Reads snapshots.arrow of a run folder; matrix names are the columns other than the scalars. */
export function readSnapshots(dir: string): Snapshots {
  const file = RUN_FILES.snapshots;
  const table = parseTable(dir, file, readRunBytes(dir, file));
  if (table.numRows < 1) badRunFile(dir, file, 'no snapshot rows');
  const names = table.schema.fields
    .map((f) => f.name)
    .filter((name) => !(SNAPSHOT_SCALARS as readonly string[]).includes(name) && listSize(table.getChild(name)!) > 0);
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
