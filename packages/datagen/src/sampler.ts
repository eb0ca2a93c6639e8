/** Mini-batches drawn from a pre-generated pool: shuffled, without replacement per pass, then reshuffled (docs/model.md §1). */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import type { Sequences } from './generate.js';
import { seededStream } from './rng.js';

const STATE_KIND = 'ring_attractor.BatchSampler';

/** JSON form of a sampler's position: enough to continue the exact same batch sequence. */
export interface BatchSamplerState {
  kind: typeof STATE_KIND;
  version: 1;
  count: number;
  batchSize: number;
  /** PRNG state just before the current pass's shuffle: replaying it rebuilds the permutation. */
  passRng: number[];
  /** Next position in the current pass's permutation. */
  pos: number;
  /** Completed passes (for reporting). */
  passes: number;
}

function checkPositiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`BatchSampler: ${name} must be a positive integer (got ${String(v)})`);
  return v;
}

/**
 * Draws batches of row indices. A batch that reaches the end of a pass takes the pass's remaining
 * indices, reshuffles, and fills up from the new pass: no row is ever dropped, every pass visits each
 * index exactly once, and only such a straddling batch can hold the same index twice.
 */
export class BatchSampler {
  readonly count: number;
  readonly batchSize: number;
  private rng: JumpableRandomGenerator;
  private passRng: number[] = [];
  private readonly perm: Int32Array;
  private pos = 0;
  private passes = 0;

  /** A sampler over rows 0..count−1 whose whole batch sequence is fixed by `seed`. */
  constructor(count: number, batchSize: number, seed: number) {
    this.count = checkPositiveInt('count', count);
    this.batchSize = checkPositiveInt('batchSize', batchSize);
    if (!Number.isInteger(seed)) throw new RangeError(`BatchSampler: seed must be an integer (got ${seed})`);
    this.perm = new Int32Array(count);
    this.rng = seededStream(seed, 1);
    this.shuffle();
  }

  /** Rebuilds a sampler from {@link getState}; it continues exactly where the original was. */
  static fromState(state: unknown): BatchSampler {
    const s = state as Partial<BatchSamplerState> | null;
    if (
      !s ||
      s.kind !== STATE_KIND ||
      s.version !== 1 ||
      !Array.isArray(s.passRng) ||
      s.passRng.length !== 4 ||
      !s.passRng.every((x) => Number.isInteger(x)) ||
      !Number.isInteger(s.pos) ||
      !Number.isInteger(s.passes)
    ) {
      throw new RangeError('BatchSampler.fromState: not a BatchSampler state');
    }
    const sampler = new BatchSampler(s.count as number, s.batchSize as number, 0);
    if ((s.pos as number) < 0 || (s.pos as number) >= sampler.count) throw new RangeError('BatchSampler.fromState: pos out of range');
    sampler.rng = xoroshiro128plusFromState(s.passRng);
    sampler.shuffle();
    sampler.pos = s.pos as number;
    sampler.passes = s.passes as number;
    return sampler;
  }

  // Always from the identity, so the permutation is a function of the PRNG state alone.
  private shuffle(): void {
    const { perm, rng } = this;
    this.passRng = [...rng.getState()];
    for (let i = 0; i < perm.length; i++) perm[i] = i;
    for (let i = perm.length - 1; i > 0; i--) {
      const j = uniformInt(rng, 0, i);
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    this.pos = 0;
  }

  /** The next batch of `batchSize` row indices. */
  next(): Int32Array {
    const out = new Int32Array(this.batchSize);
    let filled = 0;
    while (filled < out.length) {
      const take = Math.min(out.length - filled, this.count - this.pos);
      out.set(this.perm.subarray(this.pos, this.pos + take), filled);
      filled += take;
      this.pos += take;
      if (this.pos === this.count) {
        this.passes++;
        this.shuffle();
      }
    }
    return out;
  }

  /** Copies the rows `indices` of `split` into fresh B×T arrays. */
  gather(split: Sequences, indices: ArrayLike<number>): { av: Float32Array; angle: Float32Array } {
    const T = split.seqLen;
    const av = new Float32Array(indices.length * T);
    const angle = new Float32Array(indices.length * T);
    for (let b = 0; b < indices.length; b++) {
      const i = indices[b];
      if (!Number.isInteger(i) || i < 0 || i >= split.count) throw new RangeError(`BatchSampler.gather: index ${i} outside 0..${split.count - 1}`);
      av.set(split.av.subarray(i * T, (i + 1) * T), b * T);
      angle.set(split.angle.subarray(i * T, (i + 1) * T), b * T);
    }
    return { av, angle };
  }

  /** A JSON-serialisable snapshot of the sampler, PRNG included. */
  getState(): BatchSamplerState {
    return { kind: STATE_KIND, version: 1, count: this.count, batchSize: this.batchSize, passRng: [...this.passRng], pos: this.pos, passes: this.passes };
  }
}
