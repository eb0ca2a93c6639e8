import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/**
 * A xoroshiro128+ stream for `seed`, jumped `jumps` times (≥ 1). pure-rand seeds the state as
 * (−1, ~seed, seed, 0), whose first outputs are poorly mixed (the very first is ≈ 1 for every seed);
 * one jump mixes the state, and each further jump gives a stream 2^64 draws away, i.e. independent.
 */
export function seededStream(seed: number, jumps: number): JumpableRandomGenerator {
  const rng = xoroshiro128plus(seed);
  for (let i = 0; i < jumps; i++) rng.jump();
  return rng;
}
