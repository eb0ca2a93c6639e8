/**
 * Training-step benchmark at the seed's size (B=128, N=120, T=120, k=2, gelu, random init) on the
 * tfjs wasm backend: the same full step (forward, angle + 0.2·bump loss, backward, global-norm
 * clip 1.0, Adam 1e-3) with the fused kernel and with the tfjs graph, interleaved in one process.
 * Both variants compute the loss with `trainingLoss` (the train stage's), so the two differ only in
 * the recurrence.
 * Also times the fused recurrence alone (forward + backward) and reports its GFLOP/s.
 * Last line: `train-step fused_ms=<median> tfjs_ms=<median> speedup=<tfjs/fused>`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_DATAGEN_CONFIG, generateSequences } from '@ring-attractor/datagen';
import { LeakyRingAttractor, selectBackend, trainingLoss, initialBump, fusedRecurrence, disposeFusedKernel, type KernelName } from '../src/index.js';

const B = 128;
const N = 120;
const T = 120;
const K = 2;
const CLIP = 1.0;
const WARMUP = { fused: 2, tfjs: 1 };
const ROUNDS = 5; // each round: 3 fused steps, 1 tfjs step

/** B sequences of SPEC §1 data (datagen's generator, the seed's defaults) with the bump at each start angle. */
function batch(seed: number): { av: tf.Tensor2D; angle: tf.Tensor2D; r0: tf.Tensor2D } {
  const seqs = generateSequences({ ...DEFAULT_DATAGEN_CONFIG, seq_len: T }, B, seed);
  const theta0 = Array.from({ length: B }, (_, b) => seqs.angle[b * T]);
  return { av: tf.tensor2d(seqs.av, [B, T]), angle: tf.tensor2d(seqs.angle, [B, T]), r0: initialBump(theta0, N) };
}

/** One full training step; returns its loss. */
function trainStep(model: LeakyRingAttractor, opt: tf.Optimizer, data: ReturnType<typeof batch>): number {
  const vars = model.trainableVariables();
  const { value, grads } = tf.variableGrads(() => {
    return trainingLoss(model.forwardBump(data.av, data.r0), data.angle).total;
  }, vars);
  tf.tidy(() => {
    const names = Object.keys(grads);
    const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))));
    const scale = tf.minimum(1, tf.div(CLIP, tf.add(norm, 1e-6)));
    opt.applyGradients(Object.fromEntries(names.map((n) => [n, tf.mul(grads[n], scale)])));
  });
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function timed(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

await selectBackend('wasm', () => {});
const data = batch(1);
const variants: Record<KernelName, { model: LeakyRingAttractor; opt: tf.Optimizer; ms: number[] }> = {
  fused: { model: new LeakyRingAttractor({ kernel: 'fused', seed: 0 }), opt: tf.train.adam(1e-3), ms: [] },
  tfjs: { model: new LeakyRingAttractor({ kernel: 'tfjs', seed: 0 }), opt: tf.train.adam(1e-3), ms: [] },
};
const step = (k: KernelName): number => timed(() => trainStep(variants[k].model, variants[k].opt, data));
for (const k of ['fused', 'tfjs'] as const) for (let i = 0; i < WARMUP[k]; i++) step(k);
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < 3; i++) variants.fused.ms.push(step('fused'));
  variants.tfjs.ms.push(step('tfjs'));
}

// The fused recurrence alone: forward + backward of Σ history at the same shapes.
const alone = tf.tidy(() => ({
  actions: tf.randomUniform([B, T, K], 0, 0.3, 'float32', 1) as tf.Tensor3D,
  r0: tf.keep(data.r0),
  Wo: tf.randomNormal([N, N], 0, 1 / Math.sqrt(N), 'float32', 2) as tf.Tensor2D,
  Wa: tf.randomNormal([K, N, N], 0, 1 / Math.sqrt(N), 'float32', 3) as tf.Tensor3D,
}));
const c = { J0: -0.1, J1: 0.1, alpha: 0.15, activation: 'gelu' as const };
const fwdBwd = tf.grads((a: tf.Tensor, r: tf.Tensor, o: tf.Tensor, w: tf.Tensor) =>
  tf.sum(fusedRecurrence({ actions: a as tf.Tensor3D, r0: r as tf.Tensor2D, Wo: o as tf.Tensor2D, Wa: w as tf.Tensor3D }, c)),
);
const kernelMs: number[] = [];
for (let i = 0; i < 8; i++) {
  const ms = timed(() => {
    const g = fwdBwd([alone.actions, alone.r0, alone.Wo, alone.Wa]);
    g.forEach((x) => x.dataSync());
    tf.dispose(g);
  });
  if (i >= 2) kernelMs.push(ms);
}
const macs = 3 * B * T * (K + 1) * N * N; // forward 1×, backward 2×
const fusedMs = median(variants.fused.ms);
const tfjsMs = median(variants.tfjs.ms);
const kMs = median(kernelMs);
console.log('both variants: same loss (trainingLoss, as the train stage), so they differ only in the recurrence kernel');
console.log(`fused train step: median ${fusedMs.toFixed(1)} ms over ${variants.fused.ms.length} steps (${variants.fused.ms.map((x) => x.toFixed(0)).join(' ')})`);
console.log(`tfjs  train step: median ${tfjsMs.toFixed(1)} ms over ${variants.tfjs.ms.length} steps (${variants.tfjs.ms.map((x) => x.toFixed(0)).join(' ')})`);
console.log(`fused recurrence alone (forward+backward, ${(2 * macs / 1e9).toFixed(2)} GFLOP): median ${kMs.toFixed(1)} ms = ${((2 * macs) / (kMs * 1e6)).toFixed(1)} GFLOP/s`);
tf.dispose(Object.values(alone));
disposeFusedKernel();
console.log(`train-step fused_ms=${fusedMs.toFixed(1)} tfjs_ms=${tfjsMs.toFixed(1)} speedup=${(tfjsMs / fusedMs).toFixed(1)}`);
