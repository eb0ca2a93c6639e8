/**
 * Training-step benchmark of the two baselines on the tfjs wasm backend, at the reference's "fair"
 * protocol shapes (B = 128, T = 60, datagen's generateSequences): a full step is forward in training
 * mode (dropout on), the loss, backward, global-norm clip 1 and the optimiser (GRU: Adam 3e-4;
 * transformer: AdamW 3e-4, weight decay 1e-5), with the fused kernel and with the tfjs graph,
 * interleaved in one process. Also times the fused GRU stack alone (forward + backward).
 * Last lines:
 *   baseline-step kind=gru fused_ms=… tfjs_ms=… speedup=…
 *   baseline-step kind=transformer size=default … fused_ms=… tfjs_ms=… speedup=…
 *   baseline-step kind=transformer size=reference … fused_ms=… tfjs_ms=… speedup=…
 * BENCH_TFJS_STEPS (default 3) sets the timed tfjs steps per model (the tfjs transformer at the
 * reference size takes tens of seconds a step); BENCH_THREADS the kernel's threads (default one per core).
 */
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_DATAGEN_CONFIG, generateSequences } from '@ring-attractor/datagen';
import {
  CausalTransformer,
  DEFAULT_TRANSFORMER_CONFIG,
  GRU_OPTIMIZER,
  GruIntegrator,
  REFERENCE_TRANSFORMER_CONFIG,
  TRANSFORMER_OPTIMIZER,
  baselineKernelThreads,
  configureBaselineKernel,
  disposeBaselineKernel,
  fusedGruStack,
  selectBackend,
  type BaselineKernel,
  type TransformerConfig,
} from '../src/index.js';
// The train package depends on this one, so the bench takes its optimiser by path, not by name.
import { Adam, clipFactor, globalNormHost } from '../../train/src/optimizer.js';

const B = 128;
const T = 60;
const FUSED_STEPS = 7;
const TFJS_STEPS = Number(process.env.BENCH_TFJS_STEPS ?? 3);

type Model = GruIntegrator | CausalTransformer;
interface Variant {
  model: Model;
  opt: Adam;
  ms: number[];
}

function batch(seed: number): { av: tf.Tensor2D; angle: tf.Tensor2D; theta0: tf.Tensor1D } {
  const seqs = generateSequences({ ...DEFAULT_DATAGEN_CONFIG, seq_len: T }, B, seed);
  return {
    av: tf.tensor2d(seqs.av, [B, T]),
    angle: tf.tensor2d(seqs.angle, [B, T]),
    theta0: tf.tensor1d(Array.from({ length: B }, (_, b) => seqs.angle[b * T])),
  };
}

/** One full training step; returns its wall time in ms. */
function step(v: Variant, data: ReturnType<typeof batch>): number {
  const t0 = performance.now();
  const vars = v.model.trainableVariables();
  const { value, grads } = tf.variableGrads(() => v.model.loss(v.model.forward(data.av, data.theta0, { training: true }), data.angle, data.av).objective, vars);
  const list = vars.map((x) => grads[x.name]);
  v.opt.apply(list, clipFactor(globalNormHost(list), 1));
  value.dataSync();
  tf.dispose([value, ...list]);
  return performance.now() - t0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Both kernels of one model, interleaved: a warm-up each, then rounds of fused steps and a tfjs step. */
function compare(make: (kernel: BaselineKernel) => Model, adam: (m: Model) => Adam, data: ReturnType<typeof batch>): { fused: number[]; tfjs: number[] } {
  // 'fused' is the wasm kernel, as the bench's output line names it.
  const variants = Object.fromEntries((['wasm', 'tfjs'] as const).map((k) => {
    const model = make(k);
    return [k === 'wasm' ? 'fused' : k, { model, opt: adam(model), ms: [] as number[] }];
  })) as Record<'fused' | 'tfjs', Variant>;
  step(variants.fused, data);
  step(variants.fused, data);
  if (TFJS_STEPS > 0) step(variants.tfjs, data);
  const perRound = Math.ceil(FUSED_STEPS / Math.max(1, TFJS_STEPS));
  for (let r = 0; variants.fused.ms.length < FUSED_STEPS || variants.tfjs.ms.length < TFJS_STEPS; r++) {
    for (let i = 0; i < perRound && variants.fused.ms.length < FUSED_STEPS; i++) variants.fused.ms.push(step(variants.fused, data));
    if (variants.tfjs.ms.length < TFJS_STEPS) variants.tfjs.ms.push(step(variants.tfjs, data));
  }
  for (const v of Object.values(variants)) v.model.dispose();
  return { fused: variants.fused.ms, tfjs: variants.tfjs.ms };
}

function line(label: string, r: { fused: number[]; tfjs: number[] }): string {
  const f = median(r.fused);
  if (!r.tfjs.length) return `baseline-step ${label} fused_ms=${f.toFixed(1)} tfjs_ms=- speedup=-`;
  const t = median(r.tfjs);
  return `baseline-step ${label} fused_ms=${f.toFixed(1)} tfjs_ms=${t.toFixed(1)} speedup=${(t / f).toFixed(1)}`;
}

function describe(c: TransformerConfig): string {
  return `d${c.d_model}_h${c.nhead}_l${c.num_layers}_ff${c.dim_feedforward}`;
}

await selectBackend('wasm', () => {});
if (process.env.BENCH_THREADS) configureBaselineKernel({ threads: Number(process.env.BENCH_THREADS) });
const data = batch(1);
const threads = baselineKernelThreads();
console.log(`B=${B} T=${T}, wasm backend, baselines kernel on ${threads} thread(s)`);

// The fused GRU stack alone at the model's shapes (the reference's inputs: x is av through the
// composed 3H×1 input map, h0 the encoded start angle on both layers, dropout masks between layers).
const H = 128, L = 2;
const alone = tf.tidy(() => ({
  x: tf.reshape(data.av, [B, T, 1]) as tf.Tensor3D,
  h0: tf.randomNormal([L, B, H], 0, 0.5, 'float32', 1) as tf.Tensor3D,
  layers: Array.from({ length: L }, (_, k) => ({
    wIh: tf.randomNormal([3 * H, k ? H : 1], 0, 1 / Math.sqrt(H), 'float32', 2 + k) as tf.Tensor2D,
    wHh: tf.randomNormal([3 * H, H], 0, 1 / Math.sqrt(H), 'float32', 4 + k) as tf.Tensor2D,
    bIh: tf.randomNormal([3 * H], 0, 1, 'float32', 6 + k) as tf.Tensor1D,
    bHh: tf.randomNormal([3 * H], 0, 1, 'float32', 8 + k) as tf.Tensor1D,
  })),
}));
const dropout = { key: 77, p: 0.1 };
const params = [alone.h0, ...alone.layers.flatMap((w) => [w.wIh, w.wHh, w.bIh, w.bHh])];
const fwdBwd = tf.grads((...xs: tf.Tensor[]) =>
  tf.sum(fusedGruStack({ x: alone.x, h0: xs[0] as tf.Tensor3D, dropout, layers: alone.layers.map((_, k) => ({ wIh: xs[1 + 4 * k] as tf.Tensor2D, wHh: xs[2 + 4 * k] as tf.Tensor2D, bIh: xs[3 + 4 * k] as tf.Tensor1D, bHh: xs[4 + 4 * k] as tf.Tensor1D })) })),
);
const stackMs: number[] = [];
for (let i = 0; i < 9; i++) {
  const t0 = performance.now();
  const g = fwdBwd(params);
  g.forEach((x) => x.dataSync());
  tf.dispose(g);
  if (i >= 2) stackMs.push(performance.now() - t0);
}
// Multiply-adds: layer 0's recurrent products forward and backward (h and W_hh gradients), layer 1's
// also its input product, its W_ih gradient and its input gradient; layer 0's 1-wide input is negligible.
const macs = B * T * 3 * H * H * (3 + 6);
console.log(`fused GRU stack alone (forward + backward, ${((2 * macs) / 1e9).toFixed(2)} GFLOP): median ${median(stackMs).toFixed(1)} ms = ${((2 * macs) / (median(stackMs) * 1e6)).toFixed(1)} GFLOP/s`);
tf.dispose([alone.x, ...params]);

const gru = compare((kernel) => new GruIntegrator({ kernel, seed: 0 }), (m) => new Adam(m.trainableVariables(), { lr: GRU_OPTIMIZER.lr }), data);
const adamw = (m: Model): Adam => new Adam(m.trainableVariables(), { lr: TRANSFORMER_OPTIMIZER.lr, weightDecay: TRANSFORMER_OPTIMIZER.weight_decay });
const shipped = compare((kernel) => new CausalTransformer({ ...DEFAULT_TRANSFORMER_CONFIG, kernel }), adamw, data);
const reference = compare((kernel) => new CausalTransformer({ ...REFERENCE_TRANSFORMER_CONFIG, kernel }), adamw, data);
disposeBaselineKernel();
const show = (name: string, r: { fused: number[]; tfjs: number[] }): void =>
  console.log(`${name}: fused ${r.fused.map((x) => x.toFixed(0)).join(' ')} ms; tfjs ${r.tfjs.map((x) => x.toFixed(0)).join(' ') || '(skipped)'} ms`);
show('gru', gru);
show('transformer default', shipped);
show('transformer reference', reference);
console.log(line('kind=gru', gru));
console.log(line(`kind=transformer size=default(${describe(DEFAULT_TRANSFORMER_CONFIG)})`, shipped));
console.log(line(`kind=transformer size=reference(${describe(REFERENCE_TRANSFORMER_CONFIG)})`, reference));
