/**
 * The ring attractor as a {@link ModelAdapter}: the bump history from the model's recurrence kernel
 * (the fused wasm kernel unless the model's config says tfjs), read out per step in float64.
 *
 * Why not decode the cosine output with tfjs: that output is d_j = A·cos(φ_j − ψ) / max_j d_j with
 * (A cos ψ, A sin ψ) = (X, Y) = (Σ r_i cos φ_i, Σ r_i sin φ_i) (its matrix W_δ7 has rank 2), and its
 * maximum is positive whenever A > 0. So its population vector is atan2(Y, X) and its argmax is the
 * preferred angle nearest to ψ: the same decoders from two dot products per row, without the
 * B×T×N output tensor. (X = Y = 0, a silent ring, decodes to angle 0.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { initialBump, preferredAngles, type LeakyRingAttractor } from '@ring-attractor/model';
import { KIND_OUTPUTS, type AdapterRun, type ModelAdapter } from './adapter.js';

const TWO_PI = 2 * Math.PI;

/** PV angle, argmax angle and Σ|r| of each row of a bump history (rows×N), in float64. */
export function readBump(bump: Float32Array, rows: number, N: number): Required<AdapterRun> {
  const phi = preferredAngles(N);
  const cos = Float64Array.from(phi, Math.cos);
  const sin = Float64Array.from(phi, Math.sin);
  const pv = new Float64Array(rows);
  const argmax = new Float64Array(rows);
  const amplitude = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    const o = row * N;
    let x = 0;
    let y = 0;
    let a = 0;
    for (let i = 0; i < N; i++) {
      const r = bump[o + i];
      x += r * cos[i];
      y += r * sin[i];
      a += Math.abs(r);
    }
    let psi = Math.atan2(y, x);
    if (psi < 0) psi += TWO_PI;
    pv[row] = psi;
    amplitude[row] = a;
    // Argmax of d_j ∝ x cos φ_j + y sin φ_j: the nearest grid angle, checked against its neighbours
    // so rounding at a half-way point picks the larger d (the lower index on an exact tie, as argMax does).
    const k0 = Math.round((psi * N) / TWO_PI);
    let best = -1;
    let bestD = -Infinity;
    for (let j = -1; j <= 1; j++) {
      const k = (((k0 + j) % N) + N) % N;
      const d = x * cos[k] + y * sin[k];
      if (d > bestD || (d === bestD && k < best)) {
        bestD = d;
        best = k;
      }
    }
    argmax[row] = Number.isNaN(psi) ? Number.NaN : phi[best < 0 ? 0 : best];
  }
  return { pv, argmax, amplitude };
}

/** Wraps a loaded ring model; each run starts from the bump at `angle0` (docs/model.md §2's initial bump). */
export function ringAdapter(model: LeakyRingAttractor): ModelAdapter {
  const N = model.config.num_neurons;
  return {
    ...KIND_OUTPUTS.ring,
    async run(av, angle0, batch, steps) {
      const bump = tf.tidy(() => model.forwardBump(tf.tensor2d(av, [batch, steps]), initialBump(angle0, N)));
      try {
        return readBump(bump.dataSync() as Float32Array, batch * steps, N);
      } finally {
        bump.dispose();
      }
    },
  };
}
