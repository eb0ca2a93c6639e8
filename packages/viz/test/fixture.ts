/**
 * Builds a small experiment folder (train/ and eval/) with the stages' own writers (docs/formats.md),
 * without training: weights that blend from noise into the ideal cos(Δ), cos(Δ ∓ π/4) profiles, and
 * an evaluation of a model-free integrator with a known gain and bias.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_KEY, DATASET_KEY, STEP_KEY, metricsToIpc, snapshotsToIpc, type RunConfig, type RunRecord } from '@ring-attractor/train/formats';
import { encodeSafetensors } from '@ring-attractor/model/safetensors';
import { generateSequences } from '@ring-attractor/datagen';
import { DEFAULT_EVAL_CONFIG, evaluate, writeEvaluation, type ModelAdapter, type TraceData } from '@ring-attractor/eval';

export interface FixtureOptions {
  n?: number;
  snapshots?: number;
  metricRows?: number;
  traceLength?: number;
  /** 2 → Wo, Wl, Wr; otherwise Wo, Wa.0 … */
  actionDim?: number;
  seed?: number;
  /** Gain of the evaluated integrator (1: a perfect integrator). */
  gain?: number;
  /** A GRU instead of a ring: no weight snapshots, main/smooth losses, no bump and no trace. */
  baseline?: boolean;
  /** The ring's activation (default gelu). */
  activation?: 'tanh' | 'relu' | 'gelu';
}

export interface Fixture {
  /** The experiment folder, holding train/ and eval/. */
  dir: string;
  trainDir: string;
  evalDir: string;
  n: number;
  names: string[];
  steps: number[];
  /** matrices[name][s], row-major. */
  matrices: Record<string, Float32Array[]>;
  config: RunConfig;
}

/** Deterministic uniform [0, 1) stream (mulberry32), so fixtures are identical on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shift of each matrix's ideal cosine profile. */
function shiftOf(name: string, k: number): number {
  if (name === 'Wo') return 0;
  if (name === 'Wl') return Math.PI / 4;
  if (name === 'Wr') return -Math.PI / 4;
  return ((Number(name.slice(3)) + 1) * Math.PI) / (2 * k);
}

/** The ideal weight of snapshot s of matrix `name` before noise: cos(2π(i − j)/n − shift). */
export function idealWeight(name: string, k: number, n: number, i: number, j: number): number {
  return Math.cos((2 * Math.PI * (i - j)) / n - shiftOf(name, k));
}

/** Writes the fixture experiment into `root` (root/train, root/eval) and returns what it wrote. */
export async function buildRunFixture(root: string, opts: FixtureOptions = {}): Promise<Fixture> {
  const dir = join(root, 'train');
  const n = opts.n ?? 24;
  const snapshotCount = opts.snapshots ?? 6;
  const metricRows = opts.metricRows ?? 30;
  const T = opts.traceLength ?? 200;
  const k = opts.actionDim ?? 2;
  const rand = rng(opts.seed ?? 7);
  mkdirSync(dir, { recursive: true });
  const names = k === 2 ? ['Wo', 'Wl', 'Wr'] : ['Wo', ...Array.from({ length: k }, (_, a) => `Wa.${a}`)];
  const every = Math.max(1, Math.floor(metricRows / (snapshotCount - 1)));
  const steps = Array.from({ length: snapshotCount }, (_, s) => (s === snapshotCount - 1 ? metricRows : s * every));
  const baseline = opts.baseline === true;
  const config: RunConfig = {
    model: baseline
      ? { kind: 'gru', hidden_size: 8, num_layers: 2, dropout: 0.1 }
      : { kind: 'ring', num_neurons: n, activation: opts.activation ?? 'gelu', hidden_gain_neurons: 3, init: 'random', action_dim: k, alpha: 0.15, J0: -0.1, J1: 0.1 },
    train: { steps: metricRows, batch_size: 8, lr: 1e-3, weight_decay: 0, clip: 1, bump_weight: 0.2, snapshot_every: every, checkpoint_every: 10, seed: 1 },
  };
  const parts = baseline ? ['main', 'smooth'] : ['angle', 'bump'];
  if (baseline) names.length = 0;
  const configJson = JSON.stringify(config);
  // Every file records the same run: its config and training data (what readers check).
  const datasetSha256 = 'ab'.repeat(32);
  const identity = { configJson, datasetSha256 };

  const matrices: Record<string, Float32Array[]> = {};
  for (const name of names) {
    matrices[name] = steps.map((_, s) => {
      const blend = snapshotCount === 1 ? 1 : s / (snapshotCount - 1);
      const w = new Float32Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        w[i * n + j] = blend * idealWeight(name, k, n, i, j) + (1 - blend) * 0.3 * (2 * rand() - 1);
      }
      return w;
    });
  }
  const loss = (s: number): number => 2 * Math.exp(-3 * (s / Math.max(1, metricRows)));
  writeFileSync(
    join(dir, 'snapshots.arrow'),
    snapshotsToIpc(
      steps.map((step, i) => ({ step, loss_total: loss(step) * 1.2, losses: Object.fromEntries(parts.map((p) => [p, loss(step)])), weights: Object.fromEntries(names.map((m) => [m, matrices[m][i]])) })),
      parts,
      names.map((name) => ({ name, shape: [n, n] })),
      identity,
    ),
  );
  const mSteps = Array.from({ length: metricRows }, (_, i) => i + 1);
  writeFileSync(
    join(dir, 'metrics.arrow'),
    metricsToIpc(mSteps.map((step) => ({ step, loss_total: loss(step) * 1.2, losses: Object.fromEntries(parts.map((p) => [p, loss(step)])), grad_norm: 0.5 + rand(), ms: 10 + rand() })), parts, identity),
  );

  // An ideal integrator: the bump sits on the aligned true angle, decoders are close to it.
  const phi = (q: number): number => (2 * Math.PI * q) / n;
  const av = Float32Array.from({ length: T }, (_, t) => 0.08 * Math.sin(t / 15));
  const angle = new Float32Array(T);
  let a = Math.PI;
  for (let t = 0; t < T; t++) {
    a = (((a + av[t]) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
    angle[t] = a;
  }
  const output = Array.from({ length: T }, (_, t) => Float32Array.from({ length: n }, (_, q) => Math.cos(phi(q) - angle[t])));
  const bump = Array.from({ length: T }, (_, t) => Float32Array.from({ length: n }, (_, q) => Math.exp(3 * (Math.cos(phi(q) - angle[t]) - 1))));
  const wrap = (x: number): number => ((x % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
  const flatRows = (rows: Float32Array[]): Float32Array => {
    const out = new Float32Array(rows.length * n);
    rows.forEach((r, t) => out.set(r, t * n));
    return out;
  };
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({
      config,
      dataset: { name: 'tiny', sha256: { 'train.arrow': datasetSha256, 'test.arrow': 'cd'.repeat(32) }, seq_len: 20, max_av: 0.1 * Math.PI },
      parameters: baseline ? 1234 : 3 * n * n + 20,
      backend: 'wasm', kernel: 'wasm', kernel_isa: 'relaxed-simd', threads: 2, steps: metricRows, train_seconds: 1.5, ms_per_step_median: 10.2,
      ...(baseline ? {} : { sanity_loss: 0.31 }),
    } satisfies RunRecord, null, 2),
  );
  const trace: TraceData = {
    av,
    angle,
    decoded_pv: Float32Array.from(angle, (x) => wrap(x + 0.05 * (rand() - 0.5))),
    decoded_argmax: Float32Array.from(angle, (x) => wrap(Math.round((x * n) / (2 * Math.PI)) * ((2 * Math.PI) / n))),
    output: flatRows(output),
    bump: flatRows(bump),
  };
  const evalDir = join(root, 'eval');
  await buildEvalFixture(evalDir, { trace: baseline ? undefined : trace, n, seed: opts.seed ?? 7, gain: opts.gain });
  // The model's parameters are not drawn; its metadata says which run it is.
  writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors({}, { [STEP_KEY]: String(metricRows), [CONFIG_KEY]: configJson, [DATASET_KEY]: datasetSha256 }));
  return { dir: root, trainDir: dir, evalDir, n, names, steps, matrices, config };
}

/**
 * A model-free integrator with a bump: decoded = angle0 + gain·Σ av + bias·(t + 1) (argmax on the
 * ring's grid), amplitude decaying geometrically; its evaluation has closed forms (packages/eval tests).
 */
function integrator(gain: number, bias: number, n: number, bump = true): ModelAdapter {
  const wrap = (x: number): number => ((x % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
  return {
    decoders: bump ? ['pv', 'argmax'] : ['pv'],
    hasBump: bump,
    async run(av, angle0, B, T) {
      const pv = new Float64Array(B * T);
      const argmax = new Float64Array(B * T);
      const amplitude = new Float64Array(B * T);
      for (let b = 0; b < B; b++) {
        let sum = 0;
        for (let t = 0; t < T; t++) {
          const x = wrap(angle0[b] + gain * sum + bias * (t + 1));
          pv[b * T + t] = x;
          argmax[b * T + t] = wrap(Math.round((x * n) / (2 * Math.PI)) * ((2 * Math.PI) / n));
          amplitude[b * T + t] = 4 * Math.pow(0.999, t);
          sum += av[b * T + t];
        }
      }
      return bump ? { pv, argmax, amplitude } : { pv };
    },
  };
}

/** Writes an eval-stage folder: an integrator evaluated on a short and a long dataset, plus `trace` (a ring's: with a bump). */
export async function buildEvalFixture(dir: string, opts: { trace?: TraceData; n: number; seed: number; gain?: number; bias?: number }): Promise<void> {
  const maxAv = 0.1 * Math.PI;
  const params = { zero_padding_start_ratio: 0.1, zero_ratios_in_rest: [0.2, 0.5, 0.8], max_av: maxAv };
  const datasets = [
    { name: 'tiny', split: generateSequences({ ...params, seq_len: 20 }, 16, opts.seed), max_av: maxAv, test_sha256: 'cd'.repeat(32) },
    { name: 'long', split: generateSequences({ ...params, seq_len: 60 }, 8, opts.seed + 1), max_av: maxAv, test_sha256: 'ef'.repeat(32) },
  ];
  const config = { ...DEFAULT_EVAL_CONFIG, drift_starts: 6, drift_horizons: [20, 50], gain_velocities: 9, gain_settle: 10, gain_window: 30, max_av: maxAv };
  const ev = await evaluate(integrator(opts.gain ?? 0.9, opts.bias ?? 0.001, opts.n, opts.trace !== undefined), {
    datasets,
    config,
    model: { kind: opts.trace ? 'ring' : 'gru' },
    trainedOn: 'tiny',
    trainSeqLen: 20,
  });
  if (opts.trace) ev.trace = { data: opts.trace, n: opts.n };
  await writeEvaluation(dir, ev);
}
