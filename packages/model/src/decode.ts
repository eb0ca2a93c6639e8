/** Decoders and the evaluation metric of docs/model.md §5. */
import * as tf from '@tensorflow/tfjs-core';
import { populationVector } from './losses.js';

const TWO_PI = 2 * Math.PI;

/** Population-vector angle atan2(Σ out sin φ, Σ out cos φ) in [0, 2π); output B×T×N → B×T. */
export function decodePopulationVector(output: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const { x, y } = populationVector(output);
    const theta = tf.atan2(y, x);
    // atan2 is in (−π, π]; shift the negative half up. (mod would round −1e-9 + 2π to 2π itself.)
    return tf.where(tf.less(theta, 0), tf.add(theta, TWO_PI), theta) as tf.Tensor2D;
  });
}

/** Preferred angle 2πk/N of the most active output neuron; output B×T×N → B×T. */
export function decodeArgmax(output: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const N = output.shape[2];
    return tf.mul(tf.cast(tf.argMax(output, 2), 'float32'), TWO_PI / N) as tf.Tensor2D;
  });
}

function values(x: tf.Tensor | ArrayLike<number>): ArrayLike<number> {
  return x instanceof tf.Tensor ? x.dataSync() : x;
}

/** Mean circular distance min(|a − b|, 2π − |a − b|) in radians, over all entries (same size). */
export function circularError(a: tf.Tensor | ArrayLike<number>, b: tf.Tensor | ArrayLike<number>): number {
  const x = values(a);
  const y = values(b);
  if (x.length !== y.length) throw new Error(`circularError: ${x.length} vs ${y.length} values`);
  if (x.length === 0) throw new Error('circularError: no values');
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i] - y[i]) % TWO_PI;
    sum += Math.min(d, TWO_PI - d);
  }
  return sum / x.length;
}
