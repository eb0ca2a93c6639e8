// The native kernel's own contract: its ISA paths and their selection, bit-for-bit reproducibility
// per thread count and path, the readout's bit-identity with the wasm kernel's, and failures
// reported as one sentence. (Its numbers against the tfjs graph: kernel.test.ts, golden.test.ts.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import '../src/gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { recurrenceTfjs, type RecurrenceConstants, type RecurrenceInputs } from '../src/recurrence.js';
import { disposeKernels, nativeAddonPath, nativeFmaPeak, nativeInfo, nativeUnavailableReason, setNativeIsa, kernelInfo, selectKernel } from '../src/kernel/index.js';
import { kernelReadoutBackward, kernelReadoutForward } from '../src/kernel/readout.js';
import { readoutBasis } from '../src/trainingLossOp.js';
import { patternInputs, randomInputs, relError } from './kernelHelpers.js';
import { KERNEL_VARIANTS, NATIVE_ISAS, restoreNativeIsa } from './kernelVariants.js';

await tf.setBackend('cpu');
after(() => {
  restoreNativeIsa();
  disposeKernels();
});

const skip = nativeUnavailableReason() === null ? false : `native kernel unavailable: ${nativeUnavailableReason()}`;
const ORDER = ['avx512', 'avx2', 'portable'];
const c: RecurrenceConstants = { J0: -0.1, J1: 0.1, alpha: 0.15, activation: 'gelu' };

/** History and the gradients of Σ history·G. */
function valueAndGrads(run: (x: RecurrenceInputs) => tf.Tensor3D, inp: RecurrenceInputs): Float32Array[] {
  const [B, T] = inp.actions.shape;
  const G = tf.randomNormal([B, T, inp.Wo.shape[0]], 0, 1, 'float32', 9);
  const f = (a: tf.Tensor, r: tf.Tensor, o: tf.Tensor, w: tf.Tensor): tf.Scalar =>
    tf.sum(tf.mul(run({ actions: a as tf.Tensor3D, r0: r as tf.Tensor2D, Wo: o as tf.Tensor2D, Wa: w as tf.Tensor3D }), G));
  const out = [run(inp), ...tf.grads(f)([inp.actions, inp.r0, inp.Wo, inp.Wa])];
  const data = out.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose([...out, G]);
  return data;
}

test('the addon holds every ISA path for this architecture and starts on the best one this CPU runs', { skip }, () => {
  const info = nativeInfo();
  assert.ok(info.built.includes('portable') && info.built.includes('wide16'), `built: ${info.built}`);
  if (process.arch === 'x64') for (const isa of ['avx512', 'avx2']) assert.ok(info.built.includes(isa), `${isa} is built on x64`);
  assert.ok(info.supported.every((s) => info.built.includes(s)));
  assert.equal(info.best, ORDER.find((isa) => info.supported.includes(isa)));
  restoreNativeIsa();
  assert.deepEqual(kernelInfo('native'), { kernel: 'native', isa: info.best, threads: kernelInfo('wasm').threads });
  for (const isa of info.supported) {
    setNativeIsa(isa);
    assert.equal(nativeInfo().isa, isa);
  }
  restoreNativeIsa();
});

test('auto picks native on CPU backends and the tfjs graph on the GPU, in one line each; explicit choices and the old name pass through', { skip }, () => {
  restoreNativeIsa();
  const lines: string[] = [];
  for (const backend of ['wasm', 'cpu', 'tfjs-node']) assert.equal(selectKernel('auto', backend, (l) => lines.push(l)), 'native');
  assert.equal(selectKernel('auto', 'tfjs-node-gpu', (l) => lines.push(l)), 'tfjs');
  assert.deepEqual(lines, [
    ...Array(3).fill(`kernel: native ${nativeInfo().best} (skipped wasm and tfjs: slower on CPU backends)`),
    'kernel: tfjs (skipped native and wasm: the tfjs-node-gpu backend runs the tfjs graph faster)',
  ]);
  const quiet = (): void => assert.fail('an explicit choice logs nothing');
  assert.deepEqual(['native', 'wasm', 'tfjs'].map((k) => selectKernel(k, 'wasm', quiet)), ['native', 'wasm', 'tfjs']);
  assert.throws(() => selectKernel('fused', 'wasm', quiet), /^UsageError: kernel: expected one of auto, tfjs, wasm, native/);
  assert.throws(() => selectKernel('cuda', 'wasm', quiet), /^UsageError: kernel: expected one of auto, tfjs, wasm, native \(got "cuda"\)$/);
});

test('an ISA path this CPU lacks, or one not built, is refused with a sentence and the current path kept', { skip }, () => {
  const info = nativeInfo();
  for (const isa of info.built.filter((b) => !info.supported.includes(b))) {
    assert.throws(() => setNativeIsa(isa), new RegExp(`^Error: native kernel: this CPU cannot run the ${isa} path$`));
  }
  assert.throws(() => setNativeIsa('sse9'), /^Error: native kernel: no ISA path named 'sse9' in this build$/);
  assert.equal(nativeInfo().isa, info.isa);
});

test('RING_NATIVE_ISA forces a path at load; a path this CPU lacks is bad input naming the variable', { skip }, () => {
  const script = (body: string): string =>
    `import { nativeInfo } from ${JSON.stringify(fileURLToPath(new URL('../src/kernel/index.ts', import.meta.url)))}; ${body}`;
  const run = (value: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script('process.stdout.write(nativeInfo().isa);')], {
      env: { ...process.env, RING_NATIVE_ISA: value },
      encoding: 'utf8',
    });
  for (const isa of NATIVE_ISAS) {
    const r = run(isa);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, isa);
  }
  const bad = run('avx1024');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /RING_NATIVE_ISA: expected an ISA path this CPU runs \(one of [a-z0-9, ]+\) \(got "avx1024"\)/);
});

for (const v of KERNEL_VARIANTS) {
  test(`${v.label}: bit-for-bit reproducible per thread count; history, d(actions) and d(r0) do not depend on it`, () => {
    const inp = patternInputs(9, 10, 37, 3, 201);
    const runs = [1, 2, 3, 2].map((threads) => valueAndGrads((x) => v.run(x, c, { threads }), inp));
    // Same thread count (a run in between with others): identical bits, every output.
    runs[3].forEach((t, i) => assert.deepEqual(t, runs[1][i], `output ${i}, threads=2 twice`));
    for (const r of [runs[0], runs[2]]) {
      // Each row's arithmetic is the same whichever slice holds it; only the weight gradients
      // sum per-slice partials (in slice order).
      for (const i of [0, 1, 2]) assert.deepEqual(r[i], runs[1][i], `output ${i} across thread counts`);
      for (const i of [3, 4]) {
        const err = relError(tf.tensor(r[i]), tf.tensor(runs[1][i]));
        assert.ok(err < 1e-5, `weight gradient ${i} across thread counts: ${err}`);
      }
    }
    tf.dispose(Object.values(inp));
  });
}

test('products longer than one block of k (N=300: several blocks on every path but portable) match the tfjs graph; the history does not depend on the thread count', { skip }, () => {
  const inp = patternInputs(5, 12, 300, 2, 231);
  const ref = valueAndGrads((x) => recurrenceTfjs(x, c), inp);
  ref.forEach((r, i) => assert.ok(Math.sqrt(r.reduce((s, x) => s + x * x, 0)) > 1e-3, `output ${i} of the reference is ~0`));
  for (const v of KERNEL_VARIANTS.filter((k) => k.kernel === 'native')) {
    const one = valueAndGrads((x) => v.run(x, c, { threads: 1 }), inp);
    const three = valueAndGrads((x) => v.run(x, c, { threads: 3 }), inp);
    ref.forEach((r, i) => {
      const err = relError(tf.tensor(one[i]), tf.tensor(r));
      assert.ok(err < 1e-4, `${v.label}, output ${i}: relative error ${err}`);
    });
    for (const i of [0, 1, 2]) assert.deepEqual(three[i], one[i], `${v.label}, output ${i} across thread counts`);
  }
  restoreNativeIsa();
  tf.dispose(Object.values(inp));
});

test('every native path agrees with every other within float32 round-off', { skip }, () => {
  const inp = randomInputs(6, 12, 120, 2, 211);
  const [first, ...rest] = KERNEL_VARIANTS.filter((v) => v.kernel === 'native').map((v) => ({ v, out: valueAndGrads((x) => v.run(x, c, { threads: 2 }), inp) }));
  for (const { v, out } of rest) {
    out.forEach((t, i) => {
      const err = relError(tf.tensor(t), tf.tensor(first.out[i]));
      assert.ok(err < 1e-5, `${v.label} vs ${first.v.label}, output ${i}: ${err}`);
    });
  }
  restoreNativeIsa();
  tf.dispose(Object.values(inp));
});

test('the native ring readout is bit-identical to the wasm one (forward and backward, odd N, zeros, negatives, NaN), on every path and thread count', { skip }, () => {
  for (const [rows, N] of [
    [7, 13],
    [300, 120],
    [5, 2],
    [600, 37],
  ]) {
    const r = Float32Array.from(tf.randomNormal([rows * N], 0, 1, 'float32', rows).dataSync());
    for (let i = 0; i < r.length; i += 7) r[i] = 0;
    r[3] = NaN;
    r[N + 1] = -0;
    const dy = Float32Array.from(tf.randomNormal([3 * rows], 0, 1, 'float32', N).dataSync());
    const basis = readoutBasis(N);
    const fwd = kernelReadoutForward(r, rows, N, basis, 'wasm');
    const bwd = Float32Array.from(kernelReadoutBackward(r, dy, rows, N, basis, 'wasm'));
    for (const isa of NATIVE_ISAS) {
      setNativeIsa(isa);
      assert.deepEqual(kernelReadoutForward(r, rows, N, basis, 'native'), fwd, `forward, ${isa}, ${rows}×${N}`);
      assert.deepEqual(kernelReadoutBackward(r, dy, rows, N, basis, 'native'), bwd, `backward, ${isa}, ${rows}×${N}`);
    }
  }
  restoreNativeIsa();
});

test('bad arguments and a backward without its forward are reported as one sentence, never a crash', { skip }, () => {
  const addon = createRequire(import.meta.url)(nativeAddonPath()) as Record<string, (...a: unknown[]) => unknown>;
  const one = (f: () => unknown, re: RegExp): void =>
    assert.throws(f, (err: Error) => {
      assert.match(err.message, re);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    });
  one(() => addon.forward(new Int32Array(3)), /^native kernel: forward takes 7 arguments \(got 1\)$/);
  const params = new Int32Array(19);
  params.set([2, 3, 4, 2]);
  const f = (n: number): Float32Array => new Float32Array(n);
  one(() => addon.forward(params, 1, f(12), f(8), f(16), f(32), f(23)), /^native kernel: history has 23 values, expected 24$/);
  one(() => addon.forward(params, 1, new Float64Array(12), f(8), f(16), f(32), f(24)), /^native kernel: actions must be a Float32Array$/);
  one(() => addon.forward(params, 0, f(12), f(8), f(16), f(32), f(24)), /^native kernel: threads must be an integer >= 1$/);
  params[6] = 9;
  one(() => addon.forward(params, 1, f(12), f(8), f(16), f(32), f(24)), /^native kernel: unknown activation code 9$/);
  params[0] = 0;
  one(() => addon.forward(params, 1, f(0), f(0), f(16), f(32), f(0)), /^native kernel: shapes must be positive/);
  disposeKernels();
  one(() => addon.backward(f(24), f(12), f(8), f(16), f(32)), /^native kernel: backward called without a forward to pair with$/);
});

test('the multiply-add peak probe returns a positive rate for 1 and 2 threads and refuses a bad thread count in a sentence', { skip }, () => {
  for (const threads of [1, 2]) {
    const gflops = nativeFmaPeak(threads);
    assert.ok(gflops !== null && Number.isFinite(gflops) && gflops > 0, `fmaPeak(${threads}) = ${gflops}`);
  }
  assert.throws(() => nativeFmaPeak(0), /^Error: native kernel: threads must be an integer >= 1$/);
  assert.throws(() => nativeFmaPeak(1.5), /threads must be an integer >= 1/);
  assert.throws(() => nativeFmaPeak(1000), /fmaPeak's threads must be at most \d+/);
});
