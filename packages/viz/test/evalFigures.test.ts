/**
 * The eval-stage figures on a small fixture evaluation (a synthetic leaky integrator run through
 * @ring-attractor/eval's own metrics): every spec renders to a PNG, and the marks that carry a
 * fact (training length, trained range, fits, survival threshold) are where the numbers say.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { generateSequences } from '@ring-attractor/datagen';
import { evaluate, resolveEvalConfig, type AdapterRun, type Evaluation, type ModelAdapter } from '@ring-attractor/eval';
import { compareDriftCurvesSpec, compareGainSpec, driftSpec, errorBinsSpec, errorByStepSpec, gainSpec } from '../src/figures/eval/index.js';
import { specToPng, type VlSpec } from '../src/render.js';
import { tempDir } from './helpers.js';

const TWO_PI = 2 * Math.PI;
const MAX_AV = 0.1 * Math.PI;

/**
 * A made-up network that integrates with gain `gain`, picks up a random walk of step `noise` rad,
 * decodes argmax on a 36-neuron grid, and has a bump whose amplitude relaxes towards `settle`.
 */
function leakyIntegrator(gain: number, noise: number, settle: number, bump = true): ModelAdapter {
  return {
    decoders: bump ? ['pv', 'argmax'] : ['pv'],
    hasBump: bump,
    async run(av, angle0, B, T): Promise<AdapterRun> {
      const pv = new Float64Array(B * T);
      const argmax = new Float64Array(B * T);
      const amplitude = new Float64Array(B * T);
      for (let b = 0; b < B; b++) {
        let seed = 7 + 31 * b + Math.round(angle0[b] * 1000);
        let a = angle0[b];
        for (let t = 0; t < T; t++) {
          seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
          a += gain * av[b * T + t] + noise * (seed / 2 ** 32 - 0.45);
          const w = ((a % TWO_PI) + TWO_PI) % TWO_PI;
          pv[b * T + t] = w;
          argmax[b * T + t] = (Math.round((w * 36) / TWO_PI) % 36) * (TWO_PI / 36);
          amplitude[b * T + t] = settle + (1 - settle) * Math.exp(-t / 150);
        }
      }
      return bump ? { pv, argmax, amplitude } : { pv };
    },
  };
}

async function fixture(adapter: ModelAdapter): Promise<Evaluation> {
  const params = { zero_padding_start_ratio: 0.1, zero_ratios_in_rest: [0.2, 0.5, 0.8], max_av: MAX_AV };
  const datasets = [
    { name: 'seed', split: generateSequences({ ...params, seq_len: 60 }, 64, 1), max_av: MAX_AV, test_sha256: 'a' },
    { name: 'long-200', split: generateSequences({ ...params, seq_len: 200, zero_padding_start_ratio: 0.01 }, 32, 2), max_av: MAX_AV, test_sha256: 'b' },
  ];
  const config = { ...resolveEvalConfig({ drift_starts: 12, drift_horizons: [50, 200], gain_velocities: 15, gain_settle: 20, gain_window: 60 }), max_av: MAX_AV };
  return evaluate(adapter, { datasets, config, model: { kind: 'fixture' }, trainedOn: 'seed', trainSeqLen: 60 });
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function render(dir: string, name: string, spec: VlSpec): Promise<{ width: number; height: number }> {
  const png = await specToPng(spec);
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE, name);
  writeFileSync(join(dir, `${name}.png`), png);
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Every layer of a spec (nested concatenations and layers flattened). */
function layers(spec: VlSpec): VlSpec[] {
  const out: VlSpec[] = [spec];
  for (const key of ['layer', 'hconcat', 'vconcat'] as const) for (const s of (spec[key] as VlSpec[] | undefined) ?? []) out.push(...layers(s));
  return out;
}

function markType(s: VlSpec): string | undefined {
  const m = s.mark as string | { type: string } | undefined;
  return typeof m === 'string' ? m : m?.type;
}

describe('eval figures', () => {
  let dir: string;
  let ev: Evaluation;
  let noBump: Evaluation;
  let slow: Evaluation;

  before(async () => {
    dir = tempDir('eval-figures');
    ev = await fixture(leakyIntegrator(0.95, 0.004, 0.8));
    noBump = await fixture(leakyIntegrator(1, 0.002, 1, false));
    slow = await fixture(leakyIntegrator(0.7, 0.01, 0.3));
  });

  it('error against time step: a band and a mean line per decoder, the training length marked', async () => {
    const spec = errorByStepSpec(ev.datasets['long-200'].byStep, { dataset: 'long-200', trainSeqLen: 60, kind: 'ring' });
    const rule = layers(spec).find((l) => markType(l) === 'rule');
    assert.deepEqual((rule?.data as { values: { t: number }[] }).values.map((v) => v.t), [60]);
    assert.ok(layers(spec).some((l) => markType(l) === 'area'));
    const size = await render(dir, 'error_by_step', spec);
    assert.ok(size.width > 600 && size.height > 250, JSON.stringify(size));
    // No rule inside the trained range itself (the training dataset) or when the length is unknown.
    assert.ok(!layers(errorByStepSpec(ev.datasets.seed.byStep, { dataset: 'seed', trainSeqLen: 60, kind: 'ring' })).some((l) => markType(l) === 'rule'));
    assert.ok(!layers(errorByStepSpec(ev.datasets.seed.byStep, { dataset: 'seed', trainSeqLen: null, kind: 'ring' })).some((l) => markType(l) === 'rule'));
  });

  it('error by speed and by time since motion: bars and p90 ticks; the empty bin above max_av is left out', async () => {
    const t = ev.datasets['long-200'];
    const spec = errorBinsSpec(t.bySpeed, t.byStill, { dataset: 'long-200', kind: 'ring' });
    const [speed, still] = spec.hconcat as VlSpec[];
    const speedRows = (speed.data as { values: { label: string; count: number }[] }).values;
    assert.ok(speedRows.every((r) => !r.label.startsWith('>')), 'overflow bin shown');
    assert.equal(speedRows.length, 2 * (1 + 8));
    const stillRows = (still.data as { values: { count: number }[] }).values;
    assert.ok(stillRows.every((r) => r.count > 0));
    await render(dir, 'error_bins', spec);
  });

  it('stationary drift: one line per start, amplitude panel with the survival threshold; no amplitude panel without a bump', async () => {
    const spec = driftSpec(slow.driftTrace, { kind: 'ring', survivalRatio: 0.5 });
    const panels = spec.hconcat as VlSpec[];
    assert.equal(panels.length, 2);
    const values = (panels[0].data as { values: { start: number; step: number }[] }).values;
    assert.equal(new Set(values.map((v) => v.start)).size, 12);
    assert.ok(values.some((v) => v.step === 200) && values.some((v) => v.step === 1));
    const rule = layers(panels[1]).find((l) => markType(l) === 'rule');
    assert.deepEqual((rule?.data as { values: { y: number }[] }).values.map((v) => v.y), [0.5]);
    await render(dir, 'drift', spec);
    const single = driftSpec(noBump.driftTrace, { kind: 'gru' });
    assert.equal((single.hconcat as VlSpec[]).length, 1);
    await render(dir, 'drift_no_bump', single);
  });

  it('velocity gain: identity line, shaded trained range, and fit lines at ±max_av from eval.json', async () => {
    const fit = ev.summary.gain.fit;
    const spec = gainSpec(ev.gain, { maxAv: MAX_AV, fit, kind: 'ring' });
    const all = layers(spec);
    const rect = all.find((l) => markType(l) === 'rect');
    assert.deepEqual((rect?.data as { values: unknown[] }).values, [{ lo: -MAX_AV, hi: MAX_AV }]);
    const fitLayer = all.find((l) => (l.mark as { strokeDash?: number[] })?.strokeDash?.[0] === 7);
    const pts = (fitLayer?.data as { values: { decoder: string; velocity: number; speed: number }[] }).values;
    const pv = pts.filter((p) => p.decoder === 'pv');
    assert.deepEqual(pv.map((p) => p.velocity), [-MAX_AV, MAX_AV]);
    assert.ok(Math.abs(pv[1].speed - ((fit.pv?.slope as number) * MAX_AV + (fit.pv?.intercept as number))) < 1e-12);
    await render(dir, 'gain', spec);
  });

  it('comparisons: one colour per experiment for drift curves and gains', async () => {
    const runs = [
      { name: 'good', kind: 'ring' as const, ev },
      { name: 'no-bump', kind: 'gru' as const, ev: noBump },
      { name: 'slow', kind: 'ring' as const, ev: slow },
    ];
    const curves = compareDriftCurvesSpec(runs.map((r) => ({ name: r.name, kind: r.kind, byStep: r.ev.datasets['long-200'].byStep, trainSeqLen: r.ev.summary.train_seq_len })), { dataset: 'long-200' });
    const line = layers(curves).find((l) => markType(l) === 'line') as VlSpec;
    const colour = (line.encoding as { color: { scale: { domain: string[]; range: string[] } } }).color.scale;
    assert.deepEqual(colour.domain, ['good', 'no-bump', 'slow']);
    assert.equal(new Set(colour.range).size, 3);
    await render(dir, 'compare_drift_curves', curves);
    const gains = compareGainSpec(runs.map((r) => ({ name: r.name, kind: r.kind, gain: r.ev.gain, maxAv: MAX_AV })));
    const values = (layers(gains).find((l) => (l.mark as { point?: unknown })?.point) as VlSpec).data as { values: { experiment: string }[] };
    assert.equal(values.values.length, 3 * 15);
    await render(dir, 'compare_gain', gains);
  });
});
