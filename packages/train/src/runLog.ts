/**
 * metrics.arrow and snapshots.arrow while a run trains: appended as rows are made (a snapshot at
 * once, metric rows in groups flushed at every checkpoint), marked at each checkpoint, finished with
 * their footers when the run ends; on --resume checked against the checkpoint's marks and cut back
 * to them. Memory holds at most one group of metric rows, however long the run.
 */
import { join } from 'node:path';
import type { Schema } from 'apache-arrow';
import { UsageError } from '@ring-attractor/common';
import {
  ArrowAppender,
  RUN_FILES,
  metricsBatch,
  metricsRows,
  readBlocks,
  scanAppended,
  snapshotsBatch,
  type FileMark,
  type MetricsRow,
  type ScannedFile,
  type SnapshotRow,
} from './formats/index.js';

/** How far each appended file is valid, as a checkpoint records it. */
export interface RunFileMarks {
  metrics: FileMark;
  snapshots: FileMark;
}

/** The schemas of this run's two appended files. */
export interface RunSchemas {
  metrics: Schema;
  snapshots: Schema;
}

/** What a checked folder holds up to the checkpoint, for {@link RunLog.reopen}. */
export interface VerifiedLog {
  dir: string;
  marks: RunFileMarks;
  scanned: { metrics: ScannedFile; snapshots: ScannedFile };
  /** The time of every step so far, in order (run.json's timing covers the whole run). */
  ms: number[];
  /** The checkpoint's step's metrics row. */
  last: MetricsRow;
}

/** Most metric rows held before they are appended (a checkpoint appends them sooner). */
const METRICS_GROUP = 1024;

/**
 * Checks, changing nothing, that `dir`'s appended files hold what the checkpoint of `step` recorded:
 * there, at least as long as the marks, whole record batches with the recorded rows (and digest), and
 * metric rows for steps 1…step. Throws the one-line error naming the file.
 */
export function verifyRunLog(dir: string, marks: RunFileMarks, step: number, schemas: RunSchemas): VerifiedLog {
  const check = (role: 'metrics' | 'snapshots'): ScannedFile => {
    const file = RUN_FILES[role];
    return scanAppended(join(dir, file), marks[role], (why) => refuse(dir, file, why, step));
  };
  const metrics = check('metrics');
  const snapshots = check('snapshots');
  const ms: number[] = [];
  let last: MetricsRow | undefined;
  try {
    for (const batch of readBlocks(join(dir, RUN_FILES.metrics), schemas.metrics, metrics.blocks)) {
      for (const row of metricsRows(batch)) {
        if (row.step !== ms.length + 1) throw new Error(`step ${row.step} in row ${ms.length + 1}`);
        ms.push(row.ms);
        last = row;
      }
    }
  } catch (err) {
    refuse(dir, RUN_FILES.metrics, `damaged (${(err as Error).message})`, step);
  }
  if (!last || ms.length !== step) refuse(dir, RUN_FILES.metrics, `${ms.length} rows, not one per step`, step);
  return { dir, marks, scanned: { metrics, snapshots }, ms, last };
}

function refuse(dir: string, file: string, why: string, step: number): never {
  throw new UsageError(`resume: ${file} in ${dir}: ${why} — the checkpoint of step ${step} needs it; start afresh with --overwrite`);
}

/** The two appended files of a run being trained. */
export class RunLog {
  private pending: MetricsRow[] = [];
  private open = true;

  private constructor(
    private readonly schemas: RunSchemas,
    private readonly metrics: ArrowAppender,
    private readonly snapshots: ArrowAppender,
  ) {}

  /** New, empty files in `dir`. */
  static create(dir: string, schemas: RunSchemas): RunLog {
    const metrics = ArrowAppender.create(join(dir, RUN_FILES.metrics), schemas.metrics, false);
    try {
      return new RunLog(schemas, metrics, ArrowAppender.create(join(dir, RUN_FILES.snapshots), schemas.snapshots, true));
    } catch (err) {
      metrics.close();
      throw err;
    }
  }

  /** The files of a checked folder, cut back to the checkpoint's marks. Snapshot marks keep a digest: their bytes are deterministic, unlike the metrics' times. */
  static reopen(v: VerifiedLog, schemas: RunSchemas): RunLog {
    const metrics = ArrowAppender.reopen(join(v.dir, RUN_FILES.metrics), schemas.metrics, v.marks.metrics, v.scanned.metrics);
    try {
      return new RunLog(schemas, metrics, ArrowAppender.reopen(join(v.dir, RUN_FILES.snapshots), schemas.snapshots, v.marks.snapshots, v.scanned.snapshots));
    } catch (err) {
      metrics.close();
      throw err;
    }
  }

  /** Records one step's metrics (appended with its group). */
  addMetric(row: MetricsRow): void {
    this.pending.push(row);
    if (this.pending.length >= METRICS_GROUP) this.flush();
  }

  /** Appends one snapshot. */
  addSnapshot(row: SnapshotRow): void {
    this.snapshots.append(snapshotsBatch(this.schemas.snapshots, [row]));
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.metrics.append(metricsBatch(this.schemas.metrics, this.pending));
    this.pending = [];
  }

  /** Appends held rows, flushes both files to the disk, and returns the marks a checkpoint records. */
  checkpoint(): RunFileMarks {
    this.flush();
    return { metrics: this.metrics.mark(), snapshots: this.snapshots.mark() };
  }

  /** Writes both footers: the files become complete Arrow IPC files. */
  finish(): void {
    this.flush();
    this.open = false;
    this.metrics.finish();
    this.snapshots.finish();
  }

  /** Closes both files as they are (a stopped or failed run); safe to call again. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.metrics.close();
    this.snapshots.close();
  }
}
