/** The ring's geometry: preferred angles 2πk/N, the initial bump, the perfect connectivity. */
import * as tf from '@tensorflow/tfjs-core';

/** Preferred angle of each neuron, φ_k = 2πk/N (the ring's own geometry, docs/model.md §3 note). */
export function preferredAngles(numNeurons: number): Float64Array {
  const phi = new Float64Array(numNeurons);
  for (let k = 0; k < numNeurons; k++) phi[k] = (2 * Math.PI * k) / numNeurons;
  return phi;
}

/** N×2 matrix [cos φ, sin φ]: the rank-2 factor of W_delta7 and the population-vector readout. */
export function cosSinBasis(numNeurons: number): tf.Tensor2D {
  const phi = preferredAngles(numNeurons);
  const data = new Float32Array(2 * numNeurons);
  for (let k = 0; k < numNeurons; k++) {
    data[2 * k] = Math.cos(phi[k]);
    data[2 * k + 1] = Math.sin(phi[k]);
  }
  return tf.tensor2d(data, [numNeurons, 2]);
}

function anglesToArray(angles: tf.Tensor | ArrayLike<number>): ArrayLike<number> {
  if (angles instanceof tf.Tensor) {
    if (angles.rank !== 1) throw new Error(`initialBump: angles must be 1-D (got shape [${angles.shape.join(', ')}])`);
    return angles.dataSync();
  }
  return angles;
}

/** Gaussian bumps (docs/model.md §2: centre θN/2π, width N/10, circular distance), each scaled to unit L2 norm; B×N. */
export function initialBump(angles: tf.Tensor | ArrayLike<number>, numNeurons: number): tf.Tensor2D {
  const theta = anglesToArray(angles);
  const B = theta.length;
  const N = numNeurons;
  const w = N / 10;
  const data = new Float32Array(B * N);
  const row = new Float64Array(N);
  for (let b = 0; b < B; b++) {
    const c = (theta[b] * N) / (2 * Math.PI);
    let sq = 0;
    for (let i = 0; i < N; i++) {
      const d = Math.abs(i - c);
      const delta = Math.min(d, N - d);
      row[i] = Math.exp(-(delta * delta) / (2 * w * w));
      sq += row[i] * row[i];
    }
    const norm = Math.sqrt(sq);
    for (let i = 0; i < N; i++) data[b * N + i] = row[i] / norm;
  }
  return tf.tensor2d(data, [B, N]);
}

/** cos(Δ + shift) with Δ = 2π(i−j)/N, row-major N×N: the `perfect` Wo (shift 0), Wl (+π/4), Wr (−π/4). */
export function cosineMatrix(numNeurons: number, shift: number): Float32Array {
  const N = numNeurons;
  const m = new Float32Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) m[i * N + j] = Math.cos((2 * Math.PI * (i - j)) / N + shift);
  }
  return m;
}
