/** What `ring-eval` does, as a library call: check the inputs, load the model, evaluate, write the files. */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { UsageError, createProgress, invalid } from '@ring-attractor/common';
import { loadSplit, openDataset, type Dataset } from '@ring-attractor/datagen';
import {
  LeakyRingAttractor,
  configureBaselineKernel,
  configureKernels,
  disposeKernels,
  loadModelWithMetadata,
  modelKind,
  parseKernelChoice,
  selectBackend,
  selectKernel,
  type BackendChoice,
} from '@ring-attractor/model';
import { checkRunFiles } from '@ring-attractor/train/formats';
import { baselineAdapter } from './baselineAdapter.js';
import type { EvalConfig } from './config.js';
import type { EvalDataset } from './datasetEval.js';
import { evaluate } from './evaluate.js';
import { DATASET_FILES, EVAL_FILES, writeEvaluation, type EvalSummary } from './files.js';
import { ringAdapter } from './ringAdapter.js';
import { referenceTrace } from './referenceTrace.js';

/** The checkpoint ring-eval reads from the train folder. */
export const MODEL_FILE = 'model.safetensors';

/** Options of {@link runEval}; flags of the CLI. */
export interface EvalRunOptions {
  runDir: string;
  dataDirs: readonly string[];
  outDir: string;
  config: EvalConfig;
  backend?: string;
  /** Recurrence kernel: auto (default), native, wasm or tfjs. */
  kernel?: string;
  /** Threads of the native or wasm kernel (default: one per core). */
  threads?: number;
  log?: (line: string) => void;
  /** Show progress (default true). */
  progress?: boolean;
}

/** What {@link runEval} did. */
export interface EvalRunResult {
  summary: EvalSummary;
  files: string[];
  seconds: number;
}

const RESERVED = new Set<string>([...Object.values(EVAL_FILES), ...Object.values(DATASET_FILES)]);

/** The name of each dataset (its folder's), checked to be usable as an output folder and unique. */
export function datasetNames(dirs: readonly string[]): string[] {
  if (dirs.length === 0) invalid('--data', 'at least one dataset folder');
  const names = dirs.map((d) => basename(resolve(d)));
  names.forEach((n, i) => {
    if (n === '' || n === '.' || n === '..' || RESERVED.has(n)) invalid('--data', `a dataset folder whose name can name an output folder`, dirs[i]);
    const j = names.indexOf(n);
    if (j !== i) invalid('--data', `dataset folders with different names (their results go to OUT/<name>/)`, `${dirs[j]} and ${dirs[i]}`);
  });
  return names;
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** Evaluates the model of `opts.runDir` on every dataset and writes everything into `opts.outDir`. */
export async function runEval(opts: EvalRunOptions): Promise<EvalRunResult> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = performance.now();
  const names = datasetNames(opts.dataDirs);
  const kernelChoice = parseKernelChoice(opts.kernel ?? 'auto');
  if (opts.threads !== undefined && (!Number.isInteger(opts.threads) || opts.threads < 1 || opts.threads > 64)) invalid('--threads', 'an integer in [1, 64]', opts.threads);

  // Every input is checked before the model loads and before the first write.
  const opened: Dataset[] = [];
  for (const dir of opts.dataDirs) {
    try {
      opened.push(await openDataset(dir));
    } catch (err) {
      if (err instanceof UsageError) throw new UsageError(`--data ${dir}: ${err.message}`);
      throw err;
    }
  }
  const outStat = await stat(opts.outDir).catch(() => undefined);
  if (outStat && !outStat.isDirectory()) invalid('--out', 'a folder (or a path to create one at)', opts.outDir);
  const modelPath = join(opts.runDir, MODEL_FILE);
  try {
    if (!(await stat(modelPath)).isFile()) throw new Error('not a file');
  } catch {
    throw new UsageError(`--run: ${modelPath} is missing; point --run at a train-stage folder (nx run experiment-<name>:train writes one)`);
  }
  // A train folder's files must be one run's: its model, not a model beside another run's files.
  checkRunFiles(opts.runDir);

  const backend = await selectBackend((opts.backend ?? 'auto') as BackendChoice, log);
  const kernel = selectKernel(kernelChoice, backend, log);
  configureKernels({ threads: opts.threads });
  configureBaselineKernel({ threads: opts.threads });
  let loaded;
  try {
    loaded = await loadModelWithMetadata(modelPath, { kernel });
  } catch (err) {
    throw new UsageError(`--run: cannot load ${modelPath}: ${(err as Error).message.split('\n')[0]}`);
  }
  const { model, metadata } = loaded;
  try {
    // The training dataset is the one whose train.arrow the checkpoint names: its max_av is the trained range.
    const trainedIndex = opened.findIndex((d) => d.manifest.files['train.arrow'].sha256 === metadata.dataset_sha256);
    const reference = opened[trainedIndex >= 0 ? trainedIndex : 0];
    const config = { ...opts.config, max_av: opts.config.max_av ?? reference.config.max_av };
    const datasets: EvalDataset[] = [];
    for (const [i, ds] of opened.entries()) {
      datasets.push({ name: names[i], split: await loadSplit(ds, 'test'), max_av: ds.config.max_av, test_sha256: ds.manifest.files['test.arrow'].sha256 });
    }
    const step = Number(metadata.step);
    const modelInfo = {
      file: MODEL_FILE,
      sha256: await sha256(modelPath),
      kind: modelKind(model),
      step: Number.isInteger(step) ? step : null,
      backend,
      config: model.config,
    };
    const show = opts.progress ?? true;
    let bar: ReturnType<typeof createProgress> | undefined;
    const ev = await evaluate(model instanceof LeakyRingAttractor ? ringAdapter(model) : baselineAdapter(model), {
      datasets,
      config,
      model: modelInfo,
      trainedOn: trainedIndex >= 0 ? names[trainedIndex] : null,
      trainSeqLen: trainedIndex >= 0 ? opened[trainedIndex].seqLen : null,
      progress: show
        ? (done, total) => {
            bar ??= createProgress(total, 'eval');
            bar.update(done);
          }
        : undefined,
    });
    bar?.stop();
    // The reference's trace shows a bump and its cosine output: a ring's only.
    if (model instanceof LeakyRingAttractor) ev.trace = { data: referenceTrace(model, config.max_av, model.config.seed), n: model.config.num_neurons };
    const files = await writeEvaluation(opts.outDir, ev);
    const seconds = (performance.now() - started) / 1000;
    for (const d of ev.summary.datasets) {
      const pv = d.decoders.pv;
      const am = d.decoders.argmax;
      log(`${d.name}: ${d.sequences}×${d.seq_len}, error pv ${fmt(pv?.mean_deg)}° (last ${d.last_steps} steps ${fmt(pv?.last_mean_deg)}°), argmax ${fmt(am?.mean_deg)}°`);
    }
    const last = ev.summary.drift.horizons[ev.summary.drift.horizons.length - 1];
    const survived = last.survived === undefined ? '' : `, bumps surviving ${last.survived}/${config.drift_starts}`;
    log(`drift after ${last.steps} steps: mean |drift| ${fmt(last.decoders.pv?.mean_abs_deg)}° (pv)${survived}`);
    const fit = ev.summary.gain.fit.pv;
    log(`velocity gain (pv, |v| ≤ ${config.max_av.toPrecision(4)}): slope ${fmt(fit?.slope, 4)}, R² ${fmt(fit?.r2, 4)}`);
    log(`ring-eval: wrote ${files.length} files to ${opts.outDir} in ${seconds.toFixed(1)} s`);
    return { summary: ev.summary, files, seconds };
  } finally {
    model.dispose();
    // The wasm kernel's worker threads would keep the process (or a test runner) alive.
    disposeKernels();
  }
}

function fmt(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined ? 'n/a' : x.toFixed(digits);
}
