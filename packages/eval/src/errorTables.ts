/**
 * A dataset's error tables from its per-step errors: the drift curve (error against time step),
 * error by |angular velocity| and by time since the last motion, and the summary numbers.
 * Pure functions of B×T arrays (row-major, b·T + t), so tests feed them hand-built errors.
 */
import type { Decoder } from './adapter.js';
import { DEG } from './circular.js';
import type { DecoderErrorSummary, ErrorBySpeedRow, ErrorByStepRow, ErrorByStillRow } from './files.js';
import { mean, summarize, type Summary } from './stats.js';

/** Circular errors (radians) of one decoder, B×T row-major. */
export type ErrorMatrix = Float64Array;

function deg(x: number | null): number | null {
  return x === null ? null : x * DEG;
}

/** Mean, median and p90 (degrees) at every time step, over the B sequences. */
export function errorByStep(decoder: Decoder, errors: ErrorMatrix, B: number, T: number): ErrorByStepRow[] {
  const column = new Float64Array(B);
  const rows: ErrorByStepRow[] = [];
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) column[b] = errors[b * T + t];
    const s = summarize(column);
    rows.push({ decoder, t, mean_deg: deg(s.mean) as number, median_deg: deg(s.median) as number, p90_deg: deg(s.p90) as number });
  }
  return rows;
}

/** A bin of the speed or stillness tables. */
export interface Bin {
  label: string;
  lo: number | null;
  hi: number | null;
}

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

/**
 * The |av| bins of a dataset: exactly 0, then `n` equal bins (lo, hi] over (0, maxAv], then
 * (maxAv, ∞) for anything faster (ring-datagen never makes one, so that bin is usually empty).
 */
export function speedBins(maxAv: number, n: number): Bin[] {
  const bins: Bin[] = [{ label: '0', lo: 0, hi: 0 }];
  for (let k = 0; k < n; k++) {
    const lo = (maxAv * k) / n;
    const hi = (maxAv * (k + 1)) / n;
    bins.push({ label: `(${fmt(lo)}, ${fmt(hi)}]`, lo, hi });
  }
  bins.push({ label: `> ${fmt(maxAv)}`, lo: maxAv, hi: Number.POSITIVE_INFINITY });
  return bins;
}

/** Index into {@link speedBins} of a speed s = |av| ≥ 0 (bins are (lo, hi]; their edges are exactly those listed). */
export function speedBinIndex(s: number, bins: readonly Bin[]): number {
  if (s === 0) return 0;
  const n = bins.length - 2;
  const maxAv = bins[n].hi as number;
  if (s > maxAv) return n + 1;
  let k = Math.min(n - 1, Math.max(0, Math.ceil((s * n) / maxAv) - 1));
  // The guess from s·n/maxAv can land one off next to an edge; the stored edges decide.
  while (k < n - 1 && s > (bins[k + 1].hi as number)) k++;
  while (k > 0 && s <= (bins[k].hi as number)) k--;
  return k + 1;
}

/** Label of the stillness bin of the steps before a sequence's first motion. */
export const BEFORE_FIRST_MOTION = 'before first motion';

/**
 * Bins of "steps since the last nonzero velocity" for sequences of T steps: 0 (moving now), 1,
 * 2–3, 4–7, … (powers of two, the same edges for every T, up to the bin holding T − 1), and
 * the steps before the first motion.
 */
export function stillBins(T: number): Bin[] {
  const bins: Bin[] = [{ label: '0', lo: 0, hi: 0 }];
  for (let lo = 1; lo <= T - 1; lo *= 2) {
    const hi = 2 * lo - 1;
    bins.push({ label: lo === hi ? `${lo}` : `${lo}–${hi}`, lo, hi });
  }
  bins.push({ label: BEFORE_FIRST_MOTION, lo: null, hi: null });
  return bins;
}

/** Index into {@link stillBins} of a count of steps since the last motion (−1: no motion yet). */
export function stillBinIndex(since: number, bins: readonly Bin[]): number {
  if (since < 0) return bins.length - 1;
  if (since === 0) return 0;
  // Bin j ≥ 1 holds [2^(j−1), 2^j − 1]: j − 1 is the index of the highest set bit.
  return 32 - Math.clz32(since);
}

/**
 * For every sequence-step, the steps since the last t' ≤ t with av[t'] ≠ 0 (0 when av[t] ≠ 0),
 * or −1 before the sequence's first nonzero velocity. B×T row-major.
 */
export function stepsSinceMotion(av: ArrayLike<number>, B: number, T: number): Int32Array {
  const out = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    let last = -1;
    for (let t = 0; t < T; t++) {
      if (av[b * T + t] !== 0) last = t;
      out[b * T + t] = last < 0 ? -1 : t - last;
    }
  }
  return out;
}

/** Groups errors by bin index (sequence-major order, so the grouping is fixed) and summarises each group. */
function binned(errors: ErrorMatrix, binOf: (i: number) => number, bins: number): Summary[] {
  const counts = new Int32Array(bins);
  for (let i = 0; i < errors.length; i++) counts[binOf(i)]++;
  const groups = Array.from(counts, (c) => new Float64Array(c));
  const fill = new Int32Array(bins);
  for (let i = 0; i < errors.length; i++) {
    const k = binOf(i);
    groups[k][fill[k]++] = errors[i];
  }
  return groups.map(summarize);
}

function statsDeg(s: Summary): { count: number; mean_deg: number | null; median_deg: number | null; p90_deg: number | null } {
  return { count: s.count, mean_deg: deg(s.mean), median_deg: deg(s.median), p90_deg: deg(s.p90) };
}

/** Error statistics by |av| bin (see {@link speedBins}); `av` and `errors` are B×T. */
export function errorBySpeed(decoder: Decoder, errors: ErrorMatrix, av: ArrayLike<number>, maxAv: number, n: number): ErrorBySpeedRow[] {
  const bins = speedBins(maxAv, n);
  const sums = binned(errors, (i) => speedBinIndex(Math.abs(av[i]), bins), bins.length);
  return bins.map((b, k) => ({ decoder, bin: k, label: b.label, speed_lo: b.lo as number, speed_hi: b.hi as number, ...statsDeg(sums[k]) }));
}

/** Error statistics by steps since the last motion (see {@link stillBins}); `since` from {@link stepsSinceMotion}. */
export function errorByStillTime(decoder: Decoder, errors: ErrorMatrix, since: Int32Array, T: number): ErrorByStillRow[] {
  const bins = stillBins(T);
  const sums = binned(errors, (i) => stillBinIndex(since[i], bins), bins.length);
  return bins.map((b, k) => ({ decoder, bin: k, label: b.label, steps_lo: b.lo, steps_hi: b.hi, ...statsDeg(sums[k]) }));
}

/** Steps in the late window: the last ceil(fraction·T), at least one. */
export function lastSteps(T: number, fraction: number): number {
  // The epsilon keeps 0.1·120 = 12.000000000000002 from becoming 13.
  return Math.min(T, Math.max(1, Math.ceil(fraction * T - 1e-9)));
}

/** Whole-dataset numbers of one decoder: all sequence-steps, the first `first` steps (the trained length), the late window, and the final step. */
export function errorSummary(errors: ErrorMatrix, B: number, T: number, late: number, first: number = T): DecoderErrorSummary {
  const all = summarize(errors);
  const head = new Float64Array(B * first);
  const tail = new Float64Array(B * late);
  const final = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < first; k++) head[b * first + k] = errors[b * T + k];
    for (let k = 0; k < late; k++) tail[b * late + k] = errors[b * T + T - late + k];
    final[b] = errors[b * T + T - 1];
  }
  return {
    mean_deg: deg(all.mean),
    median_deg: deg(all.median),
    p90_deg: deg(all.p90),
    first_mean_deg: deg(mean(head)),
    last_mean_deg: deg(mean(tail)),
    final_mean_deg: deg(mean(final)),
  };
}
