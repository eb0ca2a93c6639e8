/**
 * A minimal SPEC §1 sequence generator for tests (the datagen package owns the real one; this
 * keeps the model's tests independent of it). Not byte-compatible with datagen's draws.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export interface TestSequences { av: Float32Array; angle: Float32Array; count: number; seqLen: number }

/** `count` sequences of length T with SPEC §1's defaults (padding 0.1, zero ratios 0.2/0.5/0.8, max av 0.1π). */
export function specSequences(count: number, seqLen: number, seed: number, maxAv = 0.1 * Math.PI): TestSequences {
  const rng = xoroshiro128plus(seed);
  const u = (): number => uniformFloat64(rng);
  const zeroRatios = [0.2, 0.5, 0.8];
  const av = new Float32Array(count * seqLen);
  const angle = new Float32Array(count * seqLen);
  const n0 = Math.floor(seqLen * 0.1);
  const m = seqLen - n0;
  for (let s = 0; s < count; s++) {
    const z = zeroRatios[Math.floor(u() * zeroRatios.length)];
    const moving = m - Math.floor(m * z);
    // Partial Fisher–Yates: the first `moving` of a shuffled index list are the non-zero steps.
    const idx = Array.from({ length: m }, (_, i) => i);
    for (let i = 0; i < moving; i++) {
      const j = i + Math.floor(u() * (m - i));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    const row = new Float64Array(seqLen);
    for (let i = 0; i < moving; i++) row[n0 + idx[i]] = (2 * u() - 1) * maxAv;
    let theta = u() * 2 * Math.PI;
    for (let t = 0; t < seqLen; t++) {
      av[s * seqLen + t] = row[t];
      angle[s * seqLen + t] = theta;
      theta = (((theta + row[t]) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
    }
  }
  return { av, angle, count, seqLen };
}
