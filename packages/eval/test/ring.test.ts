/**
 * The ring adapter on real models through the fused kernel: its readout against the model's own
 * decoders, and the drift and gain probes on the debug_perfect ring against an independent float64
 * simulation and the closed-form rotation speed (test/helpers.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  LeakyRingAttractor,
  configureKernels,
  decodeArgmax,
  decodePopulationVector,
  disposeKernels,
  initialBump,
  selectBackend,
} from '@ring-attractor/model';
import { circularDistance, DEG } from '../src/circular.js';
import { resolveEvalConfig } from '../src/config.js';
import { driftStarts, stationaryDrift } from '../src/drift.js';
import { gainVelocities, velocityGain } from '../src/gain.js';
import { ringAdapter } from '../src/ringAdapter.js';
import { fitLine } from '../src/stats.js';
import { perfectRingSpeed, simulatePerfectRing } from './helpers.js';

before(async () => {
  await selectBackend('wasm', () => undefined);
  configureKernels({ threads: 2 });
});
after(() => disposeKernels());

/** A deterministic pseudo-random av in (−0.3, 0.3) with some exact zeros. */
function testAv(B: number, T: number): Float32Array {
  let s = 12345;
  return Float32Array.from({ length: B * T }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const u = s / 2 ** 32;
    return u < 0.3 ? 0 : (u - 0.65) * 0.85;
  });
}

describe('ring adapter readout', () => {
  it("matches the model's cosine-output decoders and Σ|r| of its bump, and leaks no tensors", async () => {
    const N = 24;
    const B = 6;
    const T = 30;
    const model = new LeakyRingAttractor({ num_neurons: N, activation: 'gelu', init: 'random', seed: 3, kernel: 'wasm' });
    try {
      const av = testAv(B, T);
      const angle0 = Float32Array.from({ length: B }, (_, b) => 0.9 * b + 0.2);
      const adapter = ringAdapter(model);
      const before = tf.memory().numTensors;
      const run = await adapter.run(av, angle0, B, T);
      assert.equal(tf.memory().numTensors, before, 'tensors leaked by run()');
      const [pv, am, amp, out] = tf.tidy(() => {
        const { output, bump } = model.forward(tf.tensor2d(av, [B, T]), initialBump(angle0, N));
        return [decodePopulationVector(output), decodeArgmax(output), tf.sum(tf.abs(bump), 2), output].map((t) => t.dataSync());
      });
      let argmaxChecked = 0;
      for (let i = 0; i < B * T; i++) {
        assert.ok(circularDistance(run.pv[i], pv[i]) < 2e-5, `pv ${i}: ${run.pv[i]} vs ${pv[i]}`);
        assert.ok(Math.abs((run.amplitude as Float64Array)[i] - amp[i]) <= 1e-5 * amp[i], `amplitude ${i}`);
        // The float32 output can tie (or flip) two neighbours where the bump sits half-way between them.
        const row = out.subarray(i * N, (i + 1) * N);
        const sorted = Float32Array.from(row).sort();
        if (sorted[N - 1] - sorted[N - 2] > 1e-5) {
          const index = (a: number): number => Math.round((a * N) / (2 * Math.PI));
          assert.equal(index((run.argmax as Float64Array)[i]), index(am[i]), `argmax ${i}`);
          argmaxChecked++;
        }
      }
      assert.ok(argmaxChecked > 0.9 * B * T, `argmax compared on ${argmaxChecked} of ${B * T} steps`);
    } finally {
      model.dispose();
    }
  });
});

describe('stationary drift of the debug_perfect ring (tanh, N = 120)', () => {
  const config = resolveEvalConfig({ drift_starts: 7, drift_horizons: [100, 500, 1000] });

  it('stays put within 0.001° for 1000 steps from starts on and off the neuron grid, as the float64 simulation does', async () => {
    const model = new LeakyRingAttractor({ num_neurons: 120, activation: 'tanh', init: 'debug_perfect', kernel: 'wasm' });
    try {
      const r = await stationaryDrift(ringAdapter(model), config);
      const starts = driftStarts(7);
      for (const [k, a] of starts.entries()) {
        // By symmetry the exact dynamics cannot turn a bump without input; the simulation shows < 1e-6°.
        const sim = simulatePerfectRing(120, Math.tanh, a, 0, 1000);
        for (const h of config.drift_horizons) {
          const row = r.rows.find((x) => x.decoder === 'pv' && x.start === k && x.steps === h);
          assert.ok(row && Math.abs(row.drift_deg) < 1e-3, `start ${k} after ${h}: drift ${row?.drift_deg}°`);
          assert.ok(Math.abs(row.drift_deg - (sim.angle[h - 1] - a) * DEG) < 1e-3);
          const want = sim.amplitude[h - 1] / sim.amplitude[0];
          assert.ok(Math.abs((row.amplitude_ratio as number) - want) < 1e-4 * want, `ratio ${row.amplitude_ratio} vs ${want}`);
          assert.equal(row.survived, true);
        }
      }
      const last = r.horizons[2];
      assert.equal(last.survived, 7);
      assert.ok((last.decoders.pv?.max_abs_deg as number) < 1e-3);
      // argmax reads the nearest neuron: its "drift" is the start's distance to the grid, at most half a neuron (1.5°).
      assert.ok((last.decoders.argmax?.max_abs_deg as number) <= 1.5 + 1e-9);
      assert.equal(r.trace.length, 2 * 7 * 1000);
    } finally {
      model.dispose();
    }
  });

  it('a silent ring (relu debug_perfect: inhibition wins) does not survive', async () => {
    const model = new LeakyRingAttractor({ num_neurons: 120, activation: 'relu', init: 'debug_perfect', kernel: 'wasm' });
    try {
      const r = await stationaryDrift(ringAdapter(model), resolveEvalConfig({ drift_starts: 3, drift_horizons: [100] }));
      const sim = simulatePerfectRing(120, (x) => Math.max(0, x), 0, 0, 100);
      assert.ok(sim.amplitude[99] / sim.amplitude[0] < 1e-6, 'the simulation dies too');
      for (const row of r.rows) {
        assert.equal(row.survived, false);
        assert.ok((row.amplitude_ratio as number) < 1e-6);
      }
      assert.equal(r.horizons[0].survived, 0);
    } finally {
      model.dispose();
    }
  });
});

describe('velocity gain of the debug_perfect ring (tanh, N = 120)', () => {
  it('decoded speeds follow the closed-form rotation speed, so the fitted slope is what the perfect weights imply', async () => {
    const model = new LeakyRingAttractor({ num_neurons: 120, activation: 'tanh', init: 'debug_perfect', kernel: 'wasm' });
    try {
      const maxAv = 0.2;
      const config = { ...resolveEvalConfig({ gain_velocities: 13, gain_extent: 1.5, gain_settle: 100, gain_window: 200 }), max_av: maxAv };
      const { rows, fit } = await velocityGain(ringAdapter(model), config);
      const { velocity, ratio } = gainVelocities(13, 1.5, maxAv);
      const want = Float64Array.from(velocity, (v) => perfectRingSpeed(v));
      for (const r of rows) {
        const k = [...velocity].indexOf(r.velocity);
        // PV: float32 dynamics against the exact steady speed. Argmax: the angle moves in 3° steps, which
        // shifts an OLS slope over W = 200 steps by at most 3·(π/N)/W ≈ 4e-4 rad/step.
        const tol = r.decoder === 'pv' ? 2e-5 : 5e-4;
        assert.ok(Math.abs(r.speed - want[k]) < tol, `${r.decoder} at v=${r.velocity}: ${r.speed} vs ${want[k]}`);
        assert.ok((r.amplitude_ratio as number) > 1, 'the bump holds while turning');
      }
      // The fit over |v| ≤ max_av of the closed-form speeds (about 0.49 here: the turn δ saturates),
      // near α/(√2·J1) ≈ 1.06 only for small v.
      const trained = [...ratio.keys()].filter((k) => Math.abs(ratio[k]) <= 1);
      const expected = fitLine(trained.map((k) => velocity[k]), trained.map((k) => want[k]));
      assert.ok(Math.abs((fit.pv?.slope as number) - (expected.slope as number)) < 2e-4, `slope ${fit.pv?.slope} vs ${expected.slope}`);
      assert.ok(Math.abs((fit.pv?.intercept as number) - 0) < 1e-6, 'odd symmetric sweep: no intercept');
      assert.ok(Math.abs((fit.pv?.r2 as number) - (expected.r2 as number)) < 1e-4);
      const small = perfectRingSpeed(1e-6) / 1e-6;
      assert.ok(Math.abs(small - 0.15 / (Math.SQRT2 * 0.1)) < 1e-4, `small-v gain ${small}`);
    } finally {
      model.dispose();
    }
  });
});
