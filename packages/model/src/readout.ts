/** The cosine output layer (docs/model.md §2) through the rank-2 form of W_delta7. */
import * as tf from '@tensorflow/tfjs-core';
import { cosSinBasis } from './geometry.js';

/**
 * d = r·W_delta7 with W_delta7[i][j] = cos(φ_i − φ_j) = cos φ_i cos φ_j + sin φ_i sin φ_j, so
 * d_j = cos φ_j·Σ r_i cos φ_i + sin φ_j·Σ r_i sin φ_i: two dot products per row, not an N×N product.
 * Then out = d / max_j d_j, sign included, as the reference does. bump: B×T×N → B×T×N.
 */
export function cosineOutput(bump: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, T, N] = bump.shape;
    const basis = cosSinBasis(N);
    const flat = tf.reshape(bump, [B * T, N]);
    const d = tf.matMul(tf.matMul(flat, basis), basis, false, true);
    const out = tf.div(d, tf.max(d, 1, true));
    return tf.reshape(out, [B, T, N]) as tf.Tensor3D;
  });
}
