/** The Arrow layout of a dataset split: columns `av`, `angle` as FixedSizeList<Float32>[T], config in the metadata. */
import { DataType, Field, FixedSizeList, Float32, Precision, RecordBatch, Schema, Struct, makeData } from 'apache-arrow';
import type { DatagenConfig } from './config.js';

/** Schema-metadata key holding the generating config as JSON. */
export const CONFIG_METADATA_KEY = 'ring_attractor.config';

/** The two columns of every split, in file order. */
export const COLUMNS = ['av', 'angle'] as const;

function sequenceType(seqLen: number): FixedSizeList<Float32> {
  return new FixedSizeList(seqLen, new Field('item', new Float32(), false));
}

/** The schema of a split generated from `config`. */
export function datasetSchema(config: DatagenConfig): Schema {
  const fields = COLUMNS.map((name) => new Field(name, sequenceType(config.seq_len), false));
  return new Schema(fields, new Map([[CONFIG_METADATA_KEY, JSON.stringify(config)]]));
}

/** Wraps `rows` row-major sequences (no copy) as a record batch of `schema`. */
export function sequenceBatch(schema: Schema, seqLen: number, rows: number, av: Float32Array, angle: Float32Array): RecordBatch {
  const column = (values: Float32Array) =>
    makeData({
      type: sequenceType(seqLen),
      length: rows,
      nullCount: 0,
      child: makeData({ type: new Float32(), length: rows * seqLen, nullCount: 0, data: values }),
    });
  const struct = makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children: [column(av), column(angle)] });
  return new RecordBatch(schema, struct);
}

/** Why `schema` is not a dataset split of sequence length `seqLen`, or null if it is. */
export function schemaProblem(schema: Schema, seqLen: number): string | null {
  const names = schema.fields.map((f) => f.name);
  if (names.length !== COLUMNS.length || COLUMNS.some((c, i) => names[i] !== c)) {
    return `expected columns ${COLUMNS.join(', ')} (got ${names.join(', ') || 'none'})`;
  }
  for (const field of schema.fields) {
    const t: DataType = field.type;
    const item = DataType.isFixedSizeList(t) ? t.children[0]?.type : undefined;
    const ok =
      DataType.isFixedSizeList(t) &&
      t.listSize === seqLen &&
      item !== undefined &&
      DataType.isFloat(item) &&
      item.precision === Precision.SINGLE;
    if (!ok) return `column ${field.name}: expected FixedSizeList<Float32>[${seqLen}] (got ${String(t)})`;
  }
  return null;
}
