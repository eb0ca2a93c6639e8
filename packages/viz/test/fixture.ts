/**
 * Builds a small train-stage output folder in exactly the FORMATS.md layout, independent of
 * packages/train: weights that blend from noise into the ideal cos(Δ), cos(Δ ∓ π/4) profiles.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Field, FixedSizeList, Float32, Schema, Table, makeData, makeVector, tableToIPC, type Vector } from 'apache-arrow';

export interface FixtureOptions {
  n?: number;
  snapshots?: number;
  metricRows?: number;
  traceLength?: number;
  /** 2 → Wo, Wl, Wr; otherwise Wo, Wa.0 … */
  actionDim?: number;
  seed?: number;
}

export interface Fixture {
  dir: string;
  n: number;
  names: string[];
  steps: number[];
  /** matrices[name][s], row-major. */
  matrices: Record<string, Float32Array[]>;
  config: Record<string, unknown>;
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

function fixedList(rows: Float32Array[], size: number): Vector {
  const flat = new Float32Array(rows.length * size);
  rows.forEach((r, i) => flat.set(r, i * size));
  const child = makeData({ type: new Float32(), length: flat.length, data: flat });
  const type = new FixedSizeList(size, new Field('item', new Float32(), false));
  return makeVector(makeData({ type, length: rows.length, nullCount: 0, child }));
}

function withMetadata(columns: Record<string, Vector>, metadata: Record<string, string>): Table {
  const table = new Table(columns);
  const schema = new Schema(table.schema.fields, new Map(Object.entries(metadata)));
  return new Table(schema, table.batches.map((b) => b));
}

function writeArrow(path: string, table: Table): void {
  writeFileSync(path, tableToIPC(table, 'file'));
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

/** Writes the fixture run folder into `dir` and returns what it wrote. */
export function buildRunFixture(dir: string, opts: FixtureOptions = {}): Fixture {
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
  const config = {
    steps: metricRows, batch_size: 8, lr: 1e-3, clip: 1, bump_weight: 0.2, num_neurons: n, activation: 'gelu',
    hidden_gain_neurons: 3, init: 'random', action_dim: k, alpha: 0.15, snapshot_every: every, checkpoint_every: 10, seed: 1,
  };
  const meta = { 'ring_attractor.config': JSON.stringify(config) };

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
  const snapCols: Record<string, Vector> = {
    step: makeVector(Int32Array.from(steps)),
    loss_total: makeVector(Float32Array.from(steps, (s) => loss(s) * 1.2)),
    loss_angle: makeVector(Float32Array.from(steps, (s) => loss(s))),
    loss_bump: makeVector(Float32Array.from(steps, (s) => loss(s))),
  };
  for (const name of names) snapCols[name] = fixedList(matrices[name], n * n);
  writeArrow(join(dir, 'snapshots.arrow'), withMetadata(snapCols, meta));

  const mSteps = Array.from({ length: metricRows }, (_, i) => i + 1);
  writeArrow(
    join(dir, 'metrics.arrow'),
    new Table({
      step: makeVector(Int32Array.from(mSteps)),
      loss_total: makeVector(Float32Array.from(mSteps, (s) => loss(s) * 1.2)),
      loss_angle: makeVector(Float32Array.from(mSteps, (s) => loss(s))),
      loss_bump: makeVector(Float32Array.from(mSteps, (s) => loss(s))),
      grad_norm: makeVector(Float32Array.from(mSteps, () => 0.5 + rand())),
      ms: makeVector(Float64Array.from(mSteps, () => 10 + rand())),
    }),
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
  writeArrow(
    join(dir, 'eval_trace.arrow'),
    withMetadata(
      {
        t: makeVector(Int32Array.from({ length: T }, (_, t) => t)),
        av: makeVector(av),
        angle: makeVector(angle),
        decoded_pv: makeVector(Float32Array.from(angle, (x) => wrap(x + 0.05 * (rand() - 0.5)))),
        decoded_argmax: makeVector(Float32Array.from(angle, (x) => wrap(Math.round((x * n) / (2 * Math.PI)) * ((2 * Math.PI) / n)))),
        output: fixedList(output, n),
        bump: fixedList(bump, n),
      },
      meta,
    ),
  );

  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({
      config,
      dataset: { dir: 'artifacts/pipelines/datasets/tiny', sha256: { 'train.arrow': 'ab'.repeat(32), 'test.arrow': 'cd'.repeat(32) }, seq_len: 20 },
      backend: 'wasm', kernel: 'fused', threads: 2, steps: metricRows, train_seconds: 1.5, ms_per_step_median: 10.2,
    }, null, 2),
  );
  writeFileSync(
    join(dir, 'eval.json'),
    JSON.stringify({ test_count: 64, pv_deg: 3.21, argmax_deg: 4.56, angle_loss: 0.0123, sanity_loss: 0.31, step: metricRows }, null, 2),
  );
  writeFileSync(join(dir, 'model.safetensors'), Buffer.alloc(8));
  return { dir, n, names, steps, matrices, config };
}
