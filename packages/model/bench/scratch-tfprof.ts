import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_DATAGEN_CONFIG, generateSequences } from '@ring-attractor/datagen';
import { GruIntegrator, selectBackend, configureFusedGru } from '../src/index.js';
const B = 128, T = 60;
await selectBackend('wasm', () => {});
configureFusedGru({ threads: 1 });
const seqs = generateSequences({ ...DEFAULT_DATAGEN_CONFIG, seq_len: T }, B, 1);
const av = tf.tensor2d(seqs.av, [B, T]); const angle = tf.tensor2d(seqs.angle, [B, T]);
const a0 = tf.tensor1d(Array.from({ length: B }, (_, b) => seqs.angle[b * T]));
const model = new GruIntegrator({ kernel: 'fused' });
const step = () => { const { value, grads } = tf.variableGrads(() => model.loss(model.forward(av, a0, { training: true }), angle, av).objective, model.trainableVariables()); tf.dispose([value, ...Object.values(grads)]); };
step(); step();
const info = await tf.profile(step);
const agg = new Map<string, { ms: number; n: number; shapes: string }>();
for (const k of info.kernels) { const a = agg.get(k.name) ?? { ms: 0, n: 0, shapes: '' }; a.ms += k.kernelTimeMs as number; a.n++; if (!a.shapes) a.shapes = JSON.stringify(k.inputShapes); agg.set(k.name, a); }
[...agg].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25).forEach(([n, a]) => console.log(a.ms.toFixed(1).padStart(8), String(a.n).padStart(4), n, a.shapes.slice(0, 80)));
