import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_DATAGEN_CONFIG, generateSequences } from '@ring-attractor/datagen';
import { CausalTransformer, selectBackend } from '../src/index.js';
import { Adam, clipFactor, globalNormHost } from '../../train/src/optimizer.js';
const B = 128, T = 60;
await selectBackend('wasm', () => {});
const seqs = generateSequences({ ...DEFAULT_DATAGEN_CONFIG, seq_len: T }, B, 1);
const av = tf.tensor2d(seqs.av, [B, T]); const angle = tf.tensor2d(seqs.angle, [B, T]);
const a0 = tf.tensor1d(Array.from({ length: B }, (_, b) => seqs.angle[b * T]));
const model = new CausalTransformer({ num_layers: Number(process.argv[2] ?? 2), kernel: "fused" });
const opt = new Adam(model.trainableVariables(), { lr: 3e-4, weightDecay: 1e-5 });
for (let i = 0; i < 4; i++) {
  const t0 = performance.now();
  const { value, grads } = tf.variableGrads(() => model.loss(model.forward(av, a0, { training: true }), angle, av).objective, model.trainableVariables());
  const gl = model.trainableVariables().map((v) => grads[v.name]);
  opt.apply(gl, clipFactor(globalNormHost(gl), 1));
  const loss = value.dataSync()[0];
  tf.dispose([value, ...gl]);
  console.log(i, loss.toFixed(4), (performance.now() - t0).toFixed(1), 'ms');
}
const step = () => { const { value, grads } = tf.variableGrads(() => model.loss(model.forward(av, a0, { training: true }), angle, av).objective, model.trainableVariables()); tf.dispose([value, ...Object.values(grads)]); };
const info = await tf.profile(step);
const agg = new Map<string, { ms: number; n: number; shapes: string }>();
for (const k of info.kernels) { const a = agg.get(k.name) ?? { ms: 0, n: 0, shapes: '' }; a.ms += k.kernelTimeMs as number; a.n++; if (!a.shapes) a.shapes = JSON.stringify(k.inputShapes); agg.set(k.name, a); }
[...agg].sort((a, b) => b[1].ms - a[1].ms).slice(0, 16).forEach(([n, a]) => console.log(a.ms.toFixed(1).padStart(8), String(a.n).padStart(4), n, a.shapes.slice(0, 80)));
