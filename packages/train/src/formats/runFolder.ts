/** A whole train-stage folder read and checked at once, before a reader writes anything: its files must be one run's. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@ring-attractor/common';
import { readSafetensorsMetadata } from '@ring-attractor/model/safetensors';
import { readBlocks, readFooter } from './appendable.js';
import { badRunFile, stageHint } from './arrowTables.js';
import { readMetrics, type Metrics } from './metrics.js';
import { CONFIG_KEY, DATASET_KEY, RUN_FILES, STEP_KEY, type RunFile } from './names.js';
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

/** What one file says about the run that wrote it: the step it reached, the config (canonical JSON), the training data's sha256; each may be unsaid. */
interface Claim {
  file: string;
  step?: number;
  config?: string;
  dataset?: string;
}

/** JSON with every object's keys sorted, so equal configs compare equal however they were written. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function configClaim(dir: string, file: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return canonicalJson(JSON.parse(raw));
  } catch {
    badRunFile(dir, file, `its ${CONFIG_KEY} metadata is not JSON`);
  }
}

function safetensorsClaim(dir: string, file: string): Claim {
  const path = join(dir, file);
  let meta: Record<string, string>;
  try {
    meta = readSafetensorsMetadata(path);
  } catch (err) {
    badRunFile(dir, file, (err as Error).message.replace(`${path}: `, ''));
  }
  const step = meta[STEP_KEY] === undefined ? undefined : Number(meta[STEP_KEY]);
  return { file, step, config: configClaim(dir, file, meta[CONFIG_KEY]), dataset: meta[DATASET_KEY] };
}

/** A finished Arrow file's claim: its schema metadata and the step of its last row (read from the footer and the last batch only). */
function arrowClaim(dir: string, file: string): Claim {
  const path = join(dir, file);
  const bad = (why: string): never => badRunFile(dir, file, why);
  const { schema, blocks } = readFooter(path, bad);
  let step: number | undefined;
  const last = blocks.at(-1);
  if (last) {
    try {
      const [batch] = readBlocks(path, schema, [last]);
      const col = batch?.getChild('step');
      if (col && batch.numRows > 0) step = Number(col.get(batch.numRows - 1));
    } catch {
      bad('truncated or not an Arrow IPC file (its last record batch is damaged)');
    }
  }
  return { file, step, config: configClaim(dir, file, schema.metadata.get(CONFIG_KEY)), dataset: schema.metadata.get(DATASET_KEY) };
}

/** The groups of files that agree on `key`, as `a, b at 12 ≠ c at 7`; undefined when they all agree. */
function disagreement(claims: readonly Claim[], key: 'step' | 'config' | 'dataset'): string | undefined {
  const groups = new Map<string, string[]>();
  for (const c of claims) {
    const v = c[key];
    if (v === undefined) continue;
    const k = String(v);
    groups.set(k, [...(groups.get(k) ?? []), c.file]);
  }
  if (groups.size < 2) return undefined;
  const shown = (v: string): string => (key === 'step' ? ` at ${v}` : key === 'dataset' ? ` (${v.slice(0, 12)}…)` : '');
  const label = key === 'dataset' ? 'training data' : key;
  return `${label}: ${[...groups].map(([v, files]) => `${files.join(', ')}${shown(v)}`).join(' ≠ ')}`;
}

/**
 * Checks that the train-stage files in `dir` are one run's: each present file's step (run.json's steps,
 * the safetensors files' step, the last row of each Arrow file), config and training data agree. The
 * files in `need` must be there. Throws the one-line error naming the files that disagree; returns
 * run.json's record when there is one.
 */
export function checkRunFiles(dir: string, need: readonly RunFile[] = []): RunRecord | undefined {
  const roles = (['run', 'model', 'checkpoint', 'metrics', 'snapshots'] as const).filter((role) => {
    const there = existsSync(join(dir, RUN_FILES[role]));
    if (!there && need.includes(role)) badRunFile(dir, RUN_FILES[role], 'missing');
    return there;
  });
  // A lone file has nothing to disagree with (ring-eval reads a folder holding just a model).
  if (roles.length < 2 && !roles.includes('run')) return undefined;
  const claims: Claim[] = [];
  let run: RunRecord | undefined;
  for (const role of roles) {
    const file = RUN_FILES[role];
    if (role === 'run') {
      run = readRunRecord(dir);
      const sha = (run.dataset as { sha256?: Record<string, unknown> }).sha256?.['train.arrow'];
      claims.push({ file, step: run.steps, config: canonicalJson(run.config), dataset: typeof sha === 'string' ? sha : undefined });
    } else if (role === 'model' || role === 'checkpoint') claims.push(safetensorsClaim(dir, file));
    else claims.push(arrowClaim(dir, file));
  }
  for (const key of ['step', 'config', 'dataset'] as const) {
    const why = disagreement(claims, key);
    if (why) throw new UsageError(`train folder ${dir}: its files are from different runs (${why}) — ${stageHint(dir)}, or ring-train --overwrite, to replace them`);
  }
  return run;
}

/** Reads and checks a whole train-stage folder. */
export function readRun(dir: string): RunData {
  checkRunDir(dir);
  const run = checkRunFiles(dir, ['run', 'metrics', 'snapshots'])!;
  return { dir, run, snapshots: readSnapshots(dir), metrics: readMetrics(dir) };
}
