/**
 * Training-step benchmark of the two baselines on the tfjs wasm backend, at the reference's "fair"
 * protocol shapes (B = 128, T = 60, datagen's generateSequences): a full step is forward in training
 * mode (dropout on), the loss, backward, global-norm clip 1 and the optimiser (GRU: Adam 3e-4;
 * transformer: AdamW 3e-4, weight decay 1e-5), with each kernel: native (the GRU stack in the C++
 * addon; the dense layers in wasm), fused (the wasm kernel) and the tfjs graph, interleaved in one
 * process. Also times the GRU stack alone (forward, then backward from a fixed output gradient) on
 * each engine, the native one also as a share of this machine's multiply-add peak (the addon's
 * fmaPeak on as many threads), and splits the native GRU step into forward + loss, backward, and
 * clip + optimiser.
 * Last lines (speedup = tfjs_ms / native_ms; native_ms=- where the addon is not built):
 *   baseline-step kind=gru native_ms=… fused_ms=… tfjs_ms=… speedup=…
 *   baseline-step kind=transformer size=default … native_ms=… fused_ms=… tfjs_ms=… speedup=…
 *   baseline-step kind=transformer size=reference … native_ms=… fused_ms=… tfjs_ms=… speedup=…
 * BENCH_TFJS_STEPS (default 3) sets the timed tfjs steps per model (the tfjs transformer at the
 * reference size takes tens of seconds a step); BENCH_STEPS (default 7) the timed steps of each
 * fused kernel; BENCH_THREADS the kernels' threads (default one per core).
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
  nativeFmaPeak,
  nativeUnavailableReason,
  selectBackend,
  type BaselineKernel,
  type GruEngine,
  type TransformerConfig,
} from '../src/index.js';
import { nativeGruEngine } from '../src/baselines/kernel/gruNative.js';
// The train package depends on this one, so the bench takes its optimiser by path, not by name.
import { Adam, clipFactor, globalNormHost } from '../../train/src/optimizer.js';

const B = 128;
const T = 60;
const FUSED_STEPS = Number(process.env.BENCH_STEPS ?? 7);
const TFJS_STEPS = Number(process.env.BENCH_TFJS_STEPS ?? 3);

type Model = GruIntegrator | CausalTransformer;
interface Variant {
  model: Model;
  opt: Adam;
  ms: number[];
  /** Per timed step: forward + loss, backward, clip + optimiser (ms). */
  parts: number[][];
}
/** What the bench compares: the fused kernels (native where built, then wasm) and the tfjs graph. */
type Kind = 'native' | 'fused' | 'tfjs';
const NATIVE = nativeUnavailableReason() === null;
const KERNEL_OF: Record<Kind, BaselineKernel> = { native: 'native', fused: 'wasm', tfjs: 'tfjs' };

function batch(seed: number): { av: tf.Tensor2D; angle: tf.Tensor2D; theta0: tf.Tensor1D } {
  const seqs = generateSequences({ ...DEFAULT_DATAGEN_CONFIG, seq_len: T }, B, seed);
  return {
    av: tf.tensor2d(seqs.av, [B, T]),
    angle: tf.tensor2d(seqs.angle, [B, T]),
    theta0: tf.tensor1d(Array.from({ length: B }, (_, b) => seqs.angle[b * T])),
  };
}

/** One full training step; returns its wall time in ms and its parts. */
function step(v: Variant, data: ReturnType<typeof batch>): [number, number[]] {
  const t0 = performance.now();
  const vars = v.model.trainableVariables();
  let t1 = 0;
  // The tfjs backends run ops eagerly: the loss is computed when the function returns.
  const { value, grads } = tf.variableGrads(() => {
    const loss = v.model.loss(v.model.forward(data.av, data.theta0, { training: true }), data.angle, data.av).objective;
    t1 = performance.now();
    return loss;
  }, vars);
  const list = vars.map((x) => grads[x.name]);
  const t2 = performance.now();
  v.opt.apply(list, clipFactor(globalNormHost(list), 1));
  value.dataSync();
  tf.dispose([value, ...list]);
  const t3 = performance.now();
  return [t3 - t0, [t1 - t0, t2 - t1, t3 - t2]];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Every kernel of one model, interleaved: warm-ups, then rounds of fused steps (native, wasm alternating) and a tfjs step. */
function compare(make: (kernel: BaselineKernel) => Model, adam: (m: Model) => Adam, data: ReturnType<typeof batch>): Record<Kind, Variant> {
  const kinds: Kind[] = NATIVE ? ['native', 'fused', 'tfjs'] : ['fused', 'tfjs'];
  const variants = Object.fromEntries(
    kinds.map((k) => {
      const model = make(KERNEL_OF[k]);
      return [k, { model, opt: adam(model), ms: [], parts: [] }];
    }),
  ) as Partial<Record<Kind, Variant>>;
  const fused = kinds.filter((k) => k !== 'tfjs').map((k) => variants[k] as Variant);
  const tfjs = variants.tfjs as Variant;
  for (const v of fused) for (let i = 0; i < 2; i++) step(v, data);
  if (TFJS_STEPS > 0) step(tfjs, data);
  const perRound = Math.ceil(FUSED_STEPS / Math.max(1, TFJS_STEPS));
  const record = (v: Variant): void => {
    const [ms, parts] = step(v, data);
    v.ms.push(ms);
    v.parts.push(parts);
  };
  while (fused[0].ms.length < FUSED_STEPS || tfjs.ms.length < TFJS_STEPS) {
    for (let i = 0; i < perRound && fused[0].ms.length < FUSED_STEPS; i++) for (const v of fused) record(v);
    if (tfjs.ms.length < TFJS_STEPS) record(tfjs);
  }
  for (const v of Object.values(variants)) v.model.dispose();
  const empty: Variant = { model: tfjs.model, opt: tfjs.opt, ms: [], parts: [] };
  return { native: variants.native ?? empty, fused: variants.fused as Variant, tfjs };
}

const ms = (xs: number[]): string => (xs.length ? median(xs).toFixed(1) : '-');

function line(label: string, r: Record<Kind, Variant>): string {
  const best = r.native.ms.length ? r.native.ms : r.fused.ms;
  const speedup = r.tfjs.ms.length ? (median(r.tfjs.ms) / median(best)).toFixed(1) : '-';
  return `baseline-step ${label} native_ms=${ms(r.native.ms)} fused_ms=${ms(r.fused.ms)} tfjs_ms=${ms(r.tfjs.ms)} speedup=${speedup}`;
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
// Multiply-adds: layer 0's recurrent products forward and backward (h and W_hh gradients), layer 1's
// also its input product, its W_ih gradient and its input gradient; layer 0's 1-wide input is negligible.
const macs = B * T * 3 * H * H * (3 + 6);
const engines: [string, GruEngine | undefined][] = [['fused (wasm)', undefined], ...(NATIVE ? [['native', nativeGruEngine] as [string, GruEngine]] : [])];
// Backward from a fixed output gradient, so only the stack is timed (not a sum and its gradient).
const dy = tf.randomNormal([B, T, H], 0, 1, 'float32', 10) as tf.Tensor3D;
const fwdBwd = engines.map(([, engine]) =>
  tf.grads((...xs: tf.Tensor[]) =>
    fusedGruStack(
      { x: alone.x, h0: xs[0] as tf.Tensor3D, dropout, layers: alone.layers.map((_, k) => ({ wIh: xs[1 + 4 * k] as tf.Tensor2D, wHh: xs[2 + 4 * k] as tf.Tensor2D, bIh: xs[3 + 4 * k] as tf.Tensor1D, bHh: xs[4 + 4 * k] as tf.Tensor1D })) },
      { engine },
    ),
  ),
);
const stackMs: number[][] = engines.map(() => []);
for (let i = 0; i < 15; i++) {
  fwdBwd.forEach((f, e) => {
    const t0 = performance.now();
    const g = f(params, dy);
    g.forEach((x) => x.dataSync());
    tf.dispose(g);
    if (i >= 2) stackMs[e].push(performance.now() - t0);
  });
}
const peak = NATIVE ? nativeFmaPeak(threads) : null;
if (peak !== null) console.log(`peak native_gflops=${peak.toFixed(1)} (independent multiply-adds on the native ISA path, ${threads} thread(s))`);
engines.forEach(([name], e) => {
  const gflops = (2 * macs) / (median(stackMs[e]) * 1e6);
  const share = name === 'native' && peak !== null ? ` (${((100 * gflops) / peak).toFixed(0)}% of peak)` : '';
  console.log(`GRU stack alone, ${name} (forward + backward, ${((2 * macs) / 1e9).toFixed(2)} GFLOP): median ${median(stackMs[e]).toFixed(1)} ms = ${gflops.toFixed(1)} GFLOP/s${share}`);
});
tf.dispose([alone.x, dy, ...params]);

const gru = compare((kernel) => new GruIntegrator({ kernel, seed: 0 }), (m) => new Adam(m.trainableVariables(), { lr: GRU_OPTIMIZER.lr }), data);
const adamw = (m: Model): Adam => new Adam(m.trainableVariables(), { lr: TRANSFORMER_OPTIMIZER.lr, weightDecay: TRANSFORMER_OPTIMIZER.weight_decay });
const shipped = compare((kernel) => new CausalTransformer({ ...DEFAULT_TRANSFORMER_CONFIG, kernel }), adamw, data);
const reference = compare((kernel) => new CausalTransformer({ ...REFERENCE_TRANSFORMER_CONFIG, kernel }), adamw, data);
disposeBaselineKernel();
const show = (name: string, r: Record<Kind, Variant>): void =>
  console.log(`${name}: ${(['native', 'fused', 'tfjs'] as Kind[]).map((k) => `${k} ${r[k].ms.map((x) => x.toFixed(0)).join(' ') || '(skipped)'} ms`).join('; ')}`);
show('gru', gru);
show('transformer default', shipped);
show('transformer reference', reference);
const split = (name: string, v: Variant): void => {
  if (!v.parts.length) return;
  const part = (j: number): string => median(v.parts.map((p) => p[j])).toFixed(1);
  console.log(`${name}: forward + loss ${part(0)} ms, backward ${part(1)} ms, clip + optimiser ${part(2)} ms (medians)`);
};
split('gru native step', gru.native);
split('gru fused step', gru.fused);
console.log(line('kind=gru', gru));
console.log(line(`kind=transformer size=default(${describe(DEFAULT_TRANSFORMER_CONFIG)})`, shipped));
console.log(line(`kind=transformer size=reference(${describe(REFERENCE_TRANSFORMER_CONFIG)})`, reference));
