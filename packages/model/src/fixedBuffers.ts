/**
 * Fixed buffers: tensors a PyTorch class keeps in its state dict without training them (the ring's
 * `W_delta7`, the transformer's `pos_encoder.pe`). Checkpoints store them so that
 * `load_state_dict(strict=True)` accepts the file; loading accepts them only as the table the model
 * itself computes, since the model never reads them from a file.
 */
import type { Weights } from './init.js';

/**
 * Throws unless every buffer of `expected` present in `weights` has its shape and its values within
 * 1e-5 (float32 sin and cos may differ in the last bit between libraries; anything larger is another
 * table). `what` names each buffer's table in the error, e.g. "the sinusoidal table for d_model = 64".
 */
export function checkFixedBuffers(weights: Weights, expected: Weights, what: (name: string) => string): void {
  for (const [name, want] of Object.entries(expected)) {
    const got = weights[name];
    if (got === undefined) continue;
    const same = got.shape.length === want.shape.length && got.shape.every((x, i) => x === want.shape[i]) && got.data.length === want.data.length;
    if (!same) throw new Error(`weights: tensor ${name} has shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`);
    for (let i = 0; i < want.data.length; i++) {
      if (!(Math.abs(got.data[i] - want.data[i]) <= 1e-5)) throw new Error(`weights: tensor ${name} is not ${what(name)} (entry ${i})`);
    }
  }
}
