import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { circularDistance, DEG } from '../src/circular.js';
import {
  BEFORE_FIRST_MOTION,
  errorBySpeed,
  errorByStep,
  errorByStillTime,
  errorSummary,
  lastSteps,
  speedBinIndex,
  speedBins,
  stepsSinceMotion,
  stillBinIndex,
  stillBins,
} from '../src/errorTables.js';

const close = (a: number | null, b: number, tol = 1e-9, what = ''): void => {
  assert.ok(a !== null && Math.abs(a - b) <= tol, `${what}: got ${a}, want ${b}`);
};

/**
 * Two sequences of four steps, decoded angles written by hand around the true angles, so every
 * error is known: sequence 0 is off by 0, 10°, 20°, 30°; sequence 1 by 5°, −15° (wrapping below 0),
 * 25°, 180°.
 */
function handBuilt(): { errors: Float64Array; av: Float32Array; truthDeg: number[][] } {
  const truthDeg = [
    [0, 10, 20, 30],
    [5, 15, 25, 180],
  ];
  const angle = [0.5, 1.0, 1.5, 2.0, 0.1, 0.2, 6.0, 3.0];
  const offsets = [0, 10, 20, 30, 5, -15, 25, 180];
  const decoded = angle.map((a, i) => {
    const d = a + offsets[i] / DEG;
    return ((d % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
  });
  const errors = Float64Array.from(decoded, (d, i) => circularDistance(d, angle[i]));
  // Sequence 0 is still at first and moves at t = 2; sequence 1 moves at t = 0 and t = 3.
  const av = Float32Array.from([0, 0, 0.25, 0, 0.05, 0, 0, -0.15]);
  return { errors, av, truthDeg };
}

describe('error against time step', () => {
  it('mean, median and p90 of each step over the sequences, in degrees', () => {
    const { errors, truthDeg } = handBuilt();
    const rows = errorByStep('pv', errors, 2, 4);
    assert.deepEqual(rows.map((r) => r.t), [0, 1, 2, 3]);
    for (let t = 0; t < 4; t++) {
      const [a, b] = [truthDeg[0][t], truthDeg[1][t]];
      close(rows[t].mean_deg, (a + b) / 2, 1e-9, `mean t=${t}`);
      close(rows[t].median_deg, (a + b) / 2, 1e-9, `median t=${t}`);
      // Two values: p90 = lo + 0.9·(hi − lo).
      close(rows[t].p90_deg, Math.min(a, b) + 0.9 * Math.abs(a - b), 1e-9, `p90 t=${t}`);
      assert.equal(rows[t].decoder, 'pv');
    }
  });

  it('summary: all steps, the trained length, the late window and the final step', () => {
    const { errors, truthDeg } = handBuilt();
    const s = errorSummary(errors, 2, 4, 2, 3);
    close(s.first_mean_deg, (0 + 10 + 20 + 5 + 15 + 25) / 6, 1e-9, 'first 3 steps');
    close(errorSummary(errors, 2, 4, 2).first_mean_deg, s.mean_deg as number, 1e-12, 'first defaults to every step');
    const all = truthDeg.flat();
    close(s.mean_deg, all.reduce((x, y) => x + y) / 8, 1e-9, 'mean');
    close(s.median_deg, (15 + 20) / 2, 1e-9, 'median');
    close(s.last_mean_deg, (20 + 30 + 25 + 180) / 4, 1e-9, 'late');
    close(s.final_mean_deg, (30 + 180) / 2, 1e-9, 'final');
  });

  it('the late window is ceil(fraction·T) steps, at least one', () => {
    assert.equal(lastSteps(120, 0.1), 12);
    assert.equal(lastSteps(500, 0.1), 50);
    assert.equal(lastSteps(5, 0.1), 1);
    assert.equal(lastSteps(7, 1), 7);
    assert.equal(lastSteps(11, 0.1), 2);
  });
});

describe('error by speed', () => {
  it('bins: exactly 0, equal (lo, hi] bins up to max_av, and one for faster', () => {
    const bins = speedBins(0.4, 4);
    assert.equal(bins.length, 6);
    assert.deepEqual([bins[0].lo, bins[0].hi, bins[0].label], [0, 0, '0']);
    for (let k = 1; k <= 4; k++) {
      close(bins[k].lo, 0.1 * (k - 1), 1e-15, `lo ${k}`);
      close(bins[k].hi, 0.1 * k, 1e-15, `hi ${k}`);
      if (k > 1) assert.equal(bins[k].lo, bins[k - 1].hi, 'contiguous');
    }
    assert.deepEqual([bins[4].hi, bins[5].lo, bins[5].hi], [0.4, 0.4, Infinity]);
    assert.deepEqual(bins.map((b) => b.label), ['0', '(0, 0.1]', '(0.1, 0.2]', '(0.2, 0.3]', '(0.3, 0.4]', '> 0.4']);
  });

  it('an edge belongs to the bin below it; exactly zero has its own bin; above max_av goes last', () => {
    const bins = speedBins(0.4, 4);
    assert.equal(speedBinIndex(0, bins), 0);
    assert.equal(speedBinIndex(Number.MIN_VALUE, bins), 1);
    assert.equal(speedBinIndex(0.1, bins), 1);
    assert.equal(speedBinIndex(0.1000001, bins), 2);
    assert.equal(speedBinIndex(bins[3].hi as number, bins), 3);
    assert.equal(speedBinIndex(0.4, bins), 4);
    assert.equal(speedBinIndex(0.41, bins), 5);
    // Every edge of a less tidy max_av lands exactly where the listed edges say.
    const odd = speedBins(Math.PI / 10, 7);
    for (let k = 1; k <= 7; k++) {
      const hi = odd[k].hi as number;
      assert.equal(speedBinIndex(hi, odd), k, `edge ${k}`);
      assert.equal(speedBinIndex(hi * (1 + 1e-12), odd), k + 1, `just above edge ${k}`);
    }
  });

  it('statistics of each bin from the hand-built errors; an empty bin has count 0 and null statistics', () => {
    const { errors, av } = handBuilt();
    const rows = errorBySpeed('argmax', errors, av, 0.4, 4);
    // |av| = 0 at errors 0, 10, 30, 15, 25 (degrees); 0.05 → 5; 0.15 → 180; 0.25 → 20.
    assert.deepEqual(rows.map((r) => r.count), [5, 1, 1, 1, 0, 0]);
    close(rows[0].mean_deg, (0 + 10 + 30 + 15 + 25) / 5, 1e-9, 'zero bin mean');
    close(rows[0].median_deg, 15, 1e-9, 'zero bin median');
    close(rows[0].p90_deg, 25 + 0.6 * 5, 1e-9, 'zero bin p90');
    close(rows[1].mean_deg, 5, 1e-9, '(0, 0.1]');
    close(rows[2].mean_deg, 180, 1e-9, '(0.1, 0.2]');
    close(rows[3].mean_deg, 20, 1e-9, '(0.2, 0.3]');
    assert.deepEqual([rows[4].mean_deg, rows[4].median_deg, rows[4].p90_deg], [null, null, null]);
    assert.ok(rows.every((r) => r.decoder === 'argmax'));
  });
});

describe('error by time since the last motion', () => {
  it('steps since motion: 0 while moving, counting up after, −1 before the first motion', () => {
    const since = stepsSinceMotion(Float32Array.from([0, 0, 0.3, 0, 0, 0.05, 0, 0, -0.2]), 1, 9);
    assert.deepEqual([...since], [-1, -1, 0, 1, 2, 0, 1, 2, 0]);
    // A sequence that moves at t = 0 has no "before" steps; one that never moves has only those.
    assert.deepEqual([...stepsSinceMotion(Float32Array.from([0.1, 0, 0, 0]), 1, 4)], [0, 1, 2, 3]);
    assert.deepEqual([...stepsSinceMotion(new Float32Array(3), 1, 3)], [-1, -1, -1]);
  });

  it('bins are powers of two up to the bin holding T − 1, the same edges for every T', () => {
    assert.deepEqual(stillBins(9).map((b) => b.label), ['0', '1', '2–3', '4–7', '8–15', BEFORE_FIRST_MOTION]);
    assert.deepEqual(stillBins(8).map((b) => b.label), ['0', '1', '2–3', '4–7', BEFORE_FIRST_MOTION]);
    assert.deepEqual(stillBins(1).map((b) => b.label), ['0', BEFORE_FIRST_MOTION]);
    const bins = stillBins(1000);
    for (const [since, bin] of [[-1, bins.length - 1], [0, 0], [1, 1], [2, 2], [3, 2], [4, 3], [7, 3], [8, 4], [511, 9], [512, 10], [999, 10]]) {
      assert.equal(stillBinIndex(since, bins), bin, `since ${since}`);
      if (since > 0) assert.ok((bins[bin].lo as number) <= since && since <= (bins[bin].hi as number));
    }
  });

  it('statistics of each bin from the hand-built errors', () => {
    const { errors, av } = handBuilt();
    const rows = errorByStillTime('pv', errors, stepsSinceMotion(av, 2, 4), 4);
    // since: seq 0 [−1, −1, 0, 1] → errors 0, 10 | 20 | 30; seq 1 [0, 1, 2, 0] → 5, 180 | 15 | 25.
    assert.deepEqual(rows.map((r) => r.label), ['0', '1', '2–3', BEFORE_FIRST_MOTION]);
    assert.deepEqual(rows.map((r) => r.count), [3, 2, 1, 2]);
    close(rows[0].mean_deg, (20 + 5 + 180) / 3, 1e-9, 'moving');
    close(rows[1].mean_deg, (30 + 15) / 2, 1e-9, '1 step');
    close(rows[2].mean_deg, 25, 1e-9, '2–3 steps');
    close(rows[3].mean_deg, 5, 1e-9, 'before first motion');
    assert.deepEqual([rows[3].steps_lo, rows[3].steps_hi], [null, null]);
    assert.deepEqual([rows[2].steps_lo, rows[2].steps_hi], [2, 3]);
  });
});
