/**
 * A dataset is streamed to disk in bounded record batches, so its memory does not grow with its
 * size (bench/peak-rss.ts), but its files do: num_samples·seq_len is bounded by the free space of
 * the disk it goes to, checked before the first byte is written.
 */
import { existsSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '@ring-attractor/common';
import type { DatagenConfig } from './config.js';

/** Bytes per sequence step in the Arrow files: av and angle, one float32 each. */
const BYTES_PER_STEP = 8;
/** Each record batch adds a header and alignment padding; this bounds them generously. */
const BYTES_PER_BATCH = 1024;
/** The schema, footer and manifest. */
const FIXED_BYTES = 1 << 16;

/** An upper bound of the bytes both splits' files take, from the config alone. */
export function datasetBytes(cfg: Pick<DatagenConfig, 'num_samples' | 'test_samples' | 'seq_len'>, batchRows: number): number {
  const rows = cfg.num_samples + cfg.test_samples;
  const batches = Math.ceil(cfg.num_samples / batchRows) + Math.ceil(cfg.test_samples / batchRows);
  return rows * cfg.seq_len * BYTES_PER_STEP + batches * BYTES_PER_BATCH + FIXED_BYTES;
}

function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(bytes < 1e9 ? 3 : 1)} GB`;
}

/** `path`, or its nearest ancestor that exists: where a folder about to be created will live. */
function existingAncestor(path: string): string {
  let dir = resolve(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/**
 * Refuses, naming the flags, a dataset larger than the free space of the disk `outDir` is (or will
 * be) on. The old files of a folder being regenerated are replaced only at the end, so they do not
 * count as free.
 */
export function checkDiskSpace(cfg: DatagenConfig, batchRows: number, outDir: string): void {
  const need = datasetBytes(cfg, batchRows);
  const dir = existingAncestor(outDir);
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  if (need > free) {
    throw new UsageError(
      `--num-samples ${cfg.num_samples} and --test-samples ${cfg.test_samples} × --seq-len ${cfg.seq_len}: the dataset needs ${gb(need)} on disk and ${dir} has ${gb(free)} free`,
    );
  }
}
