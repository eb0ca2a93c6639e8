// CPU-time profile of one training step, single-threaded kernel (robust to other load).
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_DATAGEN_CONFIG, generateSequences } from '@ring-attractor/datagen';
import { CausalTransformer, GruIntegrator, selectBackend, configureBaselineKernel } from '../src/index.js';
import { Adam, clipFactor, globalNormHost } from '../../train/src/optimizer.js';
const B = 128, T = 60;
await selectBackend('wasm', () => {});
configureBaselineKernel({ threads: Number(process.env.THREADS ?? 1) });
const seqs = generateSequences({ ...DEFAULT_DATAGEN_CONFIG, seq_len: T }, B, 1);
const av = tf.tensor2d(seqs.av, [B, T]); const angle = tf.tensor2d(seqs.angle, [B, T]);
const a0 = tf.tensor1d(Array.from({ length: B }, (_, b) => seqs.angle[b * T]));
const kind = process.argv[2] ?? 'gru';
const model = kind === 'gru' ? new GruIntegrator({ kernel: 'fused' }) : new CausalTransformer({ kernel: 'fused', num_layers: Number(process.argv[3] ?? 2) });
const opt = new Adam(model.trainableVariables(), { lr: 3e-4 });
const cpu = (fn: () => void): number => { const c0 = process.cpuUsage(); fn(); const c = process.cpuUsage(c0); return (c.user + c.system) / 1000; };
const res: number[][] = [];
for (let i = 0; i < Number(process.env.N ?? 8); i++) {
  let value: tf.Scalar, grads: tf.NamedTensorMap;
  const tf0 = cpu(() => { const out = model.forward(av, a0, { training: true }); out.dataSync(); out.dispose(); });
  const tg = cpu(() => { ({ value, grads } = tf.variableGrads(() => model.loss(model.forward(av, a0, { training: true }), angle, av).objective, model.trainableVariables())); });
  const ta = cpu(() => { const gl = model.trainableVariables().map((v) => grads[v.name]); opt.apply(gl, clipFactor(globalNormHost(gl), 1)); tf.dispose([value, ...gl]); });
  res.push([tf0, tg, ta]);
}
const med = (k: number) => res.map((r) => r[k]).sort((a, b) => a - b)[res.length >> 1];
console.log(`${kind} cpu ms (1 thread): forward ${med(0).toFixed(1)}  fwd+loss+bwd ${med(1).toFixed(1)}  clip+adam ${med(2).toFixed(1)}`);
