/**
 * The model-agnostic core against model-free integrators whose errors, drifts and speeds have
 * closed forms (test/helpers.ts: integratorAdapter).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { generateSequences } from '@ring-attractor/datagen';
import { angleFromSinCos } from '../src/adapter.js';
import { DEG } from '../src/circular.js';
import { resolveEvalConfig } from '../src/config.js';
import type { EvalDataset } from '../src/datasetEval.js';
import { evaluate } from '../src/evaluate.js';
import { speedBinIndex, speedBins } from '../src/errorTables.js';
import { EVAL_FILES, readEvaluation, rowsToIpc, writeEvaluation, type Evaluation } from '../src/files.js';
import { driftTables } from '../src/drift.js';
import { gainTables, gainVelocities } from '../src/gain.js';
import { runInChunks } from '../src/chunks.js';
import { integratorAdapter, removeTempDirs, tempDir } from './helpers.js';

after(removeTempDirs);

const MAX_AV = 0.1 * Math.PI;

function dataset(name: string, count: number, T: number, seed: number): EvalDataset {
  const split = generateSequences({ seq_len: T, zero_padding_start_ratio: 0.1, zero_ratios_in_rest: [0.2, 0.5, 0.8], max_av: MAX_AV }, count, seed);
  return { name, split, max_av: MAX_AV, test_sha256: `sha-of-${name}` };
}

const SMALL = resolveEvalConfig({ drift_starts: 5, drift_horizons: [10, 40], gain_velocities: 7, gain_settle: 5, gain_window: 30 });

async function run(adapter: ReturnType<typeof integratorAdapter>, datasets: EvalDataset[], over: Record<string, unknown> = {}): Promise<Evaluation> {
  const config = { ...resolveEvalConfig({ ...SMALL, ...over }), max_av: MAX_AV };
  return evaluate(adapter, { datasets, config, model: { kind: 'integrator' }, trainedOn: datasets[0]?.name ?? null, trainSeqLen: 40 });
}

/** Datasets store angles as float32: half an ulp near 2π is 2.4e-7 rad, 1.4e-5°. */
const F32_DEG = 2e-5;

const near = (a: number | null | undefined, b: number, tol: number, what: string): void => {
  assert.ok(a !== null && a !== undefined && Math.abs(a - b) <= tol, `${what}: got ${a}, want ${b}`);
};

describe('metrics of model-free integrators (closed forms)', () => {
  it('an exact integrator has zero error everywhere, zero drift, and gain 1 with R² = 1', async () => {
    const ev = await run(integratorAdapter(), [dataset('a', 30, 40, 1)]);
    for (const r of ev.datasets.a.byStep) near(r.p90_deg, 0, F32_DEG, `t=${r.t}`);
    near(ev.summary.datasets[0].decoders.pv?.mean_deg, 0, F32_DEG, 'mean');
    for (const r of ev.drift) near(r.drift_deg, 0, 1e-9, 'drift');
    for (const r of ev.gain) near(r.speed, r.velocity, 1e-12, `speed at ${r.velocity}`);
    const fit = ev.summary.gain.fit.pv;
    near(fit?.slope, 1, 1e-12, 'slope');
    near(fit?.intercept, 0, 1e-12, 'intercept');
    near(fit?.r2, 1, 1e-12, 'r2');
  });

  it('an integrator one input ahead errs by exactly |av[t]|: the speed bins and the "moving" bin hold mean |av|', async () => {
    const ds = dataset('ahead', 40, 40, 2);
    const ev = await run(integratorAdapter({ includeCurrent: true }), [ds]);
    const { av } = ds.split;
    const bins = speedBins(MAX_AV, SMALL.speed_bins);
    const sum = new Float64Array(bins.length);
    const count = new Float64Array(bins.length);
    for (const a of av) {
      const k = speedBinIndex(Math.abs(a), bins);
      sum[k] += Math.abs(a);
      count[k]++;
    }
    for (const r of ev.datasets.ahead.bySpeed) {
      assert.equal(r.count, count[r.bin], `count of bin ${r.label}`);
      if (count[r.bin] === 0) assert.equal(r.mean_deg, null);
      else near(r.mean_deg, (sum[r.bin] / count[r.bin]) * DEG, F32_DEG, `bin ${r.label}`);
    }
    const still = ev.datasets.ahead.byStill;
    const moving = still.find((r) => r.label === '0');
    const nonzero = [...av].filter((a) => a !== 0);
    near(moving?.mean_deg, (nonzero.reduce((s, a) => s + Math.abs(a), 0) / nonzero.length) * DEG, F32_DEG, 'moving');
    for (const r of still) if (r.label !== '0' && r.count > 0) near(r.mean_deg, 0, F32_DEG, `still ${r.label}`);
  });

  it('a constant bias c per step: error c·(t+1), drift c·steps, speed v + c (slope 1, intercept c)', async () => {
    const c = 0.002;
    const ev = await run(integratorAdapter({ bias: c }), [dataset('bias', 16, 40, 3)]);
    for (const r of ev.datasets.bias.byStep) {
      near(r.mean_deg, c * (r.t + 1) * DEG, F32_DEG, `mean t=${r.t}`);
      near(r.median_deg, c * (r.t + 1) * DEG, F32_DEG, `median t=${r.t}`);
    }
    near(ev.summary.datasets[0].decoders.pv?.final_mean_deg, c * 40 * DEG, F32_DEG, 'final');
    // The late window is the last 4 of 40 steps: mean of c·37 … c·40.
    near(ev.summary.datasets[0].decoders.pv?.last_mean_deg, c * 38.5 * DEG, F32_DEG, 'late window');
    for (const r of ev.drift) near(r.drift_deg, c * r.steps * DEG, 1e-9, `drift after ${r.steps}`);
    for (const r of ev.driftTrace) near(r.drift_deg, c * r.step * DEG, 1e-9, `trace step ${r.step}`);
    const h = ev.summary.drift.horizons;
    near(h[1].decoders.pv?.mean_deg, c * 40 * DEG, 1e-9, 'horizon mean');
    near(h[1].decoders.pv?.max_abs_deg, c * 40 * DEG, 1e-9, 'horizon max');
    const fit = ev.summary.gain.fit.pv;
    near(fit?.slope, 1, 1e-10, 'slope');
    near(fit?.intercept, c, 1e-12, 'intercept');
  });

  it('a gain g integrator: every speed is g·v, the fit slope is g, and gain is null at v = 0', async () => {
    const ev = await run(integratorAdapter({ gain: 0.8 }), [], { gain_velocities: 11, gain_extent: 2 });
    const { ratio, velocity } = gainVelocities(11, 2, MAX_AV);
    assert.deepEqual(ev.gain.map((r) => r.velocity_ratio), [...ratio]);
    assert.deepEqual(ev.gain.map((r) => r.velocity), [...velocity]);
    // ratio = 2·(k − 5)/5: |ratio| ≤ 1 for k = 3…7.
    assert.deepEqual(ev.gain.map((r) => r.trained), [false, false, false, true, true, true, true, true, false, false, false]);
    for (const r of ev.gain) {
      near(r.speed, 0.8 * r.velocity, 1e-12, `speed at ${r.velocity}`);
      if (r.velocity === 0) assert.equal(r.gain, null);
      else near(r.gain, 0.8, 1e-9, `gain at ${r.velocity}`);
    }
    near(ev.summary.gain.fit.pv?.slope, 0.8, 1e-12, 'slope');
    assert.equal(ev.summary.gain.fit.pv?.count, 5);
  });

  it('the swept grid is symmetric, holds 0 and ±max_av exactly', () => {
    const { ratio } = gainVelocities(31, 1.5, MAX_AV);
    assert.equal(ratio[15], 0);
    assert.equal(ratio[25], 1);
    assert.equal(ratio[5], -1);
    for (let k = 0; k < 31; k++) assert.equal(ratio[k] + ratio[30 - k], 0, `k=${k}`);
  });

  it('a model without a bump: no amplitude columns and no survival, not zeros', async () => {
    const ev = await run(integratorAdapter(), [dataset('a', 4, 40, 1)]);
    assert.ok(ev.drift.every((r) => r.amplitude_ratio === undefined && r.survived === undefined));
    assert.ok(ev.driftTrace.every((r) => r.amplitude === undefined));
    assert.ok(ev.gain.every((r) => r.amplitude_ratio === undefined));
    assert.ok(!('survived' in ev.summary.drift.horizons[0]));
    assert.deepEqual(ev.summary.model.decoders, ['pv']);
    assert.equal(ev.summary.model.has_bump, false);
    assert.ok(ev.datasets.a.byStep.every((r) => r.decoder === 'pv'));
  });

  it('chunking is fixed by chunk_size and T, and never changes a byte of the results', async () => {
    const datasets = [dataset('a', 23, 40, 4), dataset('b', 9, 40, 5)];
    const big = integratorAdapter({ bias: 0.001, includeCurrent: true });
    const small = integratorAdapter({ bias: 0.001, includeCurrent: true });
    const a = await run(big, datasets);
    const b = await run(small, datasets, { chunk_size: 7 * 40 });
    // 7 sequences of 40 steps per run: 23 = 7+7+7+2, then 9 = 7+2; drift runs are 40 steps, gain 35.
    assert.deepEqual(small.calls.slice(0, 6), [7, 7, 7, 2, 7, 2]);
    assert.deepEqual(big.calls.slice(0, 2), [23, 9]);
    for (const key of ['drift', 'driftTrace', 'gain'] as const) {
      const file = { drift: EVAL_FILES.drift, driftTrace: EVAL_FILES.driftTrace, gain: EVAL_FILES.gain }[key];
      assert.deepEqual(rowsToIpc(file, a[key]), rowsToIpc(file, b[key]), key);
    }
    assert.deepEqual(a.datasets, b.datasets);
    assert.deepEqual({ ...a.summary, config: null }, { ...b.summary, config: null });
  });

  it('written files read back to the same evaluation', async () => {
    const dir = tempDir('roundtrip');
    const ev = await run(integratorAdapter({ bias: 0.003 }), [dataset('x', 6, 40, 6), dataset('y', 3, 40, 7)]);
    const files = await writeEvaluation(dir, ev);
    assert.deepEqual(files.sort(), ['drift.arrow', 'drift_trace.arrow', 'eval.json', 'gain.arrow', 'x/error_by_speed.arrow', 'x/error_by_step.arrow', 'x/error_by_still_time.arrow', 'y/error_by_speed.arrow', 'y/error_by_step.arrow', 'y/error_by_still_time.arrow']);
    const back = readEvaluation(dir);
    // eval.json is JSON (NaN would read back as null); the Arrow tables keep every value, Infinity included.
    assert.deepEqual(back.summary, JSON.parse(JSON.stringify(ev.summary)));
    assert.deepEqual(back.datasets, ev.datasets);
    assert.deepEqual([back.drift, back.driftTrace, back.gain], [ev.drift, ev.driftTrace, ev.gain]);
  });

  it('a bump whose amplitude after step 1 is 0 has no amplitude ratio (0/0) and does not survive', () => {
    const S = 4;
    const starts = Float32Array.from([0, 1]);
    const decoded = new Map([['pv', Float64Array.from([0, 0, 0, 0, 1, 1, 1, 1])]]);
    // Start 0 is silent from the first step; start 1 halves its amplitude.
    const amplitude = Float64Array.from([0, 0, 0, 0, 2, 2, 1.5, 1]);
    const r = driftTables(['pv'], decoded, amplitude, starts, S, { drift_horizons: [2, 4], survival_ratio: 0.5 });
    assert.deepEqual(r.rows.map((x) => [x.start, x.steps, x.amplitude_ratio, x.survived]), [[0, 2, null, false], [0, 4, null, false], [1, 2, 1, true], [1, 4, 0.5, true]]);
    assert.deepEqual([r.horizons[1].amplitude_ratio_min, r.horizons[1].amplitude_ratio_mean, r.horizons[1].survived], [0.5, 0.5, 1]);
    const silent = driftTables(['pv'], new Map([['pv', new Float64Array(4)]]), new Float64Array(4), Float32Array.from([0]), 4, { drift_horizons: [4], survival_ratio: 0.5 });
    assert.deepEqual([silent.horizons[0].amplitude_ratio_min, silent.horizons[0].amplitude_ratio_mean, silent.horizons[0].survived], [null, null, 0]);
    const g = gainTables(['pv'], new Map([['pv', new Float64Array(2 * 5)]]), new Float64Array(2 * 5), Float64Array.from([-1, 1]), Float32Array.from([-0.1, 0.1]), { gain_settle: 2, gain_window: 3 });
    assert.deepEqual(g.rows.map((x) => [x.speed, x.gain, x.amplitude_ratio]), [[0, -0, null], [0, 0, null]]);
    // Every speed equal: slope 0 and no R² (0/0).
    assert.deepEqual(g.fit.pv, { slope: 0, intercept: 0, r2: null, count: 2 });
  });

  it('a failing or inconsistent model run is reported as a sentence naming the run', async () => {
    const inputs = { av: new Float32Array(6), angle0: new Float32Array(2), batch: 2, steps: 3 };
    const failing = { decoders: ['pv'] as const, hasBump: false, run: async (): Promise<never> => { throw new Error('memory access out of bounds'); } };
    await assert.rejects(runInChunks(failing, inputs, 3, () => undefined), /^Error: running the model on 1 sequences of 3 steps failed \(chunk_size 3 sets how many run at once\): memory access out of bounds$/);
    const short = { decoders: ['pv', 'argmax'] as const, hasBump: true, run: async () => ({ pv: new Float64Array(6), argmax: new Float64Array(5), amplitude: new Float64Array(6) }) };
    await assert.rejects(runInChunks(short, inputs, 100, () => undefined), /the model adapter returned 5 argmax angles for 6 sequence-steps/);
    const noAmp = { decoders: ['pv'] as const, hasBump: true, run: async () => ({ pv: new Float64Array(6) }) };
    await assert.rejects(runInChunks(noAmp, inputs, 100, () => undefined), /the model adapter returned no amplitudes for 6 sequence-steps/);
  });

  it('angleFromSinCos decodes a (sin, cos) output into [0, 2π)', () => {
    for (const a of [0, 0.5, Math.PI - 1e-9, Math.PI + 0.2, 6.2]) near(angleFromSinCos(2 * Math.sin(a), 2 * Math.cos(a)), a, 1e-12, `angle ${a}`);
  });
});
