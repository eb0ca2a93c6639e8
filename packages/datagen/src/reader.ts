/** Opens a dataset folder for training: checks manifest, hashes and schema, then loads splits into typed arrays. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordBatchFileReader, RecordBatchReader, type Schema } from 'apache-arrow';
import { UsageError } from '@ring-attractor/common';
import { resolveDatagenConfig, type DatagenConfig } from './config.js';
import { CONFIG_METADATA_KEY, COLUMNS, schemaProblem } from './arrow-format.js';
import type { Sequences } from './generate.js';
import { MANIFEST_FILE, SPLIT_FILES, type DatasetManifest, type FileEntry, type Split } from './writer.js';

/** A dataset folder that is missing, damaged or not ours: bad input, so the CLI exits 2. */
export class DatasetError extends UsageError {
  override name = 'DatasetError';
}

/** A checked dataset folder. */
export interface Dataset {
  dir: string;
  config: DatagenConfig;
  manifest: DatasetManifest;
  seqLen: number;
}

const ARROW_MAGIC = Buffer.from('ARROW1');

function fail(path: string, why: string): never {
  throw new DatasetError(`${path}: ${why}`);
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function checkEntry(manifestPath: string, name: string, entry: unknown): FileEntry {
  const e = entry as Partial<FileEntry> | undefined;
  if (
    !e ||
    typeof e !== 'object' ||
    !Number.isInteger(e.rows) ||
    !Number.isInteger(e.bytes) ||
    typeof e.sha256 !== 'string' ||
    !/^[0-9a-f]{64}$/.test(e.sha256)
  ) {
    fail(manifestPath, `files["${name}"]: expected { rows, sha256, bytes }`);
  }
  return e as FileEntry;
}

async function readManifest(dir: string): Promise<DatasetManifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    fail(path, `cannot read the dataset manifest (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); is this a folder written by ring-datagen?`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    fail(path, `not valid JSON (${(err as Error).message})`);
  }
  const m = raw as Partial<DatasetManifest>;
  if (!m || typeof m !== 'object' || typeof m.files !== 'object' || m.files === null) fail(path, 'expected { generator, config, files }');
  let config: DatagenConfig;
  try {
    config = resolveDatagenConfig(m.config);
  } catch (err) {
    fail(path, `config: ${(err as Error).message}`);
  }
  const files: Record<string, FileEntry> = {};
  for (const name of Object.values(SPLIT_FILES)) files[name] = checkEntry(path, name, m.files[name]);
  if (files[SPLIT_FILES.train].rows !== config.num_samples || files[SPLIT_FILES.test].rows !== config.test_samples) {
    fail(path, 'row counts disagree with config.num_samples / config.test_samples');
  }
  return { generator: String(m.generator), generator_version: String(m.generator_version), config, files };
}

/** Checks the file's size and Arrow magic bytes (truncated or foreign files), then its sha256. */
async function checkFileBytes(path: string, entry: FileEntry): Promise<void> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    fail(path, `missing (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(6);
    const tail = Buffer.alloc(6);
    await fh.read(head, 0, 6, 0);
    if (size < 12 || !head.equals(ARROW_MAGIC)) fail(path, 'not an Arrow IPC file (no ARROW1 magic at the start)');
    await fh.read(tail, 0, 6, size - 6);
    if (size !== entry.bytes || !tail.equals(ARROW_MAGIC)) {
      fail(path, `truncated or damaged Arrow IPC file (${size} bytes, manifest says ${entry.bytes})`);
    }
  } finally {
    await fh.close();
  }
  const sha = await sha256OfFile(path);
  if (sha !== entry.sha256) fail(path, `sha256 mismatch (file ${sha}, manifest ${entry.sha256})`);
}

/** Reads only the footer's schema (no record batches) and checks it against the manifest. */
async function checkSchema(path: string, config: DatagenConfig): Promise<void> {
  const fh = await open(path, 'r');
  let schema: Schema;
  try {
    const reader = await RecordBatchReader.from(fh);
    await reader.open();
    schema = reader.schema;
  } catch (err) {
    fail(path, `not a readable Arrow IPC file (${(err as Error).message})`);
  } finally {
    await fh.close();
  }
  const problem = schemaProblem(schema, config.seq_len);
  if (problem) fail(path, problem);
  const meta = schema.metadata.get(CONFIG_METADATA_KEY);
  let fileConfig: unknown;
  try {
    fileConfig = meta === undefined ? undefined : JSON.parse(meta);
  } catch {
    fileConfig = undefined;
  }
  if (JSON.stringify(fileConfig) !== JSON.stringify(config)) fail(path, `schema metadata "${CONFIG_METADATA_KEY}" disagrees with the manifest's config`);
}

/** Opens and fully checks a dataset folder written by {@link generateDataset}. */
export async function openDataset(dir: string): Promise<Dataset> {
  const manifest = await readManifest(dir);
  for (const name of Object.values(SPLIT_FILES)) {
    const path = join(dir, name);
    await checkFileBytes(path, manifest.files[name]);
    await checkSchema(path, manifest.config);
  }
  return { dir, config: manifest.config, manifest, seqLen: manifest.config.seq_len };
}

/** Loads a whole split into row-major count×T arrays (re-checking its hash against the manifest). */
export async function loadSplit(ds: Dataset, split: Split): Promise<Sequences> {
  const name = SPLIT_FILES[split];
  const path = join(ds.dir, name);
  const entry = ds.manifest.files[name];
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    // One read returns at most 2 GiB: a larger split (num_samples·seq_len·8 bytes) cannot be loaded whole.
    fail(path, `cannot read the split (${(err as Error).message.split('\n')[0]})`);
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== entry.sha256) fail(path, `sha256 mismatch (file ${sha}, manifest ${entry.sha256}); changed since openDataset?`);
  const T = ds.seqLen;
  const count = entry.rows;
  const out: Record<(typeof COLUMNS)[number], Float32Array> = { av: new Float32Array(count * T), angle: new Float32Array(count * T) };
  let row = 0;
  try {
    const reader = RecordBatchFileReader.from(bytes);
    for (const batch of reader) {
      if (row + batch.numRows > count) fail(path, `more rows than the manifest's ${count}`);
      for (const [c, col] of COLUMNS.entries()) {
        const data = batch.data.children[c];
        const child = data.children[0];
        const start = child.offset + data.offset * T;
        out[col].set((child.values as Float32Array).subarray(start, start + batch.numRows * T), row * T);
      }
      row += batch.numRows;
    }
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    fail(path, `cannot read record batches (${(err as Error).message})`);
  }
  if (row !== count) fail(path, `${row} rows, manifest says ${count}`);
  return { av: out.av, angle: out.angle, count, seqLen: T };
}
