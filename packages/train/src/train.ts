/**
 * The training run of docs/model.md §4, from a dataset folder to the train-stage folder of
 * docs/formats.md, with checkpoints that a killed run resumes from to the same bytes.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import { UsageError, createProgress, invalid, writeFileAtomic } from '@ring-attractor/common';
import { BatchSampler, loadSplit, openDataset, type Dataset, type Sequences } from '@ring-attractor/datagen';
import {
  SANITY_MAX_ANGLE_LOSS,
  baselineKernel,
  configureBaselineKernel,
  createModel,
  loadSafetensors,
  sanityCheck,
  saveModel,
  saveSafetensors,
  selectBackend,
  configureKernels,
  disposeKernels,
  kernelInfo,
  nativeInfo,
  parseKernelChoice,
  selectKernel,
  setNativeIsa,
  type BackendChoice,
} from '@ring-attractor/model';
import { checkCheckpointModel, checkResumable, decodeCheckpoint, encodeCheckpoint, type CheckpointState, type NamedTensor } from './checkpoint.js';
import { modelOptions, type RunConfig } from './config.js';
import { CONFIG_KEY, DATASET_KEY, RUN_FILES, STEP_KEY, metricsSchema, snapshotsSchema, type MetricsRow, type RunIdentity, type RunRecord } from './formats/index.js';
import { RunLog, verifyRunLog, type RunSchemas, type VerifiedLog } from './runLog.js';
import { checkTrainingMemory, estimateTrainingMemory } from './memoryEstimate.js';
import { createTrainingState, trainStep, type TrainingState } from './step.js';

/** Everything a run needs besides the config. */
export interface TrainOptions {
  dataDir: string;
  outDir: string;
  config: RunConfig;
  backend?: string;
  kernel?: string;
  threads?: number;
  resume?: boolean;
  /** Replace an earlier run's train-stage files in `outDir` (removed once every check has passed, before the first step). */
  overwrite?: boolean;
  /** Debug: stop after this step as if killed (no final checkpoint, no final outputs). */
  stopAfter?: number;
  /** Test hook: put a NaN into the first parameter just before this step's forward pass. */
  injectNanAtStep?: number;
  /** Progress and messages; default stderr. */
  log?: (line: string) => void;
  /** Show the progress bar (default true). */
  progress?: boolean;
}

/** What a finished (or deliberately stopped) run reports. */
export interface TrainResult {
  step: number;
  stopped: boolean;
  outDir: string;
}

/** The fused kernels' limit on threads. */
const MAX_THREADS = 64;

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Loads the checkpoint of `outDir` for --resume, failing as bad input if it is missing, damaged (a tensor's digest) or foreign. */
async function loadCheckpoint(path: string): Promise<CheckpointState> {
  if (!existsSync(path)) invalid('resume', `a checkpoint at ${path}`, 'missing');
  let file;
  try {
    file = await loadSafetensors(path);
  } catch (err) {
    throw new UsageError(`resume: ${(err as Error).message}; start the run afresh with --overwrite`);
  }
  return decodeCheckpoint(file, path);
}

/** The train-stage files already in `dir`, "finished" ones (run.json, model.safetensors) first. */
function runFilesIn(dir: string): string[] {
  return Object.values(RUN_FILES).filter((f) => existsSync(join(dir, f)));
}

/** Test hook: a NaN in the first entry of `v`, as a diverging update would leave it. */
function injectNan(v: tf.Variable): void {
  const data = Float32Array.from(v.dataSync() as Float32Array);
  data[0] = Number.NaN;
  tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
}

/** Trains per `opts`; writes every file of docs/formats.md's train stage into `opts.outDir`. */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const config = opts.config;
  const outDir = resolve(opts.outDir);
  const paths = Object.fromEntries(Object.entries(RUN_FILES).map(([k, f]) => [k, join(outDir, f)])) as Record<keyof typeof RUN_FILES, string>;

  // Every check of the inputs happens before the first write.
  const ds: Dataset = await openDataset(opts.dataDir).catch((err: unknown) => {
    throw err instanceof UsageError ? new UsageError(`data: ${err.message}`) : err;
  });
  const trainSha = ds.manifest.files['train.arrow'].sha256;
  if (opts.resume && opts.overwrite) invalid('overwrite', 'not with --resume (one continues the run in --out, the other replaces it)', true);
  const resumed = opts.resume ? await loadCheckpoint(paths.checkpoint) : undefined;
  if (resumed) checkResumable(resumed, config, ds.seqLen, trainSha);
  // A fresh run never leaves its files beside another run's: they would be read as one run.
  const earlier = resumed ? [] : runFilesIn(outDir);
  if (earlier.length > 0 && !opts.overwrite) {
    throw new UsageError(`--out: ${outDir} holds ${earlier.join(', ')} of an earlier run; pass --resume to continue it or --overwrite to replace it`);
  }
  const kernelChoice = parseKernelChoice(opts.kernel ?? resumed?.kernel ?? 'auto');
  const backend = await selectBackend((opts.backend ?? 'auto') as BackendChoice, log);
  // A resumed run keeps the kernel, ISA path and thread count it started with unless told otherwise:
  // the fused kernels sum per-thread gradient slices, and each path rounds its own way, so another
  // choice changes the last bits.
  const kernel = selectKernel(kernelChoice, backend, log);
  if (kernel === 'native' && opts.kernel === undefined && resumed) {
    if (nativeInfo().supported.includes(resumed.kernelIsa)) setNativeIsa(resumed.kernelIsa);
    else log(`kernel: the checkpoint ran the native ${resumed.kernelIsa} path, which this CPU lacks; continuing on ${nativeInfo().isa} (the last bits will differ)`);
  }
  const threads = opts.threads ?? resumed?.threads ?? Math.max(1, Math.min(MAX_THREADS, availableParallelism()));
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) invalid('threads', `an integer in [1, ${MAX_THREADS}]`, threads);
  configureKernels({ threads });
  configureBaselineKernel({ threads });
  // The baselines run their own fused ops (wasm) wherever the ring would run a fused kernel.
  const runKernel = config.model.kind === 'ring' ? kernel : baselineKernel(kernel);
  const kernelIsa = kernelInfo(runKernel).isa;
  checkTrainingMemory(estimateTrainingMemory(config, { seqLen: ds.seqLen, trainRows: ds.manifest.files['train.arrow'].rows, threads }, runKernel), backend, runKernel);
  const model = createModel(config.model, modelOptions(config, ds.config.max_av, kernel));
  try {
    return await trainModel(createTrainingState(config, model));
  } finally {
    model.dispose();
    // The wasm kernel's worker threads would keep the process (or a test runner) alive.
    disposeKernels();
  }

  async function trainModel(state: TrainingState): Promise<TrainResult> {
    const { objective } = state;
    const configJson = JSON.stringify(config);
    const identity: RunIdentity = { configJson, datasetSha256: trainSha };
    const schemas: RunSchemas = {
      metrics: metricsSchema(objective.parts, identity),
      snapshots: snapshotsSchema(objective.parts, objective.matrices, identity),
    };
    let verified: VerifiedLog | undefined;
    if (resumed) {
      checkCheckpointModel(resumed, { names: state.names, shapes: state.variables.map((v) => v.shape) }, paths.checkpoint);
      try {
        model.setWeights(resumed.params);
      } catch (err) {
        invalid('resume', 'a checkpoint of this model configuration', (err as Error).message);
      }
      verified = verifyRunLog(outDir, resumed.files, resumed.step, schemas);
    }

    const trainSplit: Sequences = await loadSplit(ds, 'train');
    const B = config.train.batch_size;
    const T = ds.seqLen;

    let sanityLoss: number | undefined;
    if (resumed) sanityLoss = resumed.sanityLoss;
    else if (config.model.kind === 'ring') {
      const n = Math.min(B, trainSplit.count);
      const av = tf.tensor2d(trainSplit.av.subarray(0, n * T), [n, T]);
      const angle = tf.tensor2d(trainSplit.angle.subarray(0, n * T), [n, T]);
      const loss = sanityCheck(av, angle, kernel);
      sanityLoss = loss;
      tf.dispose([av, angle]);
      log(`sanity check (debug_perfect, N=360, gelu, one batch of ${n}): angle loss ${loss.toFixed(4)}`);
      if (!(loss < SANITY_MAX_ANGLE_LOSS)) throw new Error(`sanity check failed: angle loss ${loss} is not below ${SANITY_MAX_ANGLE_LOSS}`);
    }

    // Every check has passed: the first write.
    for (const f of earlier) await rm(join(outDir, f), { force: true });
    await mkdir(outDir, { recursive: true });

    const { optimizer, names: paramNames, variables } = state;
    const named = Object.fromEntries(paramNames.map((n, i) => [n, variables[i]]));
    let sampler: BatchSampler;
    let step = 0;
    // Each step's time (run.json's timing covers the whole run), and the last step's row.
    let stepMs: number[] = [];
    let last: MetricsRow | undefined;
    let runLog: RunLog;
    if (resumed && verified) {
      optimizer.setState(resumed.adam);
      if (resumed.random !== undefined) objective.setRandomState(resumed.random);
      sampler = BatchSampler.fromState(resumed.sampler);
      step = resumed.step;
      stepMs = verified.ms;
      last = verified.last;
      // Rows past the checkpoint belong to steps that will be redone.
      runLog = RunLog.reopen(verified, schemas);
      log(`resuming at step ${step}`);
    } else {
      sampler = new BatchSampler(trainSplit.count, B, config.train.seed);
      runLog = RunLog.create(outDir, schemas);
    }

    // Row 0: the untrained weights, with the losses the first step measures on the first batch.
    let initialWeights = step === 0 ? objective.snapshot() : undefined;

    const writeCheckpoint = async (): Promise<void> => {
      // The run files reach the disk before the checkpoint that marks them.
      const files = runLog.checkpoint();
      const params: Record<string, NamedTensor> = {};
      for (const n of paramNames) params[n] = { shape: [...named[n].shape], data: Float32Array.from(named[n].dataSync() as Float32Array) };
      const file = encodeCheckpoint({ step, config, seqLen: T, datasetSha256: trainSha, params, adam: optimizer.getState(), sampler: sampler.getState(), sanityLoss, random: objective.randomState(), kernel: runKernel, kernelIsa, threads, files });
      await saveSafetensors(paths.checkpoint, file.tensors, file.metadata);
    };

    const startStep = step;
    const progress = opts.progress === false ? undefined : createProgress(config.train.steps - startStep, 'train');
    try {
      while (step < config.train.steps) {
        const s = step + 1;
        const t0 = performance.now();
        const batch = sampler.gather(trainSplit, sampler.next());
        if (opts.injectNanAtStep === s) injectNan(variables[0]);
        const r = trainStep(state, { ...batch, seqLen: T }, s);
        step = s;
        const ms = performance.now() - t0;
        last = { step, ...r, ms };
        runLog.addMetric(last);
        stepMs.push(ms);
        const losses = { loss_total: r.loss_total, losses: r.losses };
        if (initialWeights) {
          runLog.addSnapshot({ step: 0, ...losses, weights: initialWeights });
          initialWeights = undefined;
        }
        if (step % config.train.snapshot_every === 0 || step === config.train.steps) runLog.addSnapshot({ step, ...losses, weights: objective.snapshot() });
        progress?.update(step - startStep, { step, loss: r.loss_total.toFixed(4), 'ms/step': ms.toFixed(0) });
        if (step % config.train.checkpoint_every === 0) await writeCheckpoint();
        if (opts.stopAfter === step && step < config.train.steps) {
          progress?.stop();
          log(`stopped after step ${step} (--stop-after)`);
          return { step, stopped: true, outDir };
        }
      }
      progress?.stop();
      if (step % config.train.checkpoint_every !== 0 || step === startStep) await writeCheckpoint();
      runLog.finish();

      const final = last;
      if (!final) throw new Error(`no metrics row for step ${step}`);
      await saveModel(paths.model, model, {
        [STEP_KEY]: String(step),
        loss_total: String(Math.fround(final.loss_total)),
        ...Object.fromEntries(objective.parts.map((p) => [`loss_${p}`, String(Math.fround(final.losses[p]))])),
        [DATASET_KEY]: trainSha,
        [CONFIG_KEY]: configJson,
      });

      const run: RunRecord = {
        config,
        dataset: {
          name: basename(resolve(ds.dir)),
          sha256: { 'train.arrow': trainSha, 'test.arrow': ds.manifest.files['test.arrow'].sha256 },
          seq_len: T,
          max_av: ds.config.max_av,
        },
        parameters: variables.reduce((n, v) => n + v.size, 0),
        backend,
        kernel: runKernel,
        kernel_isa: kernelIsa,
        threads,
        steps: step,
        train_seconds: stepMs.reduce((a, b) => a + b, 0) / 1000,
        ms_per_step_median: median(stepMs),
        ...(sanityLoss === undefined ? {} : { sanity_loss: sanityLoss }),
      };
      await writeFileAtomic(paths.run, `${JSON.stringify(run, null, 2)}\n`);
      log(`trained ${step} steps in ${run.train_seconds.toFixed(1)} s (median ${run.ms_per_step_median.toFixed(1)} ms/step); final loss ${final.loss_total.toPrecision(4)}`);
      return { step, stopped: false, outDir };
    } finally {
      progress?.stop();
      runLog.close();
    }
  }
}
