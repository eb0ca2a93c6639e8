// The native GRU engine's own contract (its numbers against the tfjs graph and the reference:
// baselinesKernel.test.ts, baselinesGolden.test.ts): bit-for-bit reproducibility per thread count
// and ISA path, which outputs are independent of the thread count, recomputation after its memory
// was released, NaN propagation, one-sentence errors, and choosing the baselines' kernel.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  baselineKernelInfo,
  configureBaselineKernel,
  disposeBaselineKernel,
  fusedGruStack,
  nativeInfo,
  nativeUnavailableReason,
  selectBaselineKernel,
  type GruEngine,
  type GruStackInputs,
} from '../src/index.js';
import { nativeGruEngine } from '../src/baselines/kernel/gruNative.js';
import { baselinesAddon } from '../src/baselines/kernel/nativeAddon.js';
import { nativeOps } from '../src/baselines/kernel/nativeOps.js';
import { dropScale, dropThreshold, maskValues } from '../src/baselines/dropout.js';
import { relError } from './kernelHelpers.js';
import { NATIVE_ISAS, restoreNativeIsa } from './kernelVariants.js';
import { setNativeIsa } from '../src/kernel/index.js';
import { tf, useWasm } from './helpers.js';

await useWasm();
after(() => {
  configureBaselineKernel({});
  restoreNativeIsa();
  disposeBaselineKernel();
});

const skip = nativeUnavailableReason() === null ? false : `native addon unavailable: ${nativeUnavailableReason()}`;
const bits = (a: ArrayLike<number>): Buffer => Buffer.from(Float32Array.from(a).buffer);

function inputs(B: number, T: number, I: number, H: number, L: number, seed: number): GruStackInputs {
  return tf.tidy(() => ({
    x: tf.randomNormal([B, T, I], 0, 1, 'float32', seed) as tf.Tensor3D,
    h0: tf.randomNormal([L, B, H], 0, 0.5, 'float32', seed + 1) as tf.Tensor3D,
    layers: Array.from({ length: L }, (_, k) => ({
      wIh: tf.randomNormal([3 * H, k === 0 ? I : H], 0, 0.4, 'float32', seed + 10 * k + 2) as tf.Tensor2D,
      wHh: tf.randomNormal([3 * H, H], 0, 0.4, 'float32', seed + 10 * k + 3) as tf.Tensor2D,
      bIh: tf.randomNormal([3 * H], 0, 0.5, 'float32', seed + 10 * k + 4) as tf.Tensor1D,
      bHh: tf.randomNormal([3 * H], 0, 0.5, 'float32', seed + 10 * k + 5) as tf.Tensor1D,
    })),
    dropout: L > 1 ? { key: seed * 31 + 7, p: 0.25 } : undefined,
  }));
}

const flat = (inp: GruStackInputs): tf.Tensor[] => [inp.x, inp.h0, ...inp.layers.flatMap((w) => [w.wIh, w.wHh, w.bIh, w.bHh])];
const rebuild = (inp: GruStackInputs, xs: tf.Tensor[]): GruStackInputs => ({
  x: xs[0] as tf.Tensor3D,
  h0: xs[1] as tf.Tensor3D,
  layers: inp.layers.map((_, k) => ({ wIh: xs[2 + 4 * k] as tf.Tensor2D, wHh: xs[3 + 4 * k] as tf.Tensor2D, bIh: xs[4 + 4 * k] as tf.Tensor1D, bHh: xs[5 + 4 * k] as tf.Tensor1D })),
  dropout: inp.dropout,
});

/** [out, dx, dh0, then per layer dWih, dWhh, dbih, dbhh] of Σ out·G on the native engine. */
function run(inp: GruStackInputs, threads: number, between?: () => void): Float32Array[] {
  return tf.tidy(() => {
    const xs = flat(inp);
    const out = fusedGruStack(inp, { engine: nativeGruEngine, threads });
    const G = tf.randomNormal(out.shape, 0, 1, 'float32', 5);
    const grads = tf.grads((...v: tf.Tensor[]) => {
      const y = fusedGruStack(rebuild(inp, v), { engine: nativeGruEngine, threads });
      between?.();
      return tf.sum(tf.mul(y, G));
    })(xs);
    return [out, ...grads].map((t) => Float32Array.from(t.dataSync()));
  });
}

// H = 20, and H = 176, whose products run in blocks of k that resume their sums (kernel.h's KC).
for (const [B, T, H] of [[7, 9, 20], [5, 4, 176]]) {
  test(`per ISA path and thread count, results repeat bit for bit; out, dx and dh0 do not depend on the thread count (H=${H})`, { skip }, () => {
    const inp = inputs(B, T, 1, H, 2, 3);
    for (const isa of NATIVE_ISAS) {
      setNativeIsa(isa);
      const byThreads = [1, 2, 3].map((threads) => {
        const a = run(inp, threads);
        const b = run(inp, threads);
        a.forEach((x, i) => assert.ok(bits(x).equals(bits(b[i])), `${isa}, ${threads} threads, output ${i}: two runs differ`));
        return a;
      });
      for (const r of byThreads.slice(1)) {
        for (let i = 0; i < 3; i++) assert.ok(bits(r[i]).equals(bits(byThreads[0][i])), `${isa}: output ${i} depends on the thread count`);
        // The weight gradients are summed per slice, then across slices: another grouping of one sum.
        for (let i = 3; i < r.length; i++) assert.ok(relError(tf.tensor(r[i]), tf.tensor(byThreads[0][i])) < 1e-5, `${isa}: weight gradient ${i}`);
      }
    }
    restoreNativeIsa();
    tf.dispose(flat(inp));
  });
}

/** An encoder layer's output and gradients on the native kernel (d 16, ff 32: every linear step native on every path). */
function encoderRun(xs: tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const [x, inW, inB, outW, outB, l1W, l1B, l2W, l2B, n1g, n1b, n2g, n2b] = xs;
    const f = (...v: tf.Tensor[]) => {
      const y = nativeOps.encoderLayer(v[0] as tf.Tensor3D, { inW: v[1], inB: v[2], outW: v[3], outB: v[4], l1W: v[5], l1B: v[6], l2W: v[7], l2B: v[8], n1g, n1b, n2g, n2b }, 2, { attn: null, attnOut: null, hidden: null, ffOut: null });
      return tf.sum(tf.mul(y, tf.sin(tf.reshape(tf.range(0, y.size), y.shape))));
    };
    const { value, grads } = tf.valueAndGrads(f)([x, inW, inB, outW, outB, l1W, l1B, l2W, l2B]);
    return [value, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

test("the encoder layer's native steps repeat bit for bit and do not depend on the thread count", { skip }, () => {
  const [B, S, d, ff] = [3, 10, 16, 32];
  const shapes = [[B, S, d], [3 * d, d], [3 * d], [d, d], [d], [ff, d], [ff], [d, ff], [d], [d], [d], [d], [d]];
  const xs = shapes.map((sh, i) => tf.randomNormal(sh, i >= 9 && i % 2 === 1 ? 1 : 0, 0.3, 'float32', 90 + i));
  try {
    for (const isa of NATIVE_ISAS) {
      setNativeIsa(isa);
      const byThreads = [1, 2, 3].map((threads) => {
        configureBaselineKernel({ threads });
        const a = encoderRun(xs);
        const b = encoderRun(xs);
        a.forEach((x, i) => assert.ok(bits(x).equals(bits(b[i])), `${isa}, ${threads} threads, output ${i}: two runs differ`));
        return a;
      });
      // The loss, dx and the linear weights' gradients: every one a sum in a fixed order (the
      // attention and the activation split by sequences and elements, the linear steps as linear.h says).
      for (const r of byThreads.slice(1)) r.forEach((x, i) => assert.ok(bits(x).equals(bits(byThreads[0][i])), `${isa}: output ${i} depends on the thread count`));
    }
  } finally {
    configureBaselineKernel({});
    restoreNativeIsa();
    tf.dispose(xs);
  }
});

test('denseLinear equals a float64 product on every ISA path: forward, dW and db, dx written, added to or not wanted; any thread count', { skip }, () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  // Widths that fit every path's vector width; K = 576 runs every path's products in blocks of k,
  // M = 300 the weight gradients over two chunks of rows, M = 1 leaves threads without rows.
  for (const [M, N, K] of [[1, 16, 16], [300, 48, 160], [7, 32, 576]]) {
    const at = { x: 0, w: M * K, b: M * K + N * K, y: M * K + N * K + N, dy: M * K + N * K + N + M * N };
    const dxAt = at.dy + M * N;
    const memory = new Float32Array(dxAt + M * K);
    for (let i = 0; i < dxAt; i++) memory[i] = rand();
    const x = memory.slice(at.x, at.x + M * K), w = memory.slice(at.w, at.w + N * K), b = memory.slice(at.b, at.b + N), dy = memory.slice(at.dy, at.dy + M * N);
    const prior = Float32Array.from({ length: M * K }, rand);
    // Each entry's float64 value and the sum of its terms' magnitudes (the scale of float32 rounding).
    const dot = (n: number, term: (i: number) => number, base = 0): [number, number] => {
      let v = base, a = Math.abs(base);
      for (let i = 0; i < n; i++) { const t = term(i); v += t; a += Math.abs(t); }
      return [v, a];
    };
    const near = (got: Float32Array, want: (i: number) => [number, number], what: string) => {
      for (let i = 0; i < got.length; i++) {
        const [v, a] = want(i);
        assert.ok(Math.abs(got[i] - v) <= 1e-6 * a + 1e-30, `${what}[${i}]: ${got[i]} vs ${v}`);
      }
    };
    for (const isa of NATIVE_ISAS) {
      setNativeIsa(isa);
      for (const threads of [1, 3]) {
        const label = `${isa}, M ${M} N ${N} K ${K}, ${threads} threads`;
        const call = (p: number[], dw = new Float32Array(N * K), db = new Float32Array(N)) => {
          assert.equal(baselinesAddon().denseLinear(Float64Array.from(p), memory, dw, db), true, `${label}: declined`);
          return [dw, db];
        };
        call([0, M, N, K, N, K, threads, at.x, at.w, at.b, at.y, -1, -1, 0]);
        near(memory.subarray(at.y, at.y + M * N), (i) => dot(K, (k) => x[Math.floor(i / N) * K + k] * w[(i % N) * K + k], b[i % N]), `${label}: y`);
        const dW = (i: number) => dot(M, (m) => dy[m * N + Math.floor(i / K)] * x[m * K + (i % K)]);
        const dB = (i: number) => dot(M, (m) => dy[m * N + i]);
        const dX = (i: number, base: number) => dot(N, (n) => dy[Math.floor(i / K) * N + n] * w[n * K + (i % K)], base);
        const [dw, db] = call([1, M, N, K, N, K, threads, at.x, at.w, -1, -1, at.dy, -1, 0]);
        near(dw, dW, `${label}: dW`);
        near(db, dB, `${label}: db`);
        memory.fill(5, dxAt);
        call([1, M, N, K, N, K, threads, at.x, at.w, -1, -1, at.dy, dxAt, 0]);
        near(memory.subarray(dxAt), (i) => dX(i, 0), `${label}: dx`);
        memory.set(prior, dxAt);
        call([1, M, N, K, N, K, threads, at.x, at.w, -1, -1, at.dy, dxAt, 1]);
        near(memory.subarray(dxAt), (i) => dX(i, prior[i]), `${label}: dx added`);
      }
    }
  }
  restoreNativeIsa();
});

test('denseActivation: gelu and relu with and without dropout equal their closed forms on every ISA path, any thread count', { skip }, () => {
  // Φ in float64: erf's Taylor series for |z| ≤ 3 (terms below e^9, so ~1e-12 absolute); beyond,
  // erfc's continued fraction e^{−z²}/(√π (z + (1/2)/(z + 1/(z + (3/2)/(z + …))))), accurate there.
  const erfc = (z: number): number => {
    if (z <= 3) {
      let term = z, sum = z;
      for (let k = 1; k < 100; k++) {
        term *= (-z * z) / k;
        sum += term / (2 * k + 1);
      }
      return 1 - (2 / Math.sqrt(Math.PI)) * sum;
    }
    let cf = z;
    for (let k = 60; k >= 1; k--) cf = z + k / 2 / cf;
    return Math.exp(-z * z) / (Math.sqrt(Math.PI) * cf);
  };
  const Phi = (x: number) => (x >= 0 ? 1 - 0.5 * erfc(x / Math.SQRT2) : 0.5 * erfc(-x / Math.SQRT2));
  const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  const n = 4800;
  const drop = { key: 4242, p: 0.3 };
  const mask = maskValues(drop, n);
  const memory = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) memory[i] = -8 + (16 * i) / n + 0.001 * Math.sin(i);
  memory.subarray(n, 2 * n).forEach((_, i, a) => (a[i] = Math.cos(i)));
  const x = memory.slice(0, n), dy = memory.slice(n, 2 * n);
  const F = { gelu: (v: number) => v * Phi(v), relu: (v: number) => Math.max(v, 0) };
  const dF = { gelu: (v: number) => Phi(v) + v * phi(v), relu: (v: number) => (v > 0 ? 1 : 0) };
  for (const isa of NATIVE_ISAS) {
    setNativeIsa(isa);
    for (const threads of [1, 3]) {
      for (const kind of ['gelu', 'relu'] as const) {
        for (const masked of [false, true]) {
          const words = masked ? [1, drop.key, dropThreshold(drop.p), dropScale(drop.p)] : [0, 0, 0, 1];
          const m = (i: number) => (masked ? mask[i] : 1);
          const label = `${isa}, ${threads} threads, ${kind}${masked ? ', dropout' : ''}`;
          assert.equal(baselinesAddon().denseActivation(Float64Array.from([0, n, threads, kind === 'gelu' ? 1 : 0, 0, 2 * n, 0, 0, ...words]), memory), true, label);
          for (let i = 0; i < n; i++) {
            const want = F[kind](x[i]) * m(i);
            assert.ok(Math.abs(memory[2 * n + i] - want) <= 2e-6 * Math.abs(want) + 1e-6, `${label}: y[${i}] (x ${x[i]}): ${memory[2 * n + i]} vs ${want}`);
          }
          assert.equal(baselinesAddon().denseActivation(Float64Array.from([1, n, threads, kind === 'gelu' ? 1 : 0, 0, 0, n, 2 * n, ...words]), memory), true, label);
          for (let i = 0; i < n; i++) {
            const want = dy[i] * m(i) * dF[kind](x[i]);
            assert.ok(Math.abs(memory[2 * n + i] - want) <= 2e-6 * Math.abs(want) + 1e-6, `${label}: dx[${i}] (x ${x[i]}): ${memory[2 * n + i]} vs ${want}`);
          }
        }
      }
    }
    // 20 floats are a multiple of the portable path's 4 lanes only; a declined call writes nothing.
    memory.fill(7, 2 * n);
    const ran = baselinesAddon().denseActivation(Float64Array.from([0, 20, 1, 1, 0, 2 * n, 0, 0, 0, 0, 0, 1]), memory);
    assert.equal(ran, isa === 'portable', isa);
    if (!ran) assert.ok(memory.subarray(2 * n, 2 * n + 20).every((v) => v === 7), `${isa}: a declined call wrote nothing`);
  }
  restoreNativeIsa();
  assert.throws(() => baselinesAddon().denseActivation(Float64Array.from([0, 64, 1, 1, 0, 32, 0, 0, 0, 0, 0, 1]), memory), (e: Error) => /^native activation: the output partly overlaps an input$/.test(e.message));
  assert.throws(() => baselinesAddon().denseActivation(Float64Array.from([0, 64, 1, 1, 3 * n - 32, 0, 0, 0, 0, 0, 0, 1]), memory), (e: Error) => /^native activation: x runs past the end of memory$/.test(e.message));
});

test('bad native attention calls are one-sentence errors', { skip }, () => {
  const memory = new Float32Array(4096);
  // [backward, B, S, D, nhead, threads, qkv, out, dout, dqkv, masked, key, threshold, scale]
  const cases: [number[], RegExp][] = [
    [[0, 2, 4, 12, 5, 1, 0, 1024, 0, 0, 0, 0, 0, 1], /^native attention: nhead must divide D$/],
    [[0, 2, 4, 12, 13, 1, 0, 1024, 0, 0, 0, 0, 0, 1], /^native attention: nhead must be an integer in \[1, 12\]$/],
    [[0, 2, 4, 12, 3, 1, 4000, 1024, 0, 0, 0, 0, 0, 1], /^native attention: qkv runs past the end of memory$/],
    [[0, 2, 4, 12, 3, 1, 0, 100, 0, 0, 0, 0, 0, 1], /^native attention: the output overlaps an input$/],
    [[1, 2, 4, 12, 3, 1, 0, 0, 1024, 200, 0, 0, 0, 1], /^native attention: the output overlaps an input$/],
  ];
  for (const [p, message] of cases) {
    assert.throws(() => baselinesAddon().denseAttention(Float64Array.from(p), memory), (e: Error) => message.test(e.message) && !e.message.includes('\n'), message.source);
  }
});

test('bad native linear calls are one-sentence errors; widths off the vector width are declined, not run', { skip }, () => {
  const memory = new Float32Array(4096);
  // [backward, M, N, K, NP, KP, threads, x, w, b, y, dy, dx, acc]
  const call = (p: number[]) => baselinesAddon().denseLinear(Float64Array.from(p), memory, new Float32Array(p[2] * p[3]), new Float32Array(p[2]));
  const cases: [number[], RegExp][] = [
    [[0, 0, 16, 16, 16, 16, 1, 0, 512, 768, 1024, -1, -1, 0], /^native linear: M must be an integer in \[1, \d+\]$/],
    [[0, 4, 16, 16, 12, 16, 1, 0, 512, 768, 1024, -1, -1, 0], /^native linear: NP must be an integer in \[16, \d+\]$/],
    [[0, 4, 16, 16, 16, 16, 1, 4090, 512, 768, 1024, -1, -1, 0], /^native linear: x runs past the end of memory$/],
    [[0, 4, 16, 16, 16, 16, 1, 0, 512, -1, 1024, -1, -1, 0], /^native linear: the forward needs b and y$/],
    [[1, 4, 16, 16, 16, 16, 1, 0, 512, -1, -1, -1, 1024, 0], /^native linear: the backward needs dy$/],
    [[0, 4, 16, 16, 16, 16, 1, 0, 512, 768, 32, -1, -1, 0], /^native linear: y overlaps x$/],
    [[1, 4, 16, 16, 16, 16, 1, 0, 512, -1, -1, 1024, 1040, 0], /^native linear: dx overlaps dy$/],
  ];
  for (const [p, message] of cases) assert.throws(() => call(p), (e: Error) => message.test(e.message) && !e.message.includes('\n'), message.source);
  // A width of 4 is a multiple of the portable path's lanes only.
  for (const isa of NATIVE_ISAS) {
    setNativeIsa(isa);
    const y = memory.subarray(1024, 1024 + 16);
    y.fill(7);
    const ran = call([0, 4, 4, 4, 4, 4, 1, 0, 512, 768, 1024, -1, -1, 0]);
    assert.equal(ran, isa === 'portable', isa);
    if (!ran) assert.ok(y.every((v) => v === 7), `${isa}: a declined call wrote nothing`);
  }
  restoreNativeIsa();
});

test('the ISA paths agree to float32 rounding', { skip }, () => {
  const inp = inputs(5, 6, 1, 24, 2, 11);
  const results = NATIVE_ISAS.map((isa) => {
    setNativeIsa(isa);
    return run(inp, 2);
  });
  restoreNativeIsa();
  for (const r of results.slice(1)) r.forEach((x, i) => assert.ok(relError(tf.tensor(x), tf.tensor(results[0][i])) < 1e-5, `output ${i}`));
  tf.dispose(flat(inp));
});

test('a backward whose forward state was released recomputes it, with the same bits', { skip }, () => {
  const inp = inputs(6, 5, 1, 16, 2, 21);
  const plain = run(inp, 2);
  const released = run(inp, 2, () => disposeBaselineKernel());
  plain.forEach((x, i) => assert.ok(bits(x).equals(bits(released[i])), `output ${i}`));
  tf.dispose(flat(inp));
});

test('a NaN weight gives NaN outputs and gradients, not a crash', { skip }, () => {
  const inp = inputs(3, 4, 1, 8, 2, 31);
  const bad = tf.tidy(() => {
    const w = inp.layers[0].wHh.dataSync().slice();
    w[5] = NaN;
    return tf.tensor2d(w, inp.layers[0].wHh.shape as [number, number]);
  });
  const nan = run({ ...inp, layers: [{ ...inp.layers[0], wHh: bad }, inp.layers[1]] }, 1);
  nan.forEach((x, i) => assert.ok(x.some(Number.isNaN), `output ${i} has NaN`));
  tf.dispose([...flat(inp), bad]);
});

test('bad calls are one-sentence errors', { skip }, () => {
  const dims = { B: 2, T: 3, I: 1, H: 4, L: 2 };
  const ok = {
    dims,
    x: new Float32Array(6),
    h0: new Float32Array(16),
    wIh: [new Float32Array(12), new Float32Array(48)],
    wHh: [new Float32Array(48), new Float32Array(48)],
    bIh: [new Float32Array(12), new Float32Array(12)],
    bHh: [new Float32Array(12), new Float32Array(12)],
    dropout: null,
  };
  const cases: [object, RegExp][] = [
    [{ wHh: [new Float32Array(48), new Float32Array(47)] }, /^native kernel: wHh\[1\] has 47 values, expected 48$/],
    [{ bIh: [new Float32Array(12)] }, /^native GRU: bIh must be an array of 2 Float32Arrays$/],
    [{ dims: { ...dims, L: 17 } }, /^native GRU: L must be an integer in \[1, 16\]$/],
    [{ dims: { ...dims, L: 1 }, dropout: { key: 1, p: 0.5 }, wIh: [new Float32Array(12)], wHh: [new Float32Array(48)], bIh: [new Float32Array(12)], bHh: [new Float32Array(12)], h0: new Float32Array(8) }, /^native GRU: dropout needs at least two layers/],
  ];
  for (const [change, message] of cases) {
    assert.throws(() => nativeGruEngine.forward(1, { ...ok, ...change }, 1, new Float32Array(24)), (e: Error) => message.test(e.message) && !e.message.includes('\n'), JSON.stringify(Object.keys(change)));
  }
  assert.throws(() => nativeGruEngine.forward(1, ok, 0, new Float32Array(24)), (e: Error) => /^native GRU: threads must be an integer in \[1, \d+\]$/.test(e.message));
});

test('auto picks the native GRU on CPU backends and the tfjs graph on the GPU, in one line each; explicit kernels pass through', { skip }, () => {
  restoreNativeIsa();
  const lines: string[] = [];
  for (const backend of ['wasm', 'cpu', 'tfjs-node']) assert.equal(selectBaselineKernel('auto', backend, (l) => lines.push(l)), 'native');
  assert.equal(selectBaselineKernel('auto', 'tfjs-node-gpu', (l) => lines.push(l)), 'tfjs');
  assert.deepEqual(lines, [
    ...Array(3).fill(`baselines kernel: native ${nativeInfo().isa} (skipped wasm and tfjs: slower on CPU backends)`),
    'baselines kernel: tfjs (skipped native and wasm: the tfjs-node-gpu backend runs the tfjs graph faster)',
  ]);
  for (const k of ['tfjs', 'wasm', 'native']) assert.equal(selectBaselineKernel(k, 'wasm', () => assert.fail('explicit choices log nothing')), k);
  assert.throws(() => selectBaselineKernel('fused', 'wasm'), (e: Error) => e.name === 'UsageError' && e.message === 'kernel: expected one of auto, tfjs, wasm, native (got "fused")');
  configureBaselineKernel({ threads: 3 });
  const info = baselineKernelInfo('native');
  assert.equal(info.kernel, 'native');
  assert.match(info.isa, new RegExp(`^${nativeInfo().isa}\\+(relaxed-simd|simd)$`));
  assert.equal(info.threads, 3);
  configureBaselineKernel({});
});

test('without the addon, auto picks wasm and says why in one line; an explicit native is bad input', () => {
  const select = JSON.stringify(fileURLToPath(new URL('../src/baselines/kernel/select.ts', import.meta.url)));
  const body = `
    import { selectBaselineKernel } from ${select};
    const lines = [];
    const kernel = selectBaselineKernel('auto', 'wasm', (l) => lines.push(l));
    let explicit = '';
    try { selectBaselineKernel('native', 'wasm'); } catch (err) { explicit = err.name + ': ' + err.message; }
    process.stdout.write(JSON.stringify({ kernel, lines, explicit }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', body], { env: { ...process.env, RING_NATIVE_ADDON: '/nonexistent/ring_native.node' }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.kernel, 'wasm');
  assert.deepEqual(out.lines, [
    'baselines kernel: wasm (skipped native: not built (no /nonexistent/ring_native.node; npx nx run model:build-native builds it where a C++ compiler exists); tfjs: slower on CPU backends)',
  ]);
  assert.match(out.explicit, /^UsageError: kernel: expected an available kernel \(native is not built .*; use auto or wasm\) \(got "native"\)$/);
});

test('a GRU forward that fails leaves no tensor and no heap block behind (its output is allocated before the call)', () => {
  const [B, T, H] = [2, 3, 4];
  const inputs: GruStackInputs = {
    x: tf.zeros([B, T, 1]) as tf.Tensor3D,
    h0: tf.zeros([1, B, H]) as tf.Tensor3D,
    layers: [{ wIh: tf.zeros([3 * H, 1]) as tf.Tensor2D, wHh: tf.zeros([3 * H, H]) as tf.Tensor2D, bIh: tf.zeros([3 * H]) as tf.Tensor1D, bHh: tf.zeros([3 * H]) as tf.Tensor1D }],
  };
  const failing: GruEngine = {
    name: 'failing',
    forward: () => {
      throw new Error('engine failed');
    },
    backward: () => {
      throw new Error('unreachable');
    },
    dispose: () => {},
  };
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const [tensors, blocks] = [tf.memory().numTensors, backend.numDataIds()];
  assert.throws(() => fusedGruStack(inputs, { engine: failing }), /^Error: engine failed$/);
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(backend.numDataIds(), blocks);
  tf.dispose([inputs.x, inputs.h0, ...Object.values(inputs.layers[0])]);
});
