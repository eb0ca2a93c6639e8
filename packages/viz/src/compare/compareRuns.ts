import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, writeFileAtomic } from '@ring-attractor/common';
import { specToPng, type VlSpec } from '../render.js';
import { compareDriftCurvesSpec, compareGainSpec } from '../figures/eval/index.js';
import { compareReportHtml, sharedDatasets } from './compareReport.js';
import { compareSpec } from './compareSpec.js';
import { readRunSummary, type RunSummary } from './runSummary.js';

/** Inputs of {@link compareRuns}. */
export interface CompareOptions {
  /** Each experiment's display name and folder (holding train/ and eval/). */
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

/** Every figure of a comparison, by name, in report order: losses and test errors, error against time on each shared dataset, gains. */
export function compareSpecs(runs: RunSummary[], width?: number): Record<string, VlSpec> {
  const specs: Record<string, VlSpec> = { compare: compareSpec(runs, width) };
  const trainedOn = runs.map((r) => r.eval.trained_on);
  // The training datasets' test splits, when every experiment shares one, then every other shared dataset.
  const datasets = [...(trainedOn.every((d) => d !== null && d === trainedOn[0]) ? [trainedOn[0] as string] : []), ...sharedDatasets(runs)];
  for (const d of datasets) {
    specs[`error_by_step_${d}`] = compareDriftCurvesSpec(
      runs.map((r) => ({ name: r.name, kind: r.kind, byStep: r.byStep[d], trainSeqLen: r.eval.train_seq_len })),
      { dataset: d, width },
    );
  }
  specs.gain = compareGainSpec(runs.map((r) => ({ name: r.name, kind: r.kind, gain: r.gain, maxAv: r.eval.config.max_av })), { width });
  return specs;
}

/** The report's heading of a comparison figure. */
function heading(id: string): string {
  if (id === 'compare') return 'Loss curves and test errors';
  if (id === 'gain') return 'Velocity gain: decoded against true angular speed';
  return `Error against time step on ${id.replace(/^error_by_step_/, '')}`;
}

/** Reads every experiment (all checked before anything is written), then writes a PNG and a .vl.json per figure and report.html. */
export async function compareRuns(opts: CompareOptions): Promise<CompareResult> {
  if (opts.runs.length === 0) throw new UsageError('--runs: expected at least one train-stage folder (got none)');
  const seen = new Map<string, string>();
  for (const r of opts.runs) {
    const other = seen.get(r.name);
    if (other !== undefined) throw new UsageError(`--runs: expected distinct experiment names (got ${JSON.stringify(r.name)} for both ${other} and ${r.dir})`);
    seen.set(r.name, r.dir);
  }
  const runs = opts.runs.map((r) => readRunSummary(r.dir, r.name));
  const specs = compareSpecs(runs, opts.width);
  const pngs = await Promise.all(Object.values(specs).map((spec) => specToPng(spec)));
  const html = compareReportHtml(runs, Object.entries(specs).map(([id, spec]) => ({ id, heading: heading(id), spec })));
  mkdirSync(opts.outDir, { recursive: true });
  const files: string[] = [];
  for (const [i, [name, spec]] of Object.entries(specs).entries()) {
    await writeFileAtomic(join(opts.outDir, `${name}.vl.json`), `${JSON.stringify(spec, null, 1)}\n`);
    await writeFileAtomic(join(opts.outDir, `${name}.png`), pngs[i]);
    files.push(`${name}.vl.json`, `${name}.png`);
  }
  await writeFileAtomic(join(opts.outDir, 'report.html'), html);
  files.push('report.html');
  return { files, runs };
}
