import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_DATAGEN_CONFIG, generateSequences } from '@ring-attractor/datagen';
import { GruIntegrator, selectBackend, type KernelName } from '../src/index.js';
import { Adam, clipFactor, globalNormHost } from '../../train/src/optimizer.js';
const B = 128, T = 60;
await selectBackend('wasm', () => {});
const seqs = generateSequences({ ...DEFAULT_DATAGEN_CONFIG, seq_len: T }, B, 1);
const av = tf.tensor2d(seqs.av, [B, T]); const angle = tf.tensor2d(seqs.angle, [B, T]);
const a0 = tf.tensor1d(Array.from({ length: B }, (_, b) => seqs.angle[b * T]));
import { configureBaselineKernel } from "../src/index.js"; configureBaselineKernel({ threads: Number(process.env.THREADS ?? 2) });
const kernel = (process.argv[2] ?? 'fused') as KernelName;
const model = new GruIntegrator({ kernel });
const opt = new Adam(model.trainableVariables(), { lr: 3e-4 });
for (let i = 0; i < 10; i++) {
  const t0 = performance.now();
  const { value, grads } = tf.variableGrads(() => model.loss(model.forward(av, a0, { training: true }), angle, av).objective, model.trainableVariables());
  const t1 = performance.now();
  const gl = model.trainableVariables().map((v) => grads[v.name]);
  opt.apply(gl, clipFactor(globalNormHost(gl), 1));
  const loss = value.dataSync()[0];
  tf.dispose([value, ...gl]);
  console.log(kernel, i, loss.toFixed(4), 'grads', (t1 - t0).toFixed(1), 'total', (performance.now() - t0).toFixed(1), 'ms', tf.memory().numTensors);
}
