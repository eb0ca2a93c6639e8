/**
 * Float64 statistics with fixed summation order and defined empty cases: an empty sample has no
 * mean or quantile (null), a sample holding NaN gives NaN, and a fit with no spread in y has no R².
 */

/** Mean of `values` summed in index order; null when empty. */
export function mean(values: ArrayLike<number>): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/**
 * The q-quantile of sorted values by linear interpolation between order statistics (numpy's
 * default, Hyndman–Fan type 7); null when empty, NaN when any value is NaN (sorted last).
 */
export function quantileSorted(sorted: Float64Array, q: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  if (Number.isNaN(sorted[n - 1])) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Mean, median and 90th percentile of one sample. */
export interface Summary {
  count: number;
  mean: number | null;
  median: number | null;
  p90: number | null;
}

/** Mean, median and p90 of `values` (copied and sorted; the input is not changed). */
export function summarize(values: Float64Array): Summary {
  const sorted = Float64Array.from(values).sort();
  return { count: values.length, mean: mean(values), median: quantileSorted(sorted, 0.5), p90: quantileSorted(sorted, 0.9) };
}

/** An ordinary least-squares line y ≈ slope·x + intercept and its R² (null without spread in y). */
export interface LineFit {
  slope: number | null;
  intercept: number | null;
  r2: number | null;
  count: number;
}

/** Least-squares fit of y on x (centred sums, index order); slope null with fewer than two distinct x. */
export function fitLine(x: ArrayLike<number>, y: ArrayLike<number>): LineFit {
  const n = x.length;
  if (y.length !== n) throw new Error(`fitLine: ${n} x values but ${y.length} y values`);
  const mx = mean(x);
  const my = mean(y);
  if (mx === null || my === null) return { slope: null, intercept: null, r2: null, count: 0 };
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (!(sxx > 0)) return { slope: null, intercept: null, r2: null, count: n };
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const r = y[i] - (slope * x[i] + intercept);
    sse += r * r;
  }
  // No spread in y: every line through the mean fits exactly, and "variance explained" is 0/0.
  const r2 = syy > 0 ? 1 - sse / syy : Number.isNaN(syy) ? Number.NaN : null;
  return { slope, intercept, r2, count: n };
}

/** Slope of y against its index 0…n−1 (least squares); null for fewer than two points. */
export function slopeOverIndex(y: ArrayLike<number>): number | null {
  const x = Float64Array.from({ length: y.length }, (_, i) => i);
  return fitLine(x, y).slope;
}
