// Quick training check: the fair protocol (B=128, T=60), N steps, then the error on 200 test sequences of T=500.
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_DATAGEN_CONFIG, generateSequences } from '@ring-attractor/datagen';
import { CausalTransformer, GruIntegrator, selectBackend, circularError, GRU_OPTIMIZER, TRANSFORMER_OPTIMIZER } from '../src/index.js';
import { Adam, clipFactor, globalNormHost } from '../../train/src/optimizer.js';
await selectBackend('wasm', () => {});
const kind = process.argv[2] ?? 'gru', steps = Number(process.argv[3] ?? 300);
const B = 128, T = 60;
const model = kind === "gru" ? new GruIntegrator({ kernel: "fused" }) : new CausalTransformer({ kernel: "fused", num_layers: Number(process.argv[4] ?? 2) });
const o = kind === 'gru' ? GRU_OPTIMIZER : TRANSFORMER_OPTIMIZER;
const opt = new Adam(model.trainableVariables(), { lr: o.lr, weightDecay: o.weight_decay });
const pool = generateSequences({ ...DEFAULT_DATAGEN_CONFIG, seq_len: T }, steps * B, 11);
const t0 = performance.now();
for (let s = 0; s < steps; s++) {
  const av = tf.tensor2d(pool.av.subarray(s * B * T, (s + 1) * B * T), [B, T]);
  const angle = tf.tensor2d(pool.angle.subarray(s * B * T, (s + 1) * B * T), [B, T]);
  const a0 = tf.tensor1d(Array.from({ length: B }, (_, b) => pool.angle[(s * B + b) * T]));
  const vars = model.trainableVariables();
  let parts: number[] = [];
  const { value, grads } = tf.variableGrads(() => { const l = model.loss(model.forward(av, a0, { training: true }), angle, av); parts = [l.total, l.main].map((x) => x.dataSync()[0]); return l.objective; }, vars);
  const gl = vars.map((v) => grads[v.name]);
  opt.apply(gl, clipFactor(globalNormHost(gl), 1));
  tf.dispose([value, ...gl, av, angle, a0]);
  if (s % 50 === 0 || s === steps - 1) console.log(`step ${s} total ${parts[0].toFixed(4)} main ${parts[1].toFixed(4)} ${((performance.now() - t0) / (s + 1)).toFixed(0)} ms/step`);
}
const test = generateSequences({ ...DEFAULT_DATAGEN_CONFIG, seq_len: 500, zero_padding_start_ratio: 0.01 }, 200, 99);
const err = tf.tidy(() => {
  const av = tf.tensor2d(test.av, [200, 500]); const angle = tf.tensor2d(test.angle, [200, 500]);
  const a0 = tf.tensor1d(Array.from({ length: 200 }, (_, b) => test.angle[b * 500]));
  const dec = model.decode(model.forward(av, a0));
  return circularError(dec, angle);
});
console.log(`${kind}: test error (200 × T=500) ${(err * 180 / Math.PI).toFixed(2)} deg`);
