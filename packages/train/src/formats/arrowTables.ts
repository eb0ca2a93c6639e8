/** Building and reading the flat Arrow tables of the train stage: plain columns, matrices as fixed-shape tensors. */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
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
  type Vector,
} from 'apache-arrow';
import { UsageError } from '@ring-attractor/common';
import { CONFIG_KEY, DATASET_KEY } from './names.js';

/** Which run a file belongs to: its config (JSON, as written) and the sha256 of the train.arrow it trained on. */
export interface RunIdentity {
  configJson: string;
  datasetSha256: string;
}

/** The schema metadata that records a {@link RunIdentity}. */
export function identityMetadata(id: RunIdentity): Map<string, string> {
  return new Map([
    [CONFIG_KEY, id.configJson],
    [DATASET_KEY, id.datasetSha256],
  ]);
}

/** One record batch of `schema` from its columns' data, in field order. */
export function recordBatch(schema: Schema, children: Data[], length: number): RecordBatch {
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, children }));
}

/** A column to write: its name, its data, and the field metadata (e.g. the fixed-shape-tensor extension). */
export interface Column {
  name: string;
  data: Data;
  metadata?: Map<string, string>;
}

/** A flat column of numbers. */
export function flat<T extends Int32 | Float32 | Float64>(type: T, values: T['TArray'], length: number): Data<T> {
  return makeData({ type, length, data: values } as never) as unknown as Data<T>;
}

/** A column of `length` rows, each `size` float32 values in a row. */
export function fixedList(size: number, values: Float32Array, length: number): Data<FixedSizeList<Float32>> {
  const type = new FixedSizeList(size, new Field('item', new Float32(), false));
  return makeData({ type, length, child: flat(new Float32(), values, length * size) });
}

/**
 * Field metadata tagging a FixedSizeList<Float32>[∏shape] column with Arrow's canonical
 * `arrow.fixed_shape_tensor` extension, so pyarrow/polars readers get each row as a shape[0]×shape[1]… array.
 */
export function tensorMetadata(shape: readonly number[]): Map<string, string> {
  return new Map([
    ['ARROW:extension:name', 'arrow.fixed_shape_tensor'],
    ['ARROW:extension:metadata', JSON.stringify({ shape })],
  ]);
}

/** The bytes of an Arrow IPC file holding `columns` as one record batch of `length` rows. */
export function tableBytes(columns: Column[], length: number, metadata?: Map<string, string>): Uint8Array {
  const fields = columns.map((c) => new Field(c.name, c.data.type as DataType, false, c.metadata));
  const schema = new Schema(fields, metadata);
  const struct = makeData({ type: new Struct(fields), length, children: columns.map((c) => c.data) });
  return tableToIPC(new Table(schema, [new RecordBatch(schema, struct)]), 'file');
}

/** Float32 values of one row-field of objects. */
export function column32(rows: readonly object[], key: string): Float32Array {
  return Float32Array.from(rows, (r) => (r as Record<string, number>)[key]);
}

/** How to make a stage's folder: its stage, and the nx target when the folder is an experiment's. */
export function stageHint(dir: string, stage = 'train'): string {
  const m = /experiments[\\/]([^\\/]+)/.exec(dir);
  return `run the ${stage} stage (nx run experiment-${m ? m[1] : '<name>'}:${stage})`;
}

/** Throws the one-line error for a bad file of a stage's folder: which file, what is wrong, which stage makes it. */
export function badRunFile(dir: string, file: string, what: string, stage = 'train'): never {
  throw new UsageError(`${file} in ${dir}: ${what} — ${stageHint(dir, stage)}`);
}

/** A stage folder's file as bytes, or the one-line error naming it (missing, a folder, empty). */
export function readRunBytes(dir: string, file: string, stage = 'train'): Buffer {
  const path = join(dir, file);
  try {
    if (!statSync(path).isFile()) badRunFile(dir, file, 'not a file', stage);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    badRunFile(dir, file, 'missing', stage);
  }
  const bytes = readFileSync(path);
  if (bytes.length === 0) badRunFile(dir, file, 'empty', stage);
  return bytes;
}

/** Parses an Arrow IPC file of a stage folder; a cut-off or foreign file is the one-line error naming it. */
export function parseTable(dir: string, file: string, bytes: Uint8Array, stage = 'train'): Table {
  // An Arrow IPC file starts and ends with the magic ARROW1; a cut-off file loses the footer.
  const magic = 'ARROW1';
  const text = (a: number, b: number): string => Buffer.from(bytes.subarray(a, b)).toString('latin1');
  if (bytes.length < 12 || text(0, 6) !== magic || text(bytes.length - 6, bytes.length) !== magic) {
    badRunFile(dir, file, 'truncated or not an Arrow IPC file', stage);
  }
  try {
    return tableFromIPC(bytes);
  } catch {
    badRunFile(dir, file, 'truncated or not an Arrow IPC file', stage);
  }
}

/** A column of a run file's table, or the error naming the file and column. */
export function columnOf(dir: string, file: string, table: Table, name: string): Vector {
  const col = table.getChild(name);
  if (!col) badRunFile(dir, file, `column ${name} missing`);
  return col;
}

/** A numeric column as plain numbers. */
export function numbers(dir: string, file: string, table: Table, name: string): number[] {
  const col = columnOf(dir, file, table, name);
  const out = new Array<number>(col.length);
  for (let i = 0; i < col.length; i++) out[i] = Number(col.get(i));
  return out;
}

/** Size of a FixedSizeList column, or 0 if the column is something else. */
export function listSize(col: Vector): number {
  return DataType.isFixedSizeList(col.type) ? col.type.listSize : 0;
}

/** Rows of a FixedSizeList<Float32> column, each copied out (so the file's buffers may be freed). */
export function listRows(dir: string, file: string, table: Table, name: string, size: number): Float32Array[] {
  const col = columnOf(dir, file, table, name);
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
