// Each fused kernel, on each code path this machine runs (kernelVariants.ts), against the tfjs
// graph (the contract of src/recurrence.ts): forward and all four gradients, every activation, odd
// and model-sized shapes, one and two threads, sparse and mixed action patterns.
// Errors are norm-relative: ‖kernel − tfjs‖₂ / ‖tfjs‖₂ over the whole tensor, bound 1e-4.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import '../src/gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { recurrenceTfjs, type Activation, type RecurrenceConstants, type RecurrenceInputs } from '../src/recurrence.js';
import { wasmRecurrence, disposeKernels, disposeWasmKernel, type KernelOptions } from '../src/kernel/index.js';
import { randomInputs, sparseInputs, patternInputs, relError } from './kernelHelpers.js';
import { kernelVariant, setKernelVariant } from '../src/kernel/runtime.js';
import { KERNEL_VARIANTS, restoreNativeIsa, type KernelVariant } from './kernelVariants.js';

await tf.setBackend('cpu');
after(() => {
  restoreNativeIsa();
  disposeKernels();
});

const TOL = 1e-4;
type Recurrence = (x: RecurrenceInputs) => tf.Tensor3D;

/** History and the gradients of Σ history·G for a fixed random cotangent G. */
function valueAndGrads(run: Recurrence, inp: RecurrenceInputs, seed: number): tf.Tensor[] {
  const [B, T] = inp.actions.shape;
  const N = inp.Wo.shape[0];
  const G = tf.randomNormal([B, T, N], 0, 1, 'float32', seed);
  const f = (a: tf.Tensor, r: tf.Tensor, o: tf.Tensor, w: tf.Tensor): tf.Scalar =>
    tf.sum(tf.mul(run({ actions: a as tf.Tensor3D, r0: r as tf.Tensor2D, Wo: o as tf.Tensor2D, Wa: w as tf.Tensor3D }), G));
  const grads = tf.grads(f)([inp.actions, inp.r0, inp.Wo, inp.Wa]);
  const value = run(inp);
  G.dispose();
  return [value, ...grads];
}

const NAMES = ['history', 'dactions', 'dr0', 'dWo', 'dWa'];

function compare(v: KernelVariant, inp: RecurrenceInputs, c: RecurrenceConstants, threads: number, opts: KernelOptions = {}): void {
  const ref = valueAndGrads((x) => recurrenceTfjs(x, c), inp, 5);
  const got = valueAndGrads((x) => v.run(x, c, { ...opts, threads }), inp, 5);
  if (opts.actionGrads === 'nonzero') {
    // d(actions) is promised only where the action is nonzero, and exactly 0 elsewhere.
    const a = inp.actions.dataSync();
    const dA = got[1].dataSync();
    for (let i = 0; i < a.length; i++) if (a[i] === 0) assert.equal(dA[i], 0, `dactions[${i}] at a zero action`);
    const masked = tf.mul(ref[1], tf.notEqual(inp.actions, 0));
    ref[1].dispose();
    ref[1] = masked;
  }
  ref.forEach((r, i) => {
    assert.deepEqual(got[i].shape, r.shape, NAMES[i]);
    // A dead network would make the comparison vacuous.
    assert.ok(tf.norm(r).dataSync()[0] > 1e-3, `${NAMES[i]} of the reference is ~0`);
    const err = relError(got[i], r);
    assert.ok(err < TOL, `${v.label} ${c.activation} threads=${threads} ${NAMES[i]}: relative error ${err}`);
  });
  tf.dispose([...ref, ...got]);
}

// The reference's constants (docs/model.md §2), and a stronger J1 / weaker J0 that keeps relu units alive.
const REFERENCE: Omit<RecurrenceConstants, 'activation'> = { J0: -0.1, J1: 0.1, alpha: 0.15 };
const LIVELY: Omit<RecurrenceConstants, 'activation'> = { J0: -0.02, J1: 1, alpha: 0.15 };
const ACTIVATIONS: Activation[] = ['gelu', 'tanh', 'relu'];

for (const v of KERNEL_VARIANTS) {
  for (const activation of ACTIVATIONS) {
    for (const threads of [1, 2]) {
      test(`${v.label}: ${activation}, threads=${threads}: odd sizes N=37 B=5 T=9 k=3 match tfjs`, () => {
        const inp = randomInputs(5, 9, 37, 3, 11);
        compare(v, inp, { ...LIVELY, activation }, threads);
        tf.dispose(Object.values(inp));
      });
      test(`${v.label}: ${activation}, threads=${threads}: N=120 B=6 T=12 k=2 match tfjs`, () => {
        const inp = randomInputs(6, 12, 120, 2, 23);
        compare(v, inp, { ...(activation === 'relu' ? LIVELY : REFERENCE), activation }, threads);
        tf.dispose(Object.values(inp));
      });
    }
  }

  for (const threads of [1, 2]) {
    test(`${v.label}: sparse actions (zero rows skipped), threads=${threads}: N=37 B=5 T=9 k=3 and N=120 B=6 T=12 k=2 match tfjs`, () => {
      for (const [inp, c] of [
        [sparseInputs(5, 9, 37, 3, 91), { ...LIVELY, activation: 'tanh' }],
        [sparseInputs(6, 12, 120, 2, 93), { ...REFERENCE, activation: 'gelu' }],
      ] as const) {
        compare(v, inp, c, threads);
        tf.dispose(Object.values(inp));
      }
    });
  }

  for (const threads of [1, 2]) {
    for (const actionGrads of ['all', 'nonzero'] as const) {
      test(`${v.label}: mixed action patterns (both channels / none / alternating / av-like), actionGrads=${actionGrads}, threads=${threads}: match tfjs`, () => {
        for (const [inp, c] of [
          [patternInputs(8, 9, 37, 3, 111), { ...LIVELY, activation: 'tanh' }],
          [patternInputs(9, 12, 120, 2, 113), { ...REFERENCE, activation: 'gelu' }],
          [patternInputs(7, 10, 30, 2, 117), { ...LIVELY, activation: 'relu' }],
        ] as const) {
          compare(v, inp, c, threads, { actionGrads });
          tf.dispose(Object.values(inp));
        }
      });
    }
    test(`${v.label}: actionGrads=nonzero with dense and with angular-velocity-sparse actions, threads=${threads}: match tfjs`, () => {
      for (const [inp, c] of [
        [randomInputs(5, 9, 37, 3, 121), { ...LIVELY, activation: 'gelu' }],
        [sparseInputs(6, 12, 120, 2, 123), { ...REFERENCE, activation: 'gelu' }],
      ] as const) {
        compare(v, inp, c, threads, { actionGrads: 'nonzero' });
        tf.dispose(Object.values(inp));
      }
    });
  }

  test(`${v.label}: actionGrads=nonzero leaves the forward bit-identical to the default`, () => {
    const inp = patternInputs(6, 8, 21, 2, 131);
    const c: RecurrenceConstants = { ...REFERENCE, activation: 'gelu' };
    // Sparse first, on fresh memory: no products of an earlier dense call can stand in for its own.
    disposeKernels();
    const b = v.run(inp, c, { threads: 2, actionGrads: 'nonzero' });
    const a = v.run(inp, c, { threads: 2 });
    assert.deepEqual(b.dataSync(), a.dataSync());
    assert.throws(() => v.run(inp, c, { actionGrads: 'some' as 'all' }), /actionGrads must be/);
    tf.dispose([a, b, ...Object.values(inp)]);
  });

  test(`${v.label}: more threads than sequences (B=1, threads=3) still matches`, () => {
    const inp = randomInputs(1, 7, 9, 2, 31);
    compare(v, inp, { ...LIVELY, activation: 'gelu' }, 3);
    tf.dispose(Object.values(inp));
  });

  test(`${v.label}: same inputs give bit-identical values and gradients across calls`, () => {
    const inp = randomInputs(7, 8, 21, 2, 41);
    const c: RecurrenceConstants = { ...REFERENCE, activation: 'gelu' };
    const run: Recurrence = (x) => v.run(x, c, { threads: 2 });
    const a = valueAndGrads(run, inp, 3);
    const b = valueAndGrads(run, inp, 3);
    a.forEach((t, i) => assert.deepEqual(b[i].dataSync(), t.dataSync(), NAMES[i]));
    tf.dispose([...a, ...b, ...Object.values(inp)]);
  });

  test(`${v.label}: a backward after another forward ran still pairs with its own forward`, () => {
    const c: RecurrenceConstants = { ...LIVELY, activation: 'tanh' };
    const one = randomInputs(4, 6, 19, 2, 51);
    const two = randomInputs(3, 5, 23, 3, 61); // different shapes too
    const G1 = tf.randomNormal([4, 6, 19], 0, 1, 'float32', 1);
    const G2 = tf.randomNormal([3, 5, 23], 0, 1, 'float32', 2);
    // Backprop visits the second call first, so the first call's backward runs after the second
    // forward replaced the kernel's saved states.
    const grads = (run: (x: RecurrenceInputs) => tf.Tensor3D): tf.Tensor[] =>
      tf.grads((a1: tf.Tensor, w1: tf.Tensor, a2: tf.Tensor, w2: tf.Tensor) =>
        tf.add(
          tf.sum(tf.mul(run({ ...one, actions: a1 as tf.Tensor3D, Wo: w1 as tf.Tensor2D }), G1)),
          tf.sum(tf.mul(run({ ...two, actions: a2 as tf.Tensor3D, Wo: w2 as tf.Tensor2D }), G2)),
        ),
      )([one.actions, one.Wo, two.actions, two.Wo]);
    const ref = grads((x) => recurrenceTfjs(x, c));
    const got = grads((x) => v.run(x, c, { threads: 2 }));
    ref.forEach((r, i) => {
      const err = relError(got[i], r);
      assert.ok(err < TOL, `gradient ${i}: relative error ${err}`);
    });
    tf.dispose([...ref, ...got, G1, G2, ...Object.values(one), ...Object.values(two)]);
  });
}

for (const v of KERNEL_VARIANTS) {
  test(`${v.label}: a NaN weight gives NaN history and gradients, as in the tfjs graph (never silently finite)`, () => {
    const inp = randomInputs(4, 5, 12, 2, 151);
    const w = Float32Array.from(inp.Wo.dataSync());
    w[3 * 12 + 5] = NaN;
    const nan = tf.tensor2d(w, [12, 12]);
    for (const activation of ACTIVATIONS) {
      const c: RecurrenceConstants = { ...REFERENCE, activation };
      const got = valueAndGrads((x) => v.run(x, c, { threads: 2 }), { ...inp, Wo: nan }, 7);
      got.forEach((t, i) => assert.ok(t.dataSync().some(Number.isNaN), `${activation}: ${NAMES[i]} has no NaN`));
      tf.dispose(got);
    }
    tf.dispose([nan, ...Object.values(inp)]);
  });

  test(`${v.label}: inconsistent shapes and bad thread counts are rejected`, () => {
    const inp = randomInputs(2, 3, 5, 2, 71);
    const bad = tf.zeros([3, 5]) as tf.Tensor2D;
    assert.throws(() => v.run({ ...inp, r0: bad }, { ...REFERENCE, activation: 'gelu' }), /inconsistent shapes/);
    assert.throws(() => v.run(inp, { ...REFERENCE, activation: 'gelu' }, { threads: 0 }), /threads must be a positive integer/);
    tf.dispose([bad, ...Object.values(inp)]);
  });

  test(`${v.label}: disposeKernels stops the threads and frees the memory; the next call starts afresh with the same results`, () => {
    const inp = randomInputs(4, 5, 11, 2, 101);
    const c: RecurrenceConstants = { ...REFERENCE, activation: 'gelu' };
    const a = v.run(inp, c, { threads: 2 });
    disposeKernels();
    const b = v.run(inp, c, { threads: 2 });
    assert.deepEqual(b.dataSync(), a.dataSync());
    tf.dispose([a, b, ...Object.values(inp)]);
  });
}

test("runRecurrence dispatches 'wasm' and 'native'; defaultKernel keeps the tfjs graph for the GPU only", async () => {
  const { runRecurrence, defaultKernel } = await import('../src/recurrence.js');
  const { nativeRecurrence, nativeUnavailableReason } = await import('../src/kernel/index.js');
  const inp = randomInputs(3, 4, 10, 2, 81);
  const c: RecurrenceConstants = { ...REFERENCE, activation: 'gelu' };
  const out = [runRecurrence(inp, c, 'wasm'), wasmRecurrence(inp, c)];
  assert.deepEqual(out[0].dataSync(), out[1].dataSync());
  const native = nativeUnavailableReason() === null;
  if (native) {
    restoreNativeIsa();
    out.push(runRecurrence(inp, c, 'native'), nativeRecurrence(inp, c));
    assert.deepEqual(out[2].dataSync(), out[3].dataSync());
  }
  assert.equal(defaultKernel('tfjs-node-gpu'), 'tfjs');
  for (const name of ['wasm', 'cpu', 'tfjs-node']) assert.equal(defaultKernel(name), native ? 'native' : 'wasm');
  tf.dispose([...out, ...Object.values(inp)]);
});

test('the plain-SIMD wasm build (used where the engine lacks relaxed SIMD) matches tfjs too; Node 20+ runs the FMA build', () => {
  const wasm = KERNEL_VARIANTS[0];
  const inp = randomInputs(3, 4, 10, 2, 141);
  const c: RecurrenceConstants = { ...REFERENCE, activation: 'gelu' };
  wasmRecurrence(inp, c).dispose();
  assert.equal(kernelVariant(), 'fma');
  tf.dispose(Object.values(inp));
  disposeWasmKernel();
  setKernelVariant('plain');
  try {
    for (const threads of [1, 2]) {
      for (const [make, activation] of [
        [() => randomInputs(5, 9, 37, 3, 143), 'tanh'],
        [() => patternInputs(9, 12, 120, 2, 147), 'gelu'],
      ] as const) {
        const x = make();
        compare(wasm, x, { ...LIVELY, activation }, threads);
        compare(wasm, x, { ...LIVELY, activation }, threads, { actionGrads: 'nonzero' });
        tf.dispose(Object.values(x));
      }
    }
    assert.equal(kernelVariant(), 'plain');
  } finally {
    disposeWasmKernel();
    setKernelVariant('fma');
  }
});
