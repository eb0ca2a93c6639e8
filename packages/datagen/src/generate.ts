/**
 * docs/model.md §1 sequences: leading zeros, a random subset of the rest carrying uniform angular velocity,
 * and the integrated angle. Every draw comes from one xoroshiro128+ stream per split.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { seededStream } from './rng.js';
import { resolveDatagenConfig, type SequenceParams } from './config.js';

const TWO_PI = 2 * Math.PI;
const TWO_POW_M32 = 2 ** -32;

/** `count` sequences of `seqLen` steps, row-major (`av[i*seqLen + t]`). */
export interface Sequences {
  av: Float32Array;
  angle: Float32Array;
  count: number;
  seqLen: number;
}

/** The stream of a split: train is the seed's stream jumped once, test jumped twice (2^64 draws further). */
export function splitStream(seed: number, split: 'train' | 'test'): JumpableRandomGenerator {
  // Separate streams keep the train rows independent of test_samples (and vice versa).
  return seededStream(seed, split === 'train' ? 1 : 2);
}

/** x mod 2π as a float32 in [0, 2π): a value that rounds up to 2π wraps to 0, its circular neighbour. */
function wrapAngleF32(x: number): number {
  let y: number;
  // Fast paths give exactly what `%` gives (x − 2π is exact on [2π, 4π] by Sterbenz); fmod is slow.
  if (x >= 0 && x < TWO_PI) y = x;
  else if (x >= TWO_PI && x < 2 * TWO_PI) y = x - TWO_PI;
  else {
    y = x % TWO_PI;
    if (y < 0) y += TWO_PI;
  }
  const f = Math.fround(y);
  return f >= TWO_PI ? 0 : f;
}

/**
 * A uniform integer in [0, n): Lemire's multiply-and-reject, exact while x·n < 2^53 (n ≤ 2^21);
 * it avoids the floating-point modulo of pure-rand's uniformInt, which dominated generation time.
 */
function indexBelow(rng: JumpableRandomGenerator, n: number): number {
  if (n > 1 << 21) return uniformInt(rng, 0, n - 1);
  let x = rng.next() >>> 0;
  let low = Math.imul(x, n) >>> 0;
  if (low < n) {
    const threshold = (0x100000000 - n) % n;
    while (low < threshold) {
      x = rng.next() >>> 0;
      low = Math.imul(x, n) >>> 0;
    }
  }
  return Math.floor(x * n * TWO_POW_M32);
}

/** The largest float32 not above x (x > 0): float32 rounding must not push |av| past max_av. */
function float32AtMost(x: number): number {
  const f = new Float32Array([x]);
  if (f[0] > x) new Int32Array(f.buffer)[0] -= 1;
  return f[0];
}

/** Fills rows of docs/model.md §1 sequences from a PRNG stream; successive calls continue the same stream. */
export class SequenceGenerator {
  readonly seqLen: number;
  private readonly n0: number;
  private readonly m: number;
  private readonly nonZeroCounts: Int32Array;
  private readonly maxAv: number;
  private readonly avLimit: number;
  private readonly perm: Int32Array;

  constructor(
    params: SequenceParams,
    private readonly rng: JumpableRandomGenerator,
  ) {
    this.seqLen = params.seq_len;
    this.n0 = Math.floor(params.seq_len * params.zero_padding_start_ratio);
    this.m = params.seq_len - this.n0;
    // Exactly m − floor(m·z) non-zero steps for ratio z, computed once per ratio.
    this.nonZeroCounts = Int32Array.from(params.zero_ratios_in_rest, (z) => this.m - Math.floor(this.m * z));
    this.maxAv = params.max_av;
    this.avLimit = float32AtMost(params.max_av);
    this.perm = new Int32Array(this.m);
  }

  /**
   * Writes `rows` sequences into `av`/`angle` starting at row `firstRow`; the target rows of `av` must be zero.
   * Per row the draws are: θ0, the ratio index, min(k, m−k) position draws, then the k values in perm order.
   */
  fill(av: Float32Array, angle: Float32Array, firstRow: number, rows: number): void {
    const { rng, seqLen: T, n0, m, perm, nonZeroCounts, maxAv, avLimit } = this;
    const lastRatio = nonZeroCounts.length - 1;
    for (let r = firstRow; r < firstRow + rows; r++) {
      const base = r * T;
      // θ0 is rounded to float32 before integrating, so the stored file is self-consistent.
      const theta0 = wrapAngleF32(uniformFloat64(rng) * TWO_PI);
      const k = nonZeroCounts[lastRatio === 0 ? 0 : indexBelow(rng, lastRatio + 1)];
      for (let i = 0; i < m; i++) perm[i] = i;
      // Partial Fisher–Yates over the smaller side: after c swaps, perm[0..c) is a uniform c-subset of
      // the m steps and perm[c..m) its complement; the non-zero steps are whichever side has k entries.
      const c = k <= m - k ? k : m - k;
      for (let j = 0; j < c; j++) {
        const pick = j + indexBelow(rng, m - j);
        const pos = perm[pick];
        perm[pick] = perm[j];
        perm[j] = pos;
      }
      const from = c === k ? 0 : c;
      for (let i = from; i < from + k; i++) {
        // (2x+1)/2^32 for int32 x is uniform on a grid symmetric in (−1, 1) that never hits 0 or ±1,
        // so a drawn step is never silently zero and |av| < max_av.
        const v = Math.fround((2 * rng.next() + 1) * TWO_POW_M32 * maxAv);
        av[base + n0 + perm[i]] = v > avLimit ? avLimit : v < -avLimit ? -avLimit : v;
      }
      // Accumulate the stored float32 values in float64; angle[t] excludes av[t] (docs/model.md §1).
      let cum = theta0;
      for (let t = 0; t < T; t++) {
        angle[base + t] = t === 0 ? theta0 : wrapAngleF32(cum);
        cum += av[base + t];
      }
    }
  }
}

/** Generates `count` sequences in memory from `seed` (the first `count` train rows of a dataset with that seed). */
export function generateSequences(params: SequenceParams, count: number, seed: number): Sequences {
  const cfg = resolveDatagenConfig({
    seq_len: params.seq_len,
    zero_padding_start_ratio: params.zero_padding_start_ratio,
    zero_ratios_in_rest: params.zero_ratios_in_rest,
    max_av: params.max_av,
    num_samples: count,
    seed,
  });
  const T = cfg.seq_len;
  const av = new Float32Array(count * T);
  const angle = new Float32Array(count * T);
  new SequenceGenerator(cfg, splitStream(cfg.seed, 'train')).fill(av, angle, 0, count);
  return { av, angle, count, seqLen: T };
}
