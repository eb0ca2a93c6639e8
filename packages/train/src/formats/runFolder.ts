/** A whole train-stage folder read and checked at once, before a reader writes anything. */
import { statSync } from 'node:fs';
import { UsageError } from '@ring-attractor/common';
import { stageHint } from './arrowTables.js';
import { readMetrics, type Metrics } from './metrics.js';
import { readRunRecord, type RunRecord } from './runJson.js';
import { readSnapshots, type Snapshots } from './snapshots.js';

/** Everything a reader (ring-viz) needs from a train-stage folder. */
export interface RunData {
  dir: string;
  run: RunRecord;
  snapshots: Snapshots;
  metrics: Metrics;
}

/** Throws the one-line error unless `dir` is a folder. */
export function checkRunDir(dir: string, flag = '--run'): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new UsageError(`${flag}: ${dir}: no such folder — ${stageHint(dir)}`);
}

/** Reads and checks a whole train-stage folder. */
export function readRun(dir: string): RunData {
  checkRunDir(dir);
  return { dir, run: readRunRecord(dir), snapshots: readSnapshots(dir), metrics: readMetrics(dir) };
}
