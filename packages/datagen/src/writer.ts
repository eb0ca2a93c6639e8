/** Writes a dataset folder: train.arrow, test.arrow (streamed in bounded record batches), then manifest.json. */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordBatchFileWriter, type Schema } from 'apache-arrow';
import { UsageError, createAtomicWriteStream, writeFileAtomic, type AtomicStream } from '@ring-attractor/common';
import { resolveDatagenConfig, type DatagenConfig } from './config.js';
import { datasetSchema, sequenceBatch } from './arrow-format.js';
import { SequenceGenerator, splitStream } from './generate.js';
import { checkDiskSpace } from './diskSpace.js';

/** Name of this generator in manifests. */
export const GENERATOR_NAME = '@ring-attractor/datagen';
/** Version of this generator in manifests (the package version). */
export const GENERATOR_VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** File names of the two splits. */
export const SPLIT_FILES = { train: 'train.arrow', test: 'test.arrow' } as const;
/** A dataset split. */
export type Split = keyof typeof SPLIT_FILES;
/** Name of the manifest, written last. */
export const MANIFEST_FILE = 'manifest.json';

/** What the manifest records about one file. */
export interface FileEntry {
  rows: number;
  sha256: string;
  bytes: number;
}

/** manifest.json: who generated the dataset, from what config, and each file's size and hash. */
export interface DatasetManifest {
  generator: string;
  generator_version: string;
  config: DatagenConfig;
  files: Record<string, FileEntry>;
}

/** Options of {@link generateDataset}. */
export interface GenerateOptions {
  /** Called after each record batch with rows done over both splits. */
  onProgress?: (done: number, total: number) => void;
  /** Rows per record batch (default: 8192, fewer for very long sequences). */
  batchRows?: number;
}

/** A file writer whose bytes go to a synchronous callback, so the caller controls backpressure and hashing. */
class CallbackFileWriter extends RecordBatchFileWriter {
  constructor(private readonly onBytes: (bytes: Uint8Array) => void) {
    super({ autoDestroy: true });
  }
  // Arrow's own sink is an unbounded queue; intercepting here keeps memory at one batch.
  protected override _write(chunk: unknown): this {
    if (!this._started) return this;
    if (!ArrayBuffer.isView(chunk)) throw new Error('arrow writer produced a non-buffer chunk');
    if (chunk.byteLength > 0) {
      this.onBytes(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this._position += chunk.byteLength;
    }
    return this;
  }
}

function defaultBatchRows(seqLen: number): number {
  return Math.max(1, Math.min(8192, Math.floor((1 << 20) / seqLen)));
}

/** Opens an atomic stream; an unwritable folder becomes a UsageError naming it. */
async function openAtomic(path: string, outDir: string): Promise<AtomicStream> {
  const file = createAtomicWriteStream(path);
  // Attach a handler at once: abort() also consumes the stream's close promise, so no rejection goes unhandled.
  file.stream.once('error', () => void file.abort());
  try {
    await once(file.stream, 'ready');
  } catch (err) {
    throw new UsageError(`out: expected a writable directory (got ${JSON.stringify(outDir)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return file;
}

/** Streams one split to `file` (not yet renamed into place); returns its manifest entry. */
async function writeSplit(
  file: AtomicStream,
  schema: Schema,
  gen: SequenceGenerator,
  rows: number,
  batchRows: number,
  onRows: (n: number) => void,
): Promise<FileEntry> {
  const T = gen.seqLen;
  const hash = createHash('sha256');
  let bytes = 0;
  let streamError: Error | null = null;
  file.stream.on('error', (e) => (streamError = e));
  const writer = new CallbackFileWriter((chunk) => {
    hash.update(chunk);
    bytes += chunk.byteLength;
    file.stream.write(chunk);
  });
  for (let done = 0; done < rows; ) {
    const n = Math.min(batchRows, rows - done);
    // Fresh arrays per batch: the stream holds views of them until they are flushed.
    const av = new Float32Array(n * T);
    const angle = new Float32Array(n * T);
    gen.fill(av, angle, 0, n);
    writer.write(sequenceBatch(schema, T, n, av, angle));
    done += n;
    onRows(n);
    if (streamError) throw streamError;
    if (file.stream.writableNeedDrain) await once(file.stream, 'drain');
    if (streamError) throw streamError;
  }
  writer.finish();
  file.stream.end();
  await once(file.stream, 'finish');
  if (streamError) throw streamError;
  return { rows, sha256: hash.digest('hex'), bytes };
}

/**
 * Generates the train and test splits of `config` into `outDir` (created if missing). Files appear only
 * when all are complete, manifest last; on failure nothing new is left behind.
 */
export async function generateDataset(config: DatagenConfig, outDir: string, options: GenerateOptions = {}): Promise<DatasetManifest> {
  const cfg = resolveDatagenConfig(config);
  const batchRows = options.batchRows ?? defaultBatchRows(cfg.seq_len);
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new RangeError(`batchRows must be a positive integer (got ${batchRows})`);
  checkDiskSpace(cfg, batchRows, outDir);
  try {
    await mkdir(outDir, { recursive: true });
  } catch (err) {
    throw new UsageError(`out: expected a writable directory (got ${JSON.stringify(outDir)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const schema = datasetSchema(cfg);
  const total = cfg.num_samples + cfg.test_samples;
  let done = 0;
  const onRows = (n: number): void => {
    done += n;
    options.onProgress?.(done, total);
  };

  const open: AtomicStream[] = [];
  const renamed: string[] = [];
  const files: Record<string, FileEntry> = {};
  try {
    for (const split of ['train', 'test'] as const) {
      const file = await openAtomic(join(outDir, SPLIT_FILES[split]), outDir);
      open.push(file);
      const rows = split === 'train' ? cfg.num_samples : cfg.test_samples;
      const gen = new SequenceGenerator(cfg, splitStream(cfg.seed, split));
      files[SPLIT_FILES[split]] = await writeSplit(file, schema, gen, rows, batchRows, onRows);
    }
    // An old manifest must not vouch for the new files while they are being swapped in.
    await rm(join(outDir, MANIFEST_FILE), { force: true });
    for (const [i, file] of open.entries()) {
      await file.commit();
      renamed.push(join(outDir, Object.values(SPLIT_FILES)[i]));
    }
    const manifest: DatasetManifest = { generator: GENERATOR_NAME, generator_version: GENERATOR_VERSION, config: cfg, files };
    await writeFileAtomic(join(outDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    return manifest;
  } catch (err) {
    await Promise.all(open.map((f) => f.abort()));
    await Promise.all(renamed.map((p) => rm(p, { force: true })));
    throw err;
  }
}

