/**
 * The training run of docs/model.md §4, from a dataset folder to the train-stage folder of
 * docs/formats.md, with checkpoints that a killed run resumes from to the same bytes.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
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
import { checkResumable, decodeCheckpoint, encodeCheckpoint, type CheckpointState, type NamedTensor } from './checkpoint.js';
import { modelOptions, type RunConfig } from './config.js';
import { checkTrainingMemory, estimateTrainingMemory } from './memoryEstimate.js';
import {
  CONFIG_KEY,
  RUN_FILES,
  metricsFromIpc,
  metricsToIpc,
  snapshotsFromIpc,
  snapshotsToIpc,
  type MetricsRow,
  type RunRecord,
  type SnapshotRow,
} from './formats/index.js';
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

async function readOptional(path: string): Promise<Uint8Array | undefined> {
  return existsSync(path) ? new Uint8Array(await readFile(path)) : undefined;
}

/** Loads the checkpoint of `outDir` for --resume, failing as bad input if it is missing or foreign. */
async function loadCheckpoint(path: string): Promise<CheckpointState> {
  if (!existsSync(path)) invalid('resume', `a checkpoint at ${path}`, 'missing');
  let file;
  try {
    file = await loadSafetensors(path);
  } catch (err) {
    invalid('resume', `a readable checkpoint at ${path}`, (err as Error).message);
  }
  return decodeCheckpoint(file);
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
  const resumed = opts.resume ? await loadCheckpoint(paths.checkpoint) : undefined;
  if (resumed) checkResumable(resumed, config, ds.seqLen, trainSha);
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
    if (resumed) {
      try {
        model.setWeights(resumed.params);
      } catch (err) {
        invalid('resume', 'a checkpoint of this model configuration', (err as Error).message);
      }
    }
    await mkdir(outDir, { recursive: true });

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

    const { optimizer, names: paramNames, variables } = state;
    const named = Object.fromEntries(paramNames.map((n, i) => [n, variables[i]]));
    let sampler: BatchSampler;
    let metrics: MetricsRow[] = [];
    let snapshots: SnapshotRow[] = [];
    let step = 0;
    if (resumed) {
      optimizer.setState(resumed.adam);
      if (resumed.random !== undefined) objective.setRandomState(resumed.random);
      sampler = BatchSampler.fromState(resumed.sampler);
      step = resumed.step;
      // Rows past the checkpoint belong to steps that will be redone.
      const m = await readOptional(paths.metrics);
      metrics = m ? metricsFromIpc(m).filter((r) => r.step <= step) : [];
      const s = await readOptional(paths.snapshots);
      snapshots = s ? snapshotsFromIpc(s, objective.matrices.map((m) => m.name)).filter((r) => r.step <= step) : [];
      if (metrics.length !== step) invalid('resume', `metrics.arrow with the ${step} steps of the checkpoint`, metrics.length);
      log(`resuming at step ${step}`);
    } else {
      sampler = new BatchSampler(trainSplit.count, B, config.train.seed);
    }

    // Row 0: the untrained weights, with the losses the first step measures on the first batch.
    let initialWeights = step === 0 ? objective.snapshot() : undefined;

    const writeCheckpoint = async (): Promise<void> => {
      await writeFileAtomic(paths.metrics, metricsToIpc(metrics, objective.parts, configJson));
      await writeFileAtomic(paths.snapshots, snapshotsToIpc(snapshots, objective.parts, objective.matrices, configJson));
      const params: Record<string, NamedTensor> = {};
      for (const n of paramNames) params[n] = { shape: [...named[n].shape], data: Float32Array.from(named[n].dataSync() as Float32Array) };
      const file = encodeCheckpoint({ step, config, seqLen: T, datasetSha256: trainSha, params, adam: optimizer.getState(), sampler: sampler.getState(), sanityLoss, random: objective.randomState(), kernel: runKernel, kernelIsa, threads });
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
        metrics.push({ step, ...r, ms });
        const losses = { loss_total: r.loss_total, losses: r.losses };
        if (initialWeights) {
          snapshots.push({ step: 0, ...losses, weights: initialWeights });
          initialWeights = undefined;
        }
        if (step % config.train.snapshot_every === 0 || step === config.train.steps) snapshots.push({ step, ...losses, weights: objective.snapshot() });
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

      const last = metrics[metrics.length - 1];
      await saveModel(paths.model, model, {
        step: String(step),
        loss_total: String(Math.fround(last.loss_total)),
        ...Object.fromEntries(objective.parts.map((p) => [`loss_${p}`, String(Math.fround(last.losses[p]))])),
        dataset_sha256: trainSha,
        [CONFIG_KEY]: configJson,
      });

      const stepMs = metrics.map((r) => r.ms);
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
      log(`trained ${step} steps in ${run.train_seconds.toFixed(1)} s (median ${run.ms_per_step_median.toFixed(1)} ms/step); final loss ${last.loss_total.toPrecision(4)}`);
      return { step, stopped: false, outDir };
    } finally {
      progress?.stop();
    }
  }
}
