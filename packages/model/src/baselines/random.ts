/**
 * Seeded draws of the baselines: parameter initialisers with PyTorch's distributions
 * (xavier_uniform_, orthogonal_, normal_, nn.Linear's default) and the dropout stream.
 * Every draw comes from a pure-rand xoroshiro128+ stream, so a seed fixes every value.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

export type Rng = JumpableRandomGenerator;

/**
 * The stream for `seed`: `jumps` jumps of 2^64 draws from pure-rand's seeding, so streams with
 * different jump counts never overlap (the first jump also mixes pure-rand's poorly mixed initial
 * state). Parameters use 1 jump, dropout masks 2.
 */
export function stream(seed: number, jumps: number): Rng {
  const rng = xoroshiro128plus(seed | 0);
  for (let i = 0; i < jumps; i++) rng.jump();
  return rng;
}

/** A stream continued from a state saved with `rng.getState()`. */
export function streamFromState(state: readonly number[]): Rng {
  return xoroshiro128plusFromState(state);
}

/** Uniform in [0, 1) with 53 random bits. */
export function uniform(rng: Rng): number {
  return uniformFloat64(rng);
}

/** Standard normal by Box–Muller (two uniforms per value, one value kept: a simple fixed order). */
export function normal(rng: Rng): number {
  const u1 = 1 - uniformFloat64(rng); // (0, 1]: log stays finite
  const u2 = uniformFloat64(rng);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** n values of U(−bound, bound). */
export function uniformSymmetric(rng: Rng, n: number, bound: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * uniformFloat64(rng) - 1) * bound;
  return out;
}

/** torch.nn.init.xavier_uniform_ of an out×in weight: U(±gain·√(6/(in + out))). */
export function xavierUniform(rng: Rng, rows: number, cols: number, gain = 1): Float32Array {
  return uniformSymmetric(rng, rows * cols, gain * Math.sqrt(6 / (rows + cols)));
}

/** torch.nn.init.normal_: n values of N(0, 1). */
export function standardNormal(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = normal(rng);
  return out;
}

/**
 * torch.nn.init.orthogonal_ of a rows×cols matrix: a N(0, 1) matrix (transposed when it is wide),
 * Q of its QR decomposition with the signs of R's diagonal folded in, transposed back. Q comes
 * from modified Gram–Schmidt run twice in float64 (orthonormal to ~1e-15), whose R has a positive
 * diagonal, which is exactly the sign convention torch applies.
 */
export function orthogonal(rng: Rng, rows: number, cols: number): Float32Array {
  const wide = rows < cols;
  const m = wide ? cols : rows; // tall: m ≥ n
  const n = wide ? rows : cols;
  // The Gaussian is drawn row-major in the shape torch draws it (rows×cols), then viewed as m×n.
  const g = new Float64Array(rows * cols);
  for (let i = 0; i < g.length; i++) g[i] = normal(rng);
  // Column j of the tall matrix, as a contiguous vector.
  const q: Float64Array[] = Array.from({ length: n }, (_, j) => {
    const v = new Float64Array(m);
    for (let i = 0; i < m; i++) v[i] = wide ? g[j * cols + i] : g[i * cols + j];
    return v;
  });
  for (let j = 0; j < n; j++) {
    const v = q[j];
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const u = q[k];
        let dot = 0;
        for (let i = 0; i < m; i++) dot += u[i] * v[i];
        for (let i = 0; i < m; i++) v[i] -= dot * u[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) v[i] /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < m; i++) {
      if (wide) out[j * cols + i] = q[j][i];
      else out[i * cols + j] = q[j][i];
    }
  }
  return out;
}
