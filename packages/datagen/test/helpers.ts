/** Test helpers that read dataset files with apache-arrow directly, independently of src/reader.ts. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';

/** Rows of one split as plain arrays, plus the schema metadata. */
export interface RawSplit {
  av: Float32Array[];
  angle: Float32Array[];
  metadata: Map<string, string>;
  listSizes: number[];
}

/** Reads an Arrow IPC file row by row through apache-arrow's public Table API. */
export function readRaw(path: string): RawSplit {
  const table = tableFromIPC(readFileSync(path));
  const col = (name: string): Float32Array[] => {
    const v = table.getChild(name);
    if (!v) throw new Error(`no column ${name}`);
    const rows: Float32Array[] = [];
    for (let i = 0; i < table.numRows; i++) rows.push(Float32Array.from(v.get(i) as Iterable<number>));
    return rows;
  };
  return {
    av: col('av'),
    angle: col('angle'),
    metadata: table.schema.metadata,
    listSizes: table.schema.fields.map((f) => (f.type as { listSize: number }).listSize),
  };
}

/** A fresh temp folder; removed by the returned cleanup. */
export function tempDir(prefix = 'datagen-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Circular distance between two angles in radians. */
export function circDist(a: number, b: number): number {
  const d = Math.abs(a - b) % (2 * Math.PI);
  return Math.min(d, 2 * Math.PI - d);
}
