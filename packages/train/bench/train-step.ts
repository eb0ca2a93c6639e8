/**
 * Training-step benchmark on the tfjs wasm backend: the train stage's own step (`trainStep`: forward,
 * angle + 0.2·bump loss, backward, global-norm clip 1.0, Adam 1e-3) with each recurrence kernel
 * (native, wasm, the tfjs graph), interleaved in one process, on docs/model.md §1 data from datagen's
 * generator (the seed's defaults). The variants differ only in the recurrence. Sizes: the seed's (B=128, N=120, T=120, k=2, gelu), then N = 256 and 512
 * and k = 16 actions (the tfjs graph is skipped past the seed's size: it takes seconds per step).
 * Each size also times the recurrence alone (forward, then backward from a fixed random history
 * gradient; dense random actions) per fused kernel in GFLOP/s, and the native one as a share of this
 * machine's multiply-add peak (the addon's fmaPeak on as many threads, measured first). Medians of wall time, with the process's CPU time per step beside
 * them (steadier on a shared machine). The native kernel runs its best ISA path (RING_NATIVE_ISA
 * forces another).
 *
 * Usage: node --import tsx bench/train-step.ts [--sizes seed|all]   (default all)
 * Lines: `train-step native_ms=… wasm_ms=… tfjs_ms=…` (the seed's size), then per size
 * `train-step N=… k=… native_ms=… wasm_ms=… tfjs_ms=…|skipped` and `recurrence N=… k=… dense native_gflops=… wasm_gflops=… native_of_peak=…%`,
 * after `peak native_gflops=… isa=… threads=…`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_DATAGEN_CONFIG, generateSequences } from '@ring-attractor/datagen';
import {
  createModel,
  selectBackend,
  initialBump,
  nativeRecurrence,
  nativeFmaPeak,
  wasmRecurrence,
  disposeKernels,
  nativeUnavailableReason,
  kernelInfo,
  type KernelName,
} from '@ring-attractor/model';
import { modelOptions, resolveRunConfig } from '../src/config.js';
import { createTrainingState, trainStep, type Batch, type TrainingState } from '../src/step.js';

const B = 128;
const T = 120;
const sizes = process.argv.includes('--sizes') ? process.argv[process.argv.indexOf('--sizes') + 1] : 'all';
if (sizes !== 'seed' && sizes !== 'all') throw new Error(`--sizes: expected seed or all (got ${sizes})`);

interface Size {
  N: number;
  K: number;
  rounds: number;
  tfjs: boolean;
}
const SIZES: Size[] = [
  { N: 120, K: 2, rounds: 5, tfjs: true },
  ...(sizes === 'all'
    ? [
        { N: 256, K: 2, rounds: 3, tfjs: false },
        { N: 512, K: 2, rounds: 3, tfjs: false },
        { N: 120, K: 16, rounds: 3, tfjs: false },
      ]
    : []),
];

/** B sequences of docs/model.md §1 data (the seed's defaults). */
function batch(seed: number): Batch {
  const seqs = generateSequences({ ...DEFAULT_DATAGEN_CONFIG, seq_len: T }, B, seed);
  return { av: seqs.av, angle: seqs.angle, seqLen: T };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall and CPU milliseconds of f. */
function timed(f: () => void): [number, number] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const cpu = process.cpuUsage(c0);
  return [performance.now() - t0, (cpu.user + cpu.system) / 1000];
}

await selectBackend('wasm', () => {});
const native = nativeUnavailableReason() === null;
const FUSED: KernelName[] = native ? ['native', 'wasm'] : ['wasm'];
if (!native) console.log(`native kernel skipped: ${nativeUnavailableReason()}`);
console.log(`kernels: ${FUSED.map((k) => `${k} (${kernelInfo(k).isa}, ${kernelInfo(k).threads} threads)`).join(', ')}, tfjs graph; backend wasm`);
const fmt = (ms: number[] | null): string => (ms === null ? 'skipped' : median(ms).toFixed(1));
const peak = native ? nativeFmaPeak(kernelInfo('native').threads) : null;
if (peak !== null) console.log(`peak native_gflops=${peak.toFixed(1)} isa=${kernelInfo('native').isa} threads=${kernelInfo('native').threads}`);
const summary: string[] = [];

for (const size of SIZES) {
  const { N, K } = size;
  const data = batch(1);
  const config = resolveRunConfig({ model: { num_neurons: N, action_dim: K } });
  const kernels: KernelName[] = [...FUSED, ...(size.tfjs ? (['tfjs'] as const) : [])];
  const variants = Object.fromEntries(
    kernels.map((k) => [k, { state: createTrainingState(config, createModel(config.model, modelOptions(config, DEFAULT_DATAGEN_CONFIG.max_av, k))), ms: [] as number[], cpu: [] as number[] }]),
  ) as unknown as Record<KernelName, { state: TrainingState; ms: number[]; cpu: number[] }>;
  let stepNo = 0;
  const step = (k: KernelName): [number, number] => timed(() => trainStep(variants[k].state, data, ++stepNo));
  for (const k of kernels) step(k);
  for (let r = 0; r < size.rounds; r++) {
    // Each round: 3 steps per fused kernel, 1 of the tfjs graph (seconds each).
    for (const k of kernels) {
      for (let i = 0; i < (k === 'tfjs' ? 1 : 3); i++) {
        const [ms, cpu] = step(k);
        variants[k].ms.push(ms);
        variants[k].cpu.push(cpu);
      }
    }
  }
  for (const k of kernels) {
    const v = variants[k];
    console.log(`N=${N} k=${K} ${k.padEnd(6)} train step: median ${median(v.ms).toFixed(1)} ms (cpu ${median(v.cpu).toFixed(1)} ms) over ${v.ms.length}: ${v.ms.map((x) => x.toFixed(0)).join(' ')}`);
    v.state.model.dispose();
  }

  // The recurrence alone: forward, then backward from a fixed history gradient; dense actions (every product computed).
  const alone = tf.tidy(() => ({
    actions: tf.randomUniform([B, T, K], 0, 0.3, 'float32', 1) as tf.Tensor3D,
    r0: initialBump(Array.from({ length: B }, (_, b) => data.angle[b * T]), N),
    Wo: tf.randomNormal([N, N], 0, 1 / Math.sqrt(N), 'float32', 2) as tf.Tensor2D,
    Wa: tf.randomNormal([K, N, N], 0, 1 / Math.sqrt(N), 'float32', 3) as tf.Tensor3D,
    dh: tf.randomNormal([B, T, N], 0, 1, 'float32', 4) as tf.Tensor3D,
  }));
  const c = { J0: -0.1, J1: 0.1, alpha: 0.15, activation: 'gelu' as const };
  const run = { native: nativeRecurrence, wasm: wasmRecurrence };
  const gflops: Record<string, number> = {};
  const flop = 2 * 3 * B * T * (K + 1) * N * N; // forward 1×, backward 2× the products
  const aloneMs: Record<string, number[]> = Object.fromEntries(FUSED.map((k) => [k, []]));
  const fwdBwd = Object.fromEntries(
    FUSED.map((k) => [
      k,
      tf.grads((a: tf.Tensor, r: tf.Tensor, o: tf.Tensor, w: tf.Tensor) =>
        run[k as 'native' | 'wasm']({ actions: a as tf.Tensor3D, r0: r as tf.Tensor2D, Wo: o as tf.Tensor2D, Wa: w as tf.Tensor3D }, c),
      ),
    ]),
  );
  for (let i = 0; i < 2 + 2 * size.rounds; i++) {
    for (const k of FUSED) {
      const [ms] = timed(() => {
        const g = fwdBwd[k]([alone.actions, alone.r0, alone.Wo, alone.Wa], alone.dh);
        g.forEach((x) => x.dataSync());
        tf.dispose(g);
      });
      if (i >= 2) aloneMs[k].push(ms);
    }
  }
  for (const k of FUSED) {
    gflops[k] = flop / (median(aloneMs[k]) * 1e6);
    console.log(`N=${N} k=${K} ${k.padEnd(6)} recurrence alone (forward+backward, ${(flop / 1e9).toFixed(2)} GFLOP, dense actions): median ${median(aloneMs[k]).toFixed(1)} ms = ${gflops[k].toFixed(1)} GFLOP/s (best ${(flop / (Math.min(...aloneMs[k]) * 1e6)).toFixed(1)})`);
  }
  tf.dispose(Object.values(alone));
  const ms = (k: KernelName): string => `${k}_ms=${fmt(variants[k]?.ms ?? null)}`;
  summary.push(`train-step N=${N} k=${K} ${['native', 'wasm', 'tfjs'].map((k) => ms(k as KernelName)).join(' ')}`);
  const ofPeak = peak !== null && gflops.native !== undefined ? ` native_of_peak=${((100 * gflops.native) / peak).toFixed(0)}%` : '';
  summary.push(`recurrence N=${N} k=${K} dense ${['native', 'wasm'].map((k) => `${k}_gflops=${gflops[k] === undefined ? 'skipped' : gflops[k].toFixed(1)}`).join(' ')}${ofPeak}`);
}
disposeKernels();
for (const line of summary) console.log(line);
// The seed's size last, in the form the README's table quotes.
console.log(summary[0].replace(/ N=120 k=2/, ''));
