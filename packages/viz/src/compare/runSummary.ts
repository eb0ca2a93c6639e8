import { basename } from 'node:path';
import { join } from 'node:path';
import { readEvalSummary, readTable, DATASET_FILES, EVAL_FILES, type ErrorByStepRow, type EvalSummary, type GainRow } from '@ring-attractor/eval/files';
import type { ModelKind } from '@ring-attractor/config';
import { checkRunDir, checkRunFiles, readMetrics, type RunRecord } from '@ring-attractor/train/formats';

/** An experiment folder's stages, as the pipeline lays them out (artifacts/pipelines/experiments/<name>/…). */
export const STAGE_FOLDERS = { train: 'train', eval: 'eval' } as const;

/** What the comparison shows of one experiment: its run.json, loss curve and evaluation (docs/formats.md). */
export interface RunSummary {
  /** The experiment's name (its folder's). */
  name: string;
  /** The experiment folder (holding train/ and eval/). */
  dir: string;
  /** Its evaluation summary (eval.json). */
  eval: EvalSummary;
  /** Error against time step on every evaluated dataset, by dataset name. */
  byStep: Record<string, ErrorByStepRow[]>;
  /** The velocity-gain sweep. */
  gain: GainRow[];
  /** Total loss of the last training step (last row of metrics.arrow). */
  finalLoss: number;
  /** run.json ms_per_step_median, steps, train_seconds. */
  msPerStepMedian: number;
  steps: number;
  trainSeconds: number;
  /** The model's kind (ring, gru, transformer), a one-line description of its size, and its trainable parameters. */
  kind: ModelKind;
  model: string;
  parameters: number;
  /** The total-loss curve: step and loss_total of every metrics.arrow row. */
  lossSteps: number[];
  lossTotal: number[];
}

/** A model section in a few words: its kind and the fields that set its size. */
export function describeModel(m: RunRecord['config']['model']): string {
  switch (m.kind) {
    case 'ring':
      return `N=${m.num_neurons} ${m.activation} ${m.init}${m.action_dim === 2 ? '' : ` k=${m.action_dim}`}`;
    case 'gru':
      return `H=${m.hidden_size} L=${m.num_layers}`;
    case 'transformer':
      return `d=${m.d_model} heads=${m.nhead} L=${m.num_layers} ff=${m.dim_feedforward}`;
  }
}

/** The experiment name of a folder: its own name. */
export function runName(dir: string): string {
  return basename(dir.replace(/[\\/]+$/, '')) || dir;
}

/** Mean errors of each decoder (pv, argmax) on the dataset the experiment was trained on (its test split). */
export function testErrors(r: RunSummary): { pv: number | null; argmax: number | null } {
  const d = r.eval.datasets.find((x) => x.name === r.eval.trained_on) ?? r.eval.datasets[0];
  return { pv: d?.decoders.pv?.mean_deg ?? null, argmax: d?.decoders.argmax?.mean_deg ?? null };
}

/** Reads and checks what a comparison needs of an experiment folder; every problem names the file and the stage that writes it. */
export function readRunSummary(dir: string, name = runName(dir)): RunSummary {
  checkRunDir(dir, '--runs');
  const trainDir = join(dir, STAGE_FOLDERS.train);
  const evalDir = join(dir, STAGE_FOLDERS.eval);
  checkRunDir(trainDir, '--runs');
  const run = checkRunFiles(trainDir, ['run', 'metrics'])!;
  const metrics = readMetrics(trainDir);
  const ev = readEvalSummary(evalDir);
  const byStep = Object.fromEntries(ev.datasets.map((d) => [d.name, readTable<ErrorByStepRow>(join(evalDir, d.name), DATASET_FILES.byStep)]));
  return {
    name,
    dir,
    eval: ev,
    byStep,
    gain: readTable<GainRow>(evalDir, EVAL_FILES.gain),
    finalLoss: metrics.lossTotal[metrics.lossTotal.length - 1],
    msPerStepMedian: run.ms_per_step_median,
    steps: run.steps,
    trainSeconds: run.train_seconds,
    kind: run.config.model.kind,
    model: describeModel(run.config.model),
    parameters: run.parameters,
    lossSteps: metrics.step,
    lossTotal: metrics.lossTotal,
  };
}
