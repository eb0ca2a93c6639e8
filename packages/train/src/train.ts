/**
 * The training run of SPEC §4, from a dataset folder to the output folder of FORMATS.md, with
 * checkpoints that a killed run resumes from to the same bytes.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import { UsageError, createProgress, invalid, writeFileAtomic } from '@ring-attractor/common';
import { BatchSampler, loadSplit, openDataset, type Dataset, type Sequences } from '@ring-attractor/datagen';
import {
  LeakyRingAttractor,
  SANITY_MAX_ANGLE_LOSS,
  initialBump,
  loadSafetensors,
  sanityCheck,
  saveModel,
  saveSafetensors,
  selectBackend,
  trainingLoss,
  weightMatrixNames,
  configureKernels,
  disposeKernels,
  kernelInfo,
  nativeInfo,
  parseKernelChoice,
  selectKernel,
  setNativeIsa,
  type BackendChoice,
} from '@ring-attractor/model';
import { metricsFromIpc, metricsToIpc, snapshotsFromIpc, snapshotsToIpc, evalTraceToIpc, type MetricsRow, type SnapshotRow } from './arrow.js';
import { checkResumable, decodeCheckpoint, encodeCheckpoint, type NamedTensor, type TrainState } from './checkpoint.js';
import { modelFields, type TrainConfig } from './config.js';
import { evalTrace, evaluateSplit } from './evaluate.js';
import { Adam, clipFactor, globalNormHost } from './optimizer.js';

/** Everything a run needs besides the config. */
export interface TrainOptions {
  dataDir: string;
  outDir: string;
  config: TrainConfig;
  backend?: string;
  kernel?: string;
  threads?: number;
  resume?: boolean;
  /** Debug: stop after this step as if killed (no final checkpoint, no final outputs). */
  stopAfter?: number;
  /** Test hook: put a NaN into Wo just before this step's forward pass. */
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

/** Output file names of FORMATS.md. */
export const OUTPUT_FILES = {
  run: 'run.json',
  model: 'model.safetensors',
  checkpoint: 'checkpoint.safetensors',
  snapshots: 'snapshots.arrow',
  metrics: 'metrics.arrow',
  eval: 'eval.json',
  evalTrace: 'eval_trace.arrow',
} as const;

/** The fused kernels' limit on threads. */
const MAX_THREADS = 64;

/** Float32 rounding, then the shortest decimal that round-trips it: the metadata's loss strings. */
function f32(x: number): number {
  return Math.fround(x);
}

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
async function loadCheckpoint(path: string): Promise<TrainState> {
  if (!existsSync(path)) invalid('resume', `a checkpoint at ${path}`, 'missing');
  let file;
  try {
    file = await loadSafetensors(path);
  } catch (err) {
    invalid('resume', `a readable checkpoint at ${path}`, (err as Error).message);
  }
  return decodeCheckpoint(file);
}

/** Index of the first variable holding a NaN or ±Inf, or −1. */
function firstNonFinite(vars: readonly tf.Variable[]): number {
  // Host reads of these few small tensors cost less than an isFinite/all kernel pair each.
  return vars.findIndex((v) => !(v.dataSync() as Float32Array).every(Number.isFinite));
}

/** Test hook: a NaN in the first entry of `v`, as a diverging update would leave it. */
function injectNan(v: tf.Variable): void {
  const data = Float32Array.from(v.dataSync() as Float32Array);
  data[0] = Number.NaN;
  tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
}

/** Trains per `opts`; writes every output of FORMATS.md into `opts.outDir`. */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const config = opts.config;
  const outDir = resolve(opts.outDir);
  const paths = Object.fromEntries(Object.entries(OUTPUT_FILES).map(([k, f]) => [k, join(outDir, f)])) as Record<keyof typeof OUTPUT_FILES, string>;

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
  if (kernel === 'native' && opts.kernel === undefined && resumed?.kernelIsa) {
    if (nativeInfo().supported.includes(resumed.kernelIsa)) setNativeIsa(resumed.kernelIsa);
    else log(`kernel: the checkpoint ran the native ${resumed.kernelIsa} path, which this CPU lacks; continuing on ${nativeInfo().isa} (the last bits will differ)`);
  }
  const threads = opts.threads ?? resumed?.threads ?? Math.max(1, Math.min(MAX_THREADS, availableParallelism()));
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) invalid('threads', `an integer in [1, ${MAX_THREADS}]`, threads);
  configureKernels({ threads });
  const kernelIsa = kernelInfo(kernel).isa;
  const model = new LeakyRingAttractor({ ...modelFields(config), kernel });
  let adam: Adam | undefined;
  try {
    return await trainModel();
  } finally {
    adam?.dispose();
    model.dispose();
    // The wasm kernel's worker threads would keep the process (or a test runner) alive.
    disposeKernels();
  }

  async function trainModel(): Promise<TrainResult> {
    const names = weightMatrixNames(config.action_dim);
    const N = config.num_neurons;
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
    const B = config.batch_size;
    const T = ds.seqLen;

    let sanityLoss: number;
    if (resumed) sanityLoss = resumed.sanityLoss;
    else {
      const n = Math.min(B, trainSplit.count);
      const av = tf.tensor2d(trainSplit.av.subarray(0, n * T), [n, T]);
      const angle = tf.tensor2d(trainSplit.angle.subarray(0, n * T), [n, T]);
      sanityLoss = sanityCheck(av, angle);
      tf.dispose([av, angle]);
      log(`sanity check (debug_perfect, N=360, gelu, one batch of ${n}): angle loss ${sanityLoss.toFixed(4)}`);
      if (!(sanityLoss < SANITY_MAX_ANGLE_LOSS)) throw new Error(`sanity check failed: angle loss ${sanityLoss} is not below ${SANITY_MAX_ANGLE_LOSS}`);
    }

    const named = model.namedTrainableVariables();
    const paramNames = Object.keys(named);
    const vars = paramNames.map((n) => named[n]);
    const optimizer = new Adam(vars, { lr: config.lr });
    adam = optimizer;
    let sampler: BatchSampler;
    let metrics: MetricsRow[] = [];
    let snapshots: SnapshotRow[] = [];
    let step = 0;
    if (resumed) {
      optimizer.setState(resumed.adam);
      sampler = BatchSampler.fromState(resumed.sampler);
      step = resumed.step;
      // Rows past the checkpoint belong to steps that will be redone.
      const m = await readOptional(paths.metrics);
      metrics = m ? metricsFromIpc(m).filter((r) => r.step <= step) : [];
      const s = await readOptional(paths.snapshots);
      snapshots = s ? snapshotsFromIpc(s, names).filter((r) => r.step <= step) : [];
      if (metrics.length !== step) invalid('resume', `metrics.arrow with the ${step} steps of the checkpoint`, metrics.length);
      log(`resuming at step ${step}`);
    } else {
      sampler = new BatchSampler(trainSplit.count, B, config.seed);
    }

    const weightsOf = (): Record<string, Float32Array> => {
      const w = model.getWeights();
      return Object.fromEntries(names.map((n) => [n, w[n].data]));
    };
    // Row 0: the untrained weights, with the losses the first step measures on the first batch.
    let initialWeights = step === 0 ? weightsOf() : undefined;

    const writeCheckpoint = async (): Promise<void> => {
      await writeFileAtomic(paths.metrics, metricsToIpc(metrics));
      await writeFileAtomic(paths.snapshots, snapshotsToIpc(snapshots, names, N, configJson));
      const params: Record<string, NamedTensor> = {};
      for (const n of paramNames) params[n] = { shape: [...named[n].shape], data: Float32Array.from(named[n].dataSync() as Float32Array) };
      const file = encodeCheckpoint({ step, config, seqLen: T, datasetSha256: trainSha, params, adam: optimizer.getState(), sampler: sampler.getState(), sanityLoss, kernel, kernelIsa, threads });
      await saveSafetensors(paths.checkpoint, file.tensors, file.metadata);
    };

    const startStep = step;
    const progress = opts.progress === false ? undefined : createProgress(config.steps - startStep, 'train');
    try {
      while (step < config.steps) {
        const s = step + 1;
        const t0 = performance.now();
        const batch = sampler.gather(trainSplit, sampler.next());
        if (opts.injectNanAtStep === s) injectNan(named.Wo);
        let parts: tf.Scalar[] = [];
        const { losses, grads } = tf.tidy(() => {
          const av = tf.tensor2d(batch.av, [B, T]);
          const angle = tf.tensor2d(batch.angle, [B, T]);
          const r0 = initialBump(Float32Array.from({ length: B }, (_, b) => batch.angle[b * T]), N);
          const { value, grads } = tf.variableGrads(() => {
            // totalLoss's values and gradients, without computing (and differentiating) the cosine output.
            const l = trainingLoss(model.forwardBump(av, r0), angle, config.bump_weight);
            parts = [tf.keep(l.angle), tf.keep(l.bump)];
            return l.total;
          }, vars);
          const g = vars.map((v) => grads[v.name]);
          return { losses: tf.stack([value, ...parts]), grads: g };
        });
        const [lossTotal, lossAngle, lossBump] = losses.dataSync();
        const gradNorm = globalNormHost(grads);
        tf.dispose([losses, ...parts]);
        if (!Number.isFinite(lossTotal) || !Number.isFinite(lossAngle) || !Number.isFinite(lossBump)) {
          tf.dispose(grads);
          throw new Error(`non-finite loss at step ${s}`);
        }
        if (!Number.isFinite(gradNorm)) {
          tf.dispose(grads);
          throw new Error(`non-finite gradient at step ${s}`);
        }
        // Clipping is Adam's scale argument: the scaled gradients never become tensors.
        optimizer.apply(grads, clipFactor(gradNorm, config.clip));
        tf.dispose(grads);
        // The loss alone is not enough: a kernel may map a NaN weight to finite activity.
        const bad = firstNonFinite(vars);
        if (bad >= 0) throw new Error(`non-finite parameter ${paramNames[bad]} at step ${s}`);
        step = s;
        const ms = performance.now() - t0;
        metrics.push({ step, loss_total: lossTotal, loss_angle: lossAngle, loss_bump: lossBump, grad_norm: gradNorm, ms });
        if (initialWeights) {
          snapshots.push({ step: 0, loss_total: lossTotal, loss_angle: lossAngle, loss_bump: lossBump, weights: initialWeights });
          initialWeights = undefined;
        }
        if (step % config.snapshot_every === 0 || step === config.steps) {
          snapshots.push({ step, loss_total: lossTotal, loss_angle: lossAngle, loss_bump: lossBump, weights: weightsOf() });
        }
        progress?.update(step - startStep, { step, loss: lossTotal.toFixed(4), 'ms/step': ms.toFixed(0) });
        if (step % config.checkpoint_every === 0) await writeCheckpoint();
        if (opts.stopAfter === step && step < config.steps) {
          progress?.stop();
          log(`stopped after step ${step} (--stop-after)`);
          return { step, stopped: true, outDir };
        }
      }
      progress?.stop();
      if (step % config.checkpoint_every !== 0 || step === startStep) await writeCheckpoint();

      const last = metrics[metrics.length - 1];
      await saveModel(paths.model, model, {
        step: String(step),
        loss_total: String(f32(last.loss_total)),
        loss_angle: String(f32(last.loss_angle)),
        loss_bump: String(f32(last.loss_bump)),
        dataset_sha256: trainSha,
      });

      const testSplit = await loadSplit(ds, 'test');
      const test = evaluateSplit(model, testSplit, Math.max(B, 256));
      await writeFileAtomic(paths.eval, `${JSON.stringify({ ...test, sanity_loss: sanityLoss, step }, null, 2)}\n`);
      const trace = evalTrace(model, ds.config.max_av, config.seed);
      await writeFileAtomic(paths.evalTrace, evalTraceToIpc(trace, N, configJson));

      const stepMs = metrics.map((r) => r.ms);
      const run = {
        config,
        dataset: { dir: resolve(ds.dir), sha256: { 'train.arrow': trainSha, 'test.arrow': ds.manifest.files['test.arrow'].sha256 }, seq_len: T },
        backend,
        kernel,
        kernel_isa: kernelIsa,
        threads,
        steps: step,
        train_seconds: stepMs.reduce((a, b) => a + b, 0) / 1000,
        ms_per_step_median: median(stepMs),
      };
      await writeFileAtomic(paths.run, `${JSON.stringify(run, null, 2)}\n`);
      log(`test: pv ${test.pv_deg.toFixed(2)}°, argmax ${test.argmax_deg.toFixed(2)}°, angle loss ${test.angle_loss.toFixed(4)} (${test.test_count} sequences)`);
      return { step, stopped: false, outDir };
    } finally {
      progress?.stop();
    }
  }
}
