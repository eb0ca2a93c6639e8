/**
 * The fused baselines kernels against the tfjs graph (the contracts of src/baselines/gruStack.ts and
 * src/baselines/ops.ts): values and every gradient, with dropout active, odd and model-like sizes,
 * one and two threads; the GRU stack and its head on the wasm kernel and the native one on every ISA path. Errors are norm-relative, ‖fused − tfjs‖₂ / ‖tfjs‖₂ over each tensor, < 1e-4.
 */
import { test, after } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import {
  baselineKernelMemoryBytes,
  configureBaselineKernel,
  disposeBaselineKernel,
  fusedGruStack,
  fusedOps,
  gruStackTfjs,
  tfjsOps,
  type DenseOps,
  type DropoutSpec,
  type GruStackInputs,
} from '../src/index.js';
import { relError } from './kernelHelpers.js';
import { GRU_VARIANTS } from './baselineVariants.js';
import { nativeOps } from '../src/baselines/kernel/nativeOps.js';
import { restoreNativeIsa } from './kernelVariants.js';
import { tf, useWasm } from './helpers.js';

await useWasm();
after(() => {
  configureBaselineKernel({});
  restoreNativeIsa();
  disposeBaselineKernel();
});

const TOL = 1e-4;

/** Value and gradients of Σ f(inputs)·G for a fixed random cotangent G, one per input. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], seed: number): tf.Tensor[] {
  return tf.tidy(() => {
    const value = f(...inputs);
    const G = tf.randomNormal(value.shape, 0, 1, 'float32', seed);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), G)))(inputs);
    return [value, ...grads];
  });
}

function compare(what: string, got: tf.Tensor[], want: tf.Tensor[], names: string[]): void {
  want.forEach((w, i) => {
    assert.deepEqual(got[i].shape, w.shape, `${what} ${names[i]} shape`);
    // A vanishing reference would make the comparison vacuous.
    assert.ok(tf.tidy(() => tf.norm(w).dataSync()[0]) > 1e-3, `${what} ${names[i]}: the reference is ~0`);
    const err = relError(got[i], w);
    assert.ok(err < TOL, `${what} ${names[i]}: relative error ${err}`);
  });
  tf.dispose([...got, ...want]);
}

function gruInputs(B: number, T: number, I: number, H: number, L: number, seed: number, masked: boolean): GruStackInputs {
  return tf.tidy(() => ({
    x: tf.randomNormal([B, T, I], 0, 1, 'float32', seed) as tf.Tensor3D,
    h0: tf.randomNormal([L, B, H], 0, 0.5, 'float32', seed + 1) as tf.Tensor3D,
    layers: Array.from({ length: L }, (_, k) => ({
      wIh: tf.randomNormal([3 * H, k === 0 ? I : H], 0, 0.5, 'float32', seed + 10 * k + 2) as tf.Tensor2D,
      wHh: tf.randomNormal([3 * H, H], 0, 0.5, 'float32', seed + 10 * k + 3) as tf.Tensor2D,
      bIh: tf.randomNormal([3 * H], 0, 0.5, 'float32', seed + 10 * k + 4) as tf.Tensor1D,
      bHh: tf.randomNormal([3 * H], 0, 0.5, 'float32', seed + 10 * k + 5) as tf.Tensor1D,
    })),
    dropout: masked ? { key: seed * 7919, p: 0.3 } : undefined,
  }));
}

function flatten(inp: GruStackInputs): tf.Tensor[] {
  return [inp.x, inp.h0, ...inp.layers.flatMap((w) => [w.wIh, w.wHh, w.bIh, w.bHh])];
}

function rebuild(inp: GruStackInputs, xs: tf.Tensor[]): GruStackInputs {
  const L = inp.layers.length;
  return {
    x: xs[0] as tf.Tensor3D,
    h0: xs[1] as tf.Tensor3D,
    layers: Array.from({ length: L }, (_, k) => ({ wIh: xs[2 + 4 * k] as tf.Tensor2D, wHh: xs[3 + 4 * k] as tf.Tensor2D, bIh: xs[4 + 4 * k] as tf.Tensor1D, bHh: xs[5 + 4 * k] as tf.Tensor1D })),
    dropout: inp.dropout,
  };
}

const GRU_CASES: [string, number, number, number, number, number, boolean][] = [
  ['odd sizes B=5 T=7 I=3 H=6 L=1', 5, 7, 3, 6, 1, false],
  ['B=6 T=9 I=1 H=10 L=3 with dropout between layers', 6, 9, 1, 10, 3, true],
  ['model-like B=16 T=12 I=1 H=32 L=2 with masks', 16, 12, 1, 32, 2, true],
  ['a wide input and one step, B=3 T=1 I=20 H=6 L=2', 3, 1, 20, 6, 2, true],
  ['H off every vector width, B=9 T=5 I=1 H=40 L=2', 9, 5, 1, 40, 2, true],
  // Past kernel.h's KC rows of k (128 on avx2, 64 on avx512/wide16, 512 on portable) products run in
  // blocks that resume their partial sums: here the recurrent products of every path but portable's
  // forward, and the gate-gradient product (k = 3·176) on every path.
  ['products in blocks of k, B=4 T=4 I=1 H=176 L=2', 4, 4, 1, 176, 2, true],
];

for (const v of GRU_VARIANTS) {
  for (const threads of [1, 2]) {
    for (const [name, B, T, I, H, L, masked] of GRU_CASES) {
      test(`${v.label} GRU stack = tfjs graph, ${name}, threads=${threads}`, () => {
        v.select();
        const inp = gruInputs(B, T, I, H, L, B + T + H, masked);
        const xs = flatten(inp);
        const names = ['out', 'dx', 'dh0', ...inp.layers.flatMap((_, k) => [`dWih${k}`, `dWhh${k}`, `dbih${k}`, `dbhh${k}`])];
        const before = tf.memory().numTensors;
        const want = valueAndGrads((...x) => gruStackTfjs(rebuild(inp, x)), xs, 3);
        const got = valueAndGrads((...x) => fusedGruStack(rebuild(inp, x), { threads, engine: v.engine }), xs, 3);
        compare(name, got, want, names);
        assert.equal(tf.memory().numTensors, before, 'no tensors leak');
        tf.dispose(xs);
      });
    }
  }

  test(`${v.label} GRU stack: a backward after another forward recomputes its own state`, () => {
    v.select();
    const a = gruInputs(4, 5, 1, 8, 2, 1, true);
    const b = gruInputs(3, 6, 1, 8, 2, 2, false);
    const xs = flatten(a);
    tf.tidy(() => {
      const want = tf.grads((...x: tf.Tensor[]) => tf.sum(gruStackTfjs(rebuild(a, x))))(xs);
      // The gradient function of a's forward runs after b's forward replaced the kernel's memory.
      const got = tf.grads((...x: tf.Tensor[]) => {
        const ya = fusedGruStack(rebuild(a, x), { engine: v.engine });
        const yb = fusedGruStack(b, { engine: v.engine });
        return tf.add(tf.sum(ya), tf.mul(tf.sum(yb), 0));
      })(xs);
      got.forEach((g, i) => assert.ok(relError(g, want[i]) < TOL, `input ${i}: ${relError(g, want[i])}`));
    });
    tf.dispose([...xs, ...flatten(b)]);
  });
}

/** Both implementations of one dense op, on the same inputs. */
/** The fused implementations of the dense ops: wasm, and (for the ops it replaces) the native one on each ISA path. */
const WASM_OPS: [string, DenseOps, () => void][] = [['fused', fusedOps, () => {}]];
const NATIVE_OPS: [string, DenseOps, () => void][] = GRU_VARIANTS.filter((v) => v.kernel === 'native').map((v) => [v.label, nativeOps, v.select]);

function opCase(name: string, inputs: () => tf.Tensor[], run: (ops: DenseOps, xs: tf.Tensor[]) => tf.Tensor, impls = WASM_OPS): void {
  for (const [label, ops, select] of impls) {
    for (const threads of [1, 2]) {
      test(`${label} ${name} = tfjs, threads=${threads}`, () => {
        select();
        configureBaselineKernel({ threads });
        const xs = inputs();
        const before = tf.memory().numTensors;
        const want = valueAndGrads((...v) => run(tfjsOps, v), xs, 5);
        const got = valueAndGrads((...v) => run(ops, v), xs, 5);
        compare(name, got, want, ['value', ...xs.map((_, i) => `d${i}`)]);
        assert.equal(tf.memory().numTensors, before, 'no tensors leak');
        tf.dispose(xs);
        configureBaselineKernel({});
      });
    }
  }
}

const drop: DropoutSpec = { key: 12345, p: 0.2 };
const rnd = (shape: number[], seed: number, std = 1): tf.Tensor => tf.randomNormal(shape, 0, std, 'float32', seed);

opCase('linear (rows 3×7, in 5, out 6)', () => [rnd([3, 7, 5], 1), rnd([6, 5], 2), rnd([6], 3)], (ops, [x, w, b]) => ops.linear(x, w, b));
opCase('linear (in 1, out 2: padded both ways)', () => [rnd([9, 1], 4), rnd([2, 1], 5), rnd([2], 6)], (ops, [x, w, b]) => ops.linear(x, w, b));
opCase('linear (rows 257, in 64, out 192)', () => [rnd([257, 64], 7), rnd([192, 64], 8, 0.1), rnd([192], 9)], (ops, [x, w, b]) => ops.linear(x, w, b));
opCase('gelu with dropout (13 elements)', () => [rnd([13], 10, 2)], (ops, [x]) => ops.activation(x, 'gelu', drop));
opCase('relu with dropout', () => [rnd([4, 33], 11)], (ops, [x]) => ops.activation(x, 'relu', drop));
opCase('gelu without dropout', () => [rnd([2, 3, 40], 12, 3)], (ops, [x]) => ops.activation(x, 'gelu', null));
opCase('LayerNorm (width 6)', () => [rnd([5, 6], 13), rnd([6], 14), rnd([6], 15)], (ops, [x, g, b]) => ops.addNorm(x, null, g, b, null));
opCase('add + dropout + LayerNorm (width 10)', () => [rnd([3, 4, 10], 16), rnd([3, 4, 10], 17), rnd([10], 18), rnd([10], 19)], (ops, [x, y, g, b]) => ops.addNorm(x, y, g, b, drop));
opCase('causal attention, 2 heads of 4, S=7, dropout', () => [rnd([3, 7, 24], 20)], (ops, [qkv]) => ops.attention(qkv as tf.Tensor3D, 2, drop));
opCase('causal attention, 3 heads of 2, S=10', () => [rnd([2, 10, 18], 21)], (ops, [qkv]) => ops.attention(qkv as tf.Tensor3D, 3, null));
opCase('causal attention, 8 heads of 8, S=13, dropout', () => [rnd([5, 13, 192], 22)], (ops, [qkv]) => ops.attention(qkv as tf.Tensor3D, 8, drop));

/** An encoder layer's parameters (PyTorch shapes) and input. */
function encoderCase(B: number, S: number, d: number, ff: number, seed: number): tf.Tensor[] {
  const shapes = [[B, S, d], [3 * d, d], [3 * d], [d, d], [d], [ff, d], [ff], [d, ff], [d], [d], [d], [d], [d]];
  return shapes.map((s, i) => (i >= 9 && i % 2 === 1 ? tf.add(1, rnd(s, seed + i, 0.2)) : rnd(s, seed + i, i === 0 ? 1 : 0.3)));
}

function runEncoder(ops: DenseOps, xs: tf.Tensor[], nhead: number, dropping: boolean): tf.Tensor {
  const [x, inW, inB, outW, outB, l1W, l1B, l2W, l2B, n1g, n1b, n2g, n2b] = xs;
  const d = (key: number) => (dropping ? { key, p: 0.25 } : null);
  return ops.encoderLayer(x as tf.Tensor3D, { inW, inB, outW, outB, l1W, l1B, l2W, l2B, n1g, n1b, n2g, n2b }, nhead, { attn: d(1), attnOut: d(2), hidden: d(3), ffOut: d(4) });
}

// The native kernel runs the layer's linear steps where their padded widths fit its vector width
// (4 floats on portable, 8 on avx2, 16 on avx512 and wide16), else the wasm steps: d 8, ff 12 runs
// all four in wasm on the 16-lane paths, and partly on avx2.
const ENCODER_IMPLS = [...WASM_OPS, ...NATIVE_OPS];
opCase('encoder layer (d 8, 2 heads, ff 12, S 7), resident activations, dropout', () => encoderCase(3, 7, 8, 12, 30), (ops, xs) => runEncoder(ops, xs, 2, true), ENCODER_IMPLS);
opCase('encoder layer (d 16, 4 heads, ff 32, S 5), no dropout', () => encoderCase(2, 5, 16, 32, 40), (ops, xs) => runEncoder(ops, xs, 4, false), ENCODER_IMPLS);
opCase('encoder layer (d 6, 3 heads, ff 10: stateless ops), dropout', () => encoderCase(2, 6, 6, 10, 50), (ops, xs) => runEncoder(ops, xs, 3, true), ENCODER_IMPLS);
opCase('encoder layer (d 64, 8 heads, ff 128, S 9: the shipped size), dropout', () => encoderCase(2, 9, 64, 128, 70), (ops, xs) => runEncoder(ops, xs, 8, true), ENCODER_IMPLS);
opCase('encoder layer (d 12, 4 heads of 3, ff 16, S 1), dropout', () => encoderCase(3, 1, 12, 16, 85), (ops, xs) => runEncoder(ops, xs, 4, true), ENCODER_IMPLS);
opCase('encoder layer (d 36, 4 heads of 9, ff 40, S 70), dropout', () => encoderCase(2, 70, 36, 40, 88), (ops, xs) => runEncoder(ops, xs, 4, true), ENCODER_IMPLS);
opCase('encoder layer (d 32, 4 heads, ff 160, S 6: products in blocks of k on avx2 and the 16-lane paths)', () => encoderCase(2, 6, 32, 160, 75), (ops, xs) => runEncoder(ops, xs, 4, false), ENCODER_IMPLS);
opCase('encoder layer (d 16, 2 heads, ff 32, S 70: weight gradients over several chunks of rows)', () => encoderCase(4, 70, 16, 32, 80), (ops, xs) => runEncoder(ops, xs, 2, false), ENCODER_IMPLS);

test('fused encoder layer: a backward whose activations were dropped recomputes them; untaped forwards keep nothing', () => {
  const xs = encoderCase(2, 6, 8, 16, 60);
  tf.tidy(() => {
    const want = tf.grads((...v: tf.Tensor[]) => tf.sum(runEncoder(tfjsOps, v, 2, true)))(xs);
    // Disposing the kernel between the forward and the backward drops the resident activations.
    const got = tf.grads((...v: tf.Tensor[]) => {
      const y = runEncoder(fusedOps, v, 2, true);
      disposeBaselineKernel();
      return tf.sum(y);
    })(xs);
    got.forEach((g, i) => assert.ok(relError(g, want[i]) < TOL, `input ${i}: ${relError(g, want[i])}`));
  });
  tf.tidy(() => runEncoder(fusedOps, xs, 2, false));
  const bytes = baselineKernelMemoryBytes();
  for (let i = 0; i < 10; i++) tf.tidy(() => runEncoder(fusedOps, xs, 2, false));
  assert.equal(baselineKernelMemoryBytes(), bytes, 'forwards outside a gradient tape keep no activations');
  tf.dispose(xs);
});

test('the baselines module has no static data, globals or allocator: its memory layout is the host\'s alone', () => {
  for (const file of ['baselines.wasm', 'baselines-fma.wasm']) {
    const bytes = readFileSync(join(import.meta.dirname, '..', 'build', file));
    const sections: number[] = [];
    // Sections after the 8-byte header: an id byte, a LEB128 size, the payload.
    for (let at = 8; at < bytes.length; ) {
      const id = bytes[at++];
      let size = 0;
      for (let shift = 0; ; shift += 7) {
        const b = bytes[at++];
        size |= (b & 0x7f) << shift;
        if (!(b & 0x80)) break;
      }
      sections.push(id);
      at += size;
    }
    assert.ok(!sections.includes(11), `${file}: a data section would overlap the parameter blocks`);
    assert.ok(!sections.includes(6), `${file}: globals (e.g. a heap pointer) mean something allocates`);
  }
});

function runHead(ops: DenseOps, xs: tf.Tensor[], dropping: boolean): tf.Tensor {
  const [x, g, b, w1, b1, w2, b2] = xs;
  return ops.normMlp(x, { g, b, w1, b1, w2, b2 }, dropping ? { key: 17, p: 0.3 } : null);
}
const headCase = (B: number, T: number, H: number, F: number, O: number, seed: number) => (): tf.Tensor[] =>
  [rnd([B, T, H], seed), tf.add(1, rnd([H], seed + 1, 0.2)), rnd([H], seed + 2, 0.2), rnd([F, H], seed + 3, 0.4), rnd([F], seed + 4), rnd([O, F], seed + 5, 0.4), rnd([O], seed + 6)];

opCase('norm-MLP head (H 12, hidden 8, out 2), resident activations, dropout', headCase(3, 5, 12, 8, 2, 70), (ops, xs) => runHead(ops, xs, true));
opCase('norm-MLP head (H 6, hidden 3: stateless ops), dropout', headCase(2, 4, 6, 3, 2, 80), (ops, xs) => runHead(ops, xs, true));
opCase('norm-MLP head (H 12, hidden 8, out 2), dropout', headCase(3, 5, 12, 8, 2, 70), (ops, xs) => runHead(ops, xs, true), NATIVE_OPS);
opCase('norm-MLP head (H 6, hidden 3, out 2), dropout', headCase(2, 4, 6, 3, 2, 80), (ops, xs) => runHead(ops, xs, true), NATIVE_OPS);
opCase('norm-MLP head (GRU-like: H 40, hidden 20, out 2, 37 rows), dropout', headCase(1, 37, 40, 20, 2, 90), (ops, xs) => runHead(ops, xs, true), NATIVE_OPS);
opCase('norm-MLP head (H 33, hidden 17, out 3), no dropout', headCase(4, 6, 33, 17, 3, 100), (ops, xs) => runHead(ops, xs, false), NATIVE_OPS);
// Both products longer than kernel.h's KC rows of k on every path (512 on portable): blocks that resume their sums.
opCase('norm-MLP head (H 520, hidden 530, out 2: products in blocks of k), dropout', headCase(1, 11, 520, 530, 2, 130), (ops, xs) => runHead(ops, xs, true), NATIVE_OPS);

test('native norm-MLP head: a backward whose activations were replaced or released recomputes them', { skip: NATIVE_OPS.length ? false : 'native addon unavailable' }, () => {
  const xs = headCase(2, 6, 12, 8, 2, 110)();
  const ys = headCase(3, 2, 12, 8, 2, 120)();
  tf.tidy(() => {
    const want = tf.grads((...v: tf.Tensor[]) => tf.sum(runHead(tfjsOps, v, true)))(xs);
    for (const between of [() => tf.sum(runHead(nativeOps, ys, false)), () => disposeBaselineKernel()]) {
      const got = tf.grads((...v: tf.Tensor[]) => {
        const y = runHead(nativeOps, v, true);
        between();
        return tf.sum(y);
      })(xs);
      got.forEach((g, i) => assert.ok(relError(g, want[i]) < TOL, `input ${i}: ${relError(g, want[i])}`));
    }
  });
  tf.dispose([...xs, ...ys]);
});
