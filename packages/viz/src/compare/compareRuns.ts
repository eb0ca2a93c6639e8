import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, writeFileAtomic } from '@ring-attractor/common';
import { specToPng } from '../render.js';
import { compareReportHtml } from './compareReport.js';
import { compareSpec } from './compareSpec.js';
import { readRunSummary, type RunSummary } from './runSummary.js';

/** Inputs of {@link compareRuns}. */
export interface CompareOptions {
  /** Each run's display name and train-stage folder. */
  runs: { name: string; dir: string }[];
  outDir: string;
  /** Approximate figure width in px (default 960). */
  width?: number;
}

/** What was written. */
export interface CompareResult {
  files: string[];
  runs: RunSummary[];
}

/** The files compareRuns writes, in order. */
export const COMPARE_FILES = ['compare.vl.json', 'compare.png', 'report.html'] as const;

/** Reads every run (all checked before anything is written), then writes compare.vl.json, compare.png and report.html. */
export async function compareRuns(opts: CompareOptions): Promise<CompareResult> {
  if (opts.runs.length === 0) throw new UsageError('--runs: expected at least one train-stage folder (got none)');
  const seen = new Map<string, string>();
  for (const r of opts.runs) {
    const other = seen.get(r.name);
    if (other !== undefined) throw new UsageError(`--runs: expected distinct experiment names (got ${JSON.stringify(r.name)} for both ${other} and ${r.dir})`);
    seen.set(r.name, r.dir);
  }
  const runs = opts.runs.map((r) => readRunSummary(r.dir, r.name));
  const spec = compareSpec(runs, opts.width);
  const png = await specToPng(spec);
  const html = compareReportHtml(runs, spec);
  mkdirSync(opts.outDir, { recursive: true });
  await writeFileAtomic(join(opts.outDir, 'compare.vl.json'), `${JSON.stringify(spec, null, 1)}\n`);
  await writeFileAtomic(join(opts.outDir, 'compare.png'), png);
  await writeFileAtomic(join(opts.outDir, 'report.html'), html);
  return { files: [...COMPARE_FILES], runs };
}
