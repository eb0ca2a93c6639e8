import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { circularDistance, unwrapFrom, wrapToPi } from '../src/circular.js';
import { fitLine, mean, quantileSorted, slopeOverIndex, summarize } from '../src/stats.js';

describe('statistics', () => {
  it('quantiles interpolate between order statistics as numpy does (type 7)', () => {
    const x = Float64Array.from([3, 1, 4, 1, 5, 9, 2, 6]).sort();
    // numpy.quantile([3,1,4,1,5,9,2,6], [0, .5, .9, 1]) = [1, 3.5, 6.9, 9]
    assert.equal(quantileSorted(x, 0), 1);
    assert.equal(quantileSorted(x, 0.5), 3.5);
    assert.ok(Math.abs((quantileSorted(x, 0.9) as number) - 6.9) < 1e-12);
    assert.equal(quantileSorted(x, 1), 9);
    assert.equal(quantileSorted(Float64Array.from([7]), 0.9), 7);
  });

  it('an empty sample has no mean and no quantiles (0/0 is null, not NaN or 0)', () => {
    assert.equal(mean([]), null);
    assert.deepEqual(summarize(new Float64Array(0)), { count: 0, mean: null, median: null, p90: null });
  });

  it('a NaN in the sample makes every statistic NaN rather than a wrong number', () => {
    const s = summarize(Float64Array.from([1, Number.NaN, 2]));
    assert.ok(Number.isNaN(s.mean as number) && Number.isNaN(s.median as number) && Number.isNaN(s.p90 as number));
  });

  it('summarize leaves its input unsorted', () => {
    const x = Float64Array.from([3, 1, 2]);
    assert.deepEqual(summarize(x), { count: 3, mean: 2, median: 2, p90: 2.8 });
    assert.deepEqual([...x], [3, 1, 2]);
  });

  it('fits an exact line exactly, with R² = 1', () => {
    const x = [-2, -1, 0, 1, 2, 3];
    const f = fitLine(x, x.map((v) => 0.75 * v - 0.25));
    assert.ok(Math.abs((f.slope as number) - 0.75) < 1e-15 && Math.abs((f.intercept as number) + 0.25) < 1e-15);
    assert.equal(f.r2, 1);
  });

  it('R² of a noisy line matches the closed form 1 − SSE/SST', () => {
    const x = [0, 1, 2, 3];
    const y = [0, 1, 1, 3];
    // By hand: mean x 1.5, mean y 1.25;
    // dx = [−1.5, −.5, .5, 1.5], dy = [−1.25, −.25, −.25, 1.75]: Sxy = 1.875 + .125 − .125 + 2.625 = 4.5, Sxx = 5 → 0.9
    // intercept 1.25 − 0.9·1.5 = −0.1; residuals [.1, .2, −.7, .4]: SSE 0.7; SST = 1.5625 + .0625 + .0625 + 3.0625 = 4.75
    const f = fitLine(x, y);
    assert.ok(Math.abs((f.slope as number) - 0.9) < 1e-15);
    assert.ok(Math.abs((f.intercept as number) + 0.1) < 1e-15);
    assert.ok(Math.abs((f.r2 as number) - (1 - 0.7 / 4.75)) < 1e-14);
  });

  it('a flat y has slope 0 and no R² (0/0); a single x has no slope', () => {
    assert.deepEqual(fitLine([1, 2, 3], [5, 5, 5]), { slope: 0, intercept: 5, r2: null, count: 3 });
    assert.deepEqual(fitLine([2, 2], [1, 3]), { slope: null, intercept: null, r2: null, count: 2 });
    assert.deepEqual(fitLine([], []), { slope: null, intercept: null, r2: null, count: 0 });
    assert.equal(slopeOverIndex([4, 6, 8, 10]), 2);
  });
});

describe('angles on the circle', () => {
  it('circular distance is the shorter arc', () => {
    assert.ok(Math.abs(circularDistance(0.1, 2 * Math.PI - 0.1) - 0.2) < 1e-15);
    assert.ok(Math.abs(circularDistance(1, 1 + Math.PI) - Math.PI) < 1e-15);
    assert.equal(circularDistance(2, 2), 0);
    assert.ok(Math.abs(circularDistance(-0.5, 0.5 + 4 * Math.PI) - 1) < 1e-12);
  });

  it('wrapToPi maps into (−π, π]', () => {
    assert.equal(wrapToPi(Math.PI), Math.PI);
    assert.equal(wrapToPi(-Math.PI), Math.PI);
    assert.ok(Math.abs(wrapToPi(3 * Math.PI / 2) + Math.PI / 2) < 1e-15);
  });

  it('unwrapping recovers a path that winds several times round the ring', () => {
    const truth = Float64Array.from({ length: 200 }, (_, t) => 0.3 - 0.11 * t);
    const wrapped = truth.map((a) => ((a % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI));
    const u = unwrapFrom(wrapped, 0, 200, 0.3);
    for (let t = 0; t < 200; t++) assert.ok(Math.abs(u[t] - (truth[t] - 0.3)) < 1e-12, `t=${t}`);
    // From an offset: the path starts at the wrapped difference to the reference.
    const v = unwrapFrom(wrapped, 50, 10, wrapped[50] + 0.5);
    assert.ok(Math.abs(v[0] + 0.5) < 1e-12 && Math.abs(v[9] - v[0] + 0.99) < 1e-12);
  });
});
