import { basename, dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { checkRunDir, readEvalSummary, readMetrics, readRunRecord, RUN_FILES } from '@ring-attractor/train/formats';

/** What the comparison shows of one train-stage folder (docs/formats.md): eval.json, run.json and the loss curve. */
export interface RunSummary {
  /** The experiment's name (its folder: …/experiments/<name>, or the parent of a folder called `train`). */
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
  /** run.json config.model.activation and config.model.init. */
  activation: string;
  init: string;
  /** The total-loss curve: step and loss_total of every metrics.arrow row. */
  lossSteps: number[];
  lossTotal: number[];
}

/**
 * The train-stage folder of a `--runs` argument: the folder itself when it holds run.json, else its
 * `train` subfolder (an experiment's artifact folder, as the pipeline passes them).
 */
export function trainFolder(dir: string): string {
  const inner = join(dir, 'train');
  return !existsSync(join(dir, RUN_FILES.run)) && existsSync(inner) ? inner : dir;
}

/** The experiment name of a folder: its parent's name when the folder is called `train`. */
export function runName(dir: string): string {
  const trimmed = dir.replace(/[\\/]+$/, '');
  const base = basename(trimmed);
  return base === 'train' ? basename(dirname(trimmed)) || base : base;
}

/** Reads and checks the three files a comparison needs; every problem names the file and the stage that writes it. */
export function readRunSummary(dir: string, name = runName(dir)): RunSummary {
  checkRunDir(dir, '--runs');
  const ev = readEvalSummary(dir);
  const run = readRunRecord(dir);
  const metrics = readMetrics(dir);
  return {
    name,
    dir,
    pvDeg: ev.pv_deg,
    argmaxDeg: ev.argmax_deg,
    finalLoss: metrics.lossTotal[metrics.lossTotal.length - 1],
    msPerStepMedian: run.ms_per_step_median,
    steps: run.steps,
    activation: run.config.model.activation,
    init: run.config.model.init,
    lossSteps: metrics.step,
    lossTotal: metrics.lossTotal,
  };
}
