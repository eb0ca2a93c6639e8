/**
 * The wasm kernel's recurrence alone at the seed's size (B=128, N=120, T=120, k=2, gelu) on the tfjs wasm
 * backend: forward + backward of Σ history·G with angular-velocity actions (docs/model.md §1 data from datagen:
 * 10% still lead-in, then 20/50/80% of the rest still, one side active otherwise) under actionGrads 'all' and
 * 'nonzero', and with dense actions; each for the FMA and the plain-SIMD build, interleaved
 * (every round restarts the runtime per build and warms it up first).
 * Reports medians of the whole call (which includes the sum·G and its gradient in tfjs), of the
 * time inside the kernel's wasm, and of the process's CPU time (steadier on a shared machine).
 * Usage: node --import tsx bench/kernel.ts [rounds]   (threads: one per core)
 * Last line: `kernel fma:av_ms=<median> fma:av_nonzero_ms=… fma:dense_ms=… plain:…`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_DATAGEN_CONFIG, generateSequences } from '@ring-attractor/datagen';
import { selectBackend, avToActions, initialBump, wasmRecurrence, disposeWasmKernel } from '../src/index.js';
import { getRuntime, setKernelVariant, kernelVariant, type KernelVariant } from '../src/kernel/runtime.js';

const B = 128;
const N = 120;
const T = 120;
const K = 2;
const ROUNDS = Number(process.argv[2] ?? 8);

/** B angular-velocity sequences of docs/model.md §1 data (datagen's generator, the seed's defaults). */
function avBatch(seed: number): tf.Tensor2D {
  return tf.tensor2d(generateSequences({ ...DEFAULT_DATAGEN_CONFIG, seq_len: T }, B, seed).av, [B, T]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

await selectBackend('wasm', () => {});
// Time spent inside the kernel (forward and backward commands), wrapped around the runtime.
let inWasm = 0;
function startRuntime(v: KernelVariant): void {
  disposeWasmKernel();
  setKernelVariant(v);
  const rt = getRuntime();
  const run = rt.run.bind(rt);
  rt.run = (cmd: number, threads: number): void => {
    const t0 = performance.now();
    run(cmd, threads);
    inWasm += performance.now() - t0;
  };
}

const shared = tf.tidy(() => ({
  r0: initialBump(Array.from({ length: B }, (_, b) => (b * 2 * Math.PI) / B), N),
  Wo: tf.randomNormal([N, N], 0, 1 / Math.sqrt(N), 'float32', 2) as tf.Tensor2D,
  Wa: tf.randomNormal([K, N, N], 0, 1 / Math.sqrt(N), 'float32', 3) as tf.Tensor3D,
  G: tf.randomNormal([B, T, N], 0, 1, 'float32', 4) as tf.Tensor3D,
}));
// Effective actions as the model makes them: rectified av times a gain (softplus-like, ~0.7).
const variants = {
  av: tf.tidy(() => tf.mul(avToActions(avBatch(1), K, 0.1 * Math.PI), 0.7) as tf.Tensor3D),
  dense: tf.randomUniform([B, T, K], 0, 0.3, 'float32', 1) as tf.Tensor3D,
};
const c = { J0: -0.1, J1: 0.1, alpha: 0.15, activation: 'gelu' as const };
const fwdBwd = (actionGrads: 'all' | 'nonzero'): ((xs: tf.Tensor[]) => tf.Tensor[]) =>
  tf.grads((a: tf.Tensor, r: tf.Tensor, o: tf.Tensor, w: tf.Tensor) =>
    tf.sum(
      tf.mul(
        wasmRecurrence({ actions: a as tf.Tensor3D, r0: r as tf.Tensor2D, Wo: o as tf.Tensor2D, Wa: w as tf.Tensor3D }, c, { actionGrads }),
        shared.G,
      ),
    ),
  );
const runs = {
  av: { actions: variants.av, grad: fwdBwd('all') },
  avNonzero: { actions: variants.av, grad: fwdBwd('nonzero') },
  dense: { actions: variants.dense, grad: fwdBwd('all') },
};
type Run = keyof typeof runs;
const VARIANTS: KernelVariant[] = ['plain', 'fma'];
const names = VARIANTS.flatMap((v) => (Object.keys(runs) as Run[]).map((r) => `${v}:${r}`));
// CPU time of the whole process (all threads) is far less sensitive to a shared machine's load.
const ms: Record<string, number[]> = {};
for (const name of names) for (const suffix of ['', 'Wasm', 'Cpu']) ms[name + suffix] = [];
// Each round runs every variant once per build; a build's runtime is restarted (and warmed) per round.
for (let i = 0; i < ROUNDS; i++) {
  for (const v of VARIANTS) {
    startRuntime(v);
    if (kernelVariant() !== v) throw new Error(`the ${v} build did not load`);
    const order = Object.keys(runs) as Run[];
    for (const [pass, name] of [...order.map((r) => [0, r] as const), ...order.map((r) => [1, r] as const)]) {
      inWasm = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const g = runs[name].grad([runs[name].actions, shared.r0, shared.Wo, shared.Wa]);
      g.forEach((x) => x.dataSync());
      const dt = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      tf.dispose(g);
      const key = `${v}:${name}`;
      if (pass === 0) continue; // the first pass warms the new runtime up
      ms[key].push(dt);
      ms[`${key}Wasm`].push(inWasm);
      ms[`${key}Cpu`].push((cpu.user + cpu.system) / 1000);
    }
  }
}
for (const name of names) {
  console.log(
    `${name.padEnd(15)} forward+backward: median ${median(ms[name]).toFixed(1)} ms (in wasm ${median(ms[`${name}Wasm`]).toFixed(1)} ms; cpu ${median(ms[`${name}Cpu`]).toFixed(1)} ms) over ${ROUNDS}: ${ms[name].map((x) => x.toFixed(0)).join(' ')}`,
  );
}
tf.dispose([...Object.values(shared), ...Object.values(variants)]);
disposeWasmKernel();
const m = (k: string): string => median(ms[k]).toFixed(1);
console.log(`kernel fma:av_ms=${m('fma:av')} fma:av_nonzero_ms=${m('fma:avNonzero')} fma:dense_ms=${m('fma:dense')} plain:av_ms=${m('plain:av')} plain:av_nonzero_ms=${m('plain:avNonzero')} plain:dense_ms=${m('plain:dense')}`);
