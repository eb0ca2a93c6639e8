import { basename, dirname } from 'node:path';
import { statSync } from 'node:fs';
import { UsageError } from '@ring-attractor/common';
import { badRunFile, readMetrics, readRunJson, trainHint } from '../runFolder.js';

/** What the comparison shows of one train-stage folder (FORMATS.md): eval.json, run.json and the loss curve. */
export interface RunSummary {
  /** The experiment folder name (…/experiments/<name>/train → <name>). */
  name: string;
  dir: string;
  /** Mean circular test error of the population-vector decoder, degrees (eval.json pv_deg). */
  pvDeg: number;
  /** Same for the argmax decoder (eval.json argmax_deg). */
  argmaxDeg: number;
  /** Total loss of the last training step (last row of metrics.arrow). */
  finalLoss: number;
  /** run.json ms_per_step_median. */
  msPerStepMedian: number;
  /** run.json steps. */
  steps: number;
  /** run.json config.activation and config.init. */
  activation: string;
  init: string;
  /** The total-loss curve: step and loss_total of every metrics.arrow row. */
  lossSteps: number[];
  lossTotal: number[];
}

/** The experiment name of a train-stage folder: its parent's name when the folder is called `train`. */
export function runName(dir: string): string {
  const trimmed = dir.replace(/[\\/]+$/, '');
  const base = basename(trimmed);
  return base === 'train' ? basename(dirname(trimmed)) || base : base;
}

function finite(dir: string, file: string, obj: Record<string, unknown>, key: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) badRunFile(dir, file, `${key}: expected a finite number (got ${JSON.stringify(v)})`);
  return v;
}

function text(dir: string, file: string, obj: Record<string, unknown>, key: string, shown: string): string {
  const v = obj[key];
  if (typeof v !== 'string' || v === '') badRunFile(dir, file, `${shown}: expected a non-empty string (got ${JSON.stringify(v)})`);
  return v;
}

/** Reads and checks the three files a comparison needs; every problem names the file and the stage that writes it. */
export function readRunSummary(dir: string, name = runName(dir)): RunSummary {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new UsageError(`--runs: ${dir}: no such folder — ${trainHint(dir)}`);
  const evalJson = readRunJson(dir, 'eval.json');
  const runJson = readRunJson(dir, 'run.json');
  const metrics = readMetrics(dir);
  const config = runJson.config;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) badRunFile(dir, 'run.json', 'config: expected a JSON object');
  const steps = finite(dir, 'run.json', runJson, 'steps');
  if (!Number.isInteger(steps) || steps < 1) badRunFile(dir, 'run.json', `steps: expected a positive integer (got ${steps})`);
  return {
    name,
    dir,
    pvDeg: finite(dir, 'eval.json', evalJson, 'pv_deg'),
    argmaxDeg: finite(dir, 'eval.json', evalJson, 'argmax_deg'),
    finalLoss: metrics.lossTotal[metrics.lossTotal.length - 1],
    msPerStepMedian: finite(dir, 'run.json', runJson, 'ms_per_step_median'),
    steps,
    activation: text(dir, 'run.json', config as Record<string, unknown>, 'activation', 'config.activation'),
    init: text(dir, 'run.json', config as Record<string, unknown>, 'init', 'config.init'),
    lossSteps: metrics.step,
    lossTotal: metrics.lossTotal,
  };
}
