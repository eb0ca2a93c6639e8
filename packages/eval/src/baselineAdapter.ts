/**
 * The GRU and transformer baselines as a {@link ModelAdapter}: the model's (sin, cos) output in eval
 * mode (no dropout), decoded as atan2(sin, cos) in float64. They have no bump, so only the `pv`
 * decoder is returned (the angle the model outputs), and no amplitude.
 */
import * as tf from '@tensorflow/tfjs-core';
import { modelKind, type CausalTransformer, type GruIntegrator } from '@ring-attractor/model';
import { angleFromSinCos, KIND_OUTPUTS, type ModelAdapter } from './adapter.js';

/** The working set one forward pass may take; a transformer's attention grows with T², so long sequences run a few at a time. */
const FORWARD_BYTES = 512 * 2 ** 20;

/** Rough bytes per sequence of one forward pass: the largest per-layer activations, a few copies of each. */
function bytesPerSequence(model: GruIntegrator | CausalTransformer, steps: number): number {
  const c = model.config;
  if ('d_model' in c) {
    const S = steps + 1;
    return 4 * 4 * (c.nhead * S * S + S * Math.max(c.d_model, c.dim_feedforward));
  }
  return 4 * 4 * steps * c.hidden_size * c.num_layers;
}

/** Wraps a loaded baseline; each run starts from the angle0 it is given (the model's initial (sin, cos)); `forwardBytes` bounds one forward pass. */
export function baselineAdapter(model: GruIntegrator | CausalTransformer, forwardBytes = FORWARD_BYTES): ModelAdapter {
  return {
    ...KIND_OUTPUTS[modelKind(model)],
    async run(av, angle0, batch, steps) {
      const pv = new Float64Array(batch * steps);
      const per = Math.max(1, Math.floor(forwardBytes / bytesPerSequence(model, steps)));
      for (let first = 0; first < batch; first += per) {
        const n = Math.min(per, batch - first);
        const out = tf.tidy(() => model.forward(tf.tensor2d(av.subarray(first * steps, (first + n) * steps), [n, steps]), tf.tensor1d(angle0.subarray(first, first + n))));
        try {
          const sc = out.dataSync() as Float32Array;
          for (let i = 0; i < n * steps; i++) pv[first * steps + i] = angleFromSinCos(sc[2 * i], sc[2 * i + 1]);
        } finally {
          out.dispose();
        }
      }
      return { pv };
    },
  };
}
