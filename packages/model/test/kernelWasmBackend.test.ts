// The fused kernels (each on its default path) under the tfjs wasm backend, where they read inputs
// and the cotangent straight from the backend's heap.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import '../src/gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/backend.js';
import { recurrenceTfjs, type RecurrenceConstants, type RecurrenceInputs } from '../src/recurrence.js';
import { disposeKernels } from '../src/kernel/index.js';
import { kernelRecurrence, type Engine } from '../src/kernel/op.js';
import { KERNEL_VARIANTS, restoreNativeIsa } from './kernelVariants.js';
import { patternInputs, relError } from './kernelHelpers.js';
import { ringReadout } from '../src/ringReadout.js';
import { preferredAngles } from '../src/geometry.js';

await selectBackend('wasm', () => {});
after(() => disposeKernels());
restoreNativeIsa();
const VARIANTS = KERNEL_VARIANTS.filter((v) => v.kernel === 'wasm' || v.label === KERNEL_VARIANTS.find((n) => n.kernel === 'native')?.label);

function valueAndGrads(run: (x: RecurrenceInputs) => tf.Tensor3D, inp: RecurrenceInputs, G: tf.Tensor): tf.Tensor[] {
  const f = (a: tf.Tensor, r: tf.Tensor, o: tf.Tensor, w: tf.Tensor): tf.Scalar =>
    tf.sum(tf.mul(run({ actions: a as tf.Tensor3D, r0: r as tf.Tensor2D, Wo: o as tf.Tensor2D, Wa: w as tf.Tensor3D }), G));
  return [run(inp), ...tf.grads(f)([inp.actions, inp.r0, inp.Wo, inp.Wa])];
}

for (const v of VARIANTS) {
  test(`${v.label}: on the wasm backend the kernel matches the tfjs graph, and its history outlives later calls`, () => {
    assert.equal(tf.getBackend(), 'wasm');
    const inp = patternInputs(9, 12, 120, 2, 161);
    const G = tf.randomNormal([9, 12, 120], 0, 1, 'float32', 163);
    const c: RecurrenceConstants = { J0: -0.1, J1: 0.1, alpha: 0.15, activation: 'gelu' };
    const ref = valueAndGrads((x) => recurrenceTfjs(x, c), inp, G);
    const got = valueAndGrads((x) => v.run(x, c, { threads: 2 }), inp, G);
    const before = Float32Array.from(got[0].dataSync());
    ref.forEach((r, i) => {
      const err = relError(got[i], r);
      assert.ok(err < 1e-4, `output ${i}: relative error ${err}`);
    });
    // Another call overwrites the kernel's memory; the first history must be unaffected.
    const other = patternInputs(9, 12, 120, 2, 167);
    const h2 = v.run(other, c, { threads: 2 });
    assert.deepEqual(got[0].dataSync(), before);
    tf.dispose([...ref, ...got, h2, G, ...Object.values(inp), ...Object.values(other)]);
  });

  test(`${v.label}: on the wasm backend ringReadout (run in a kernel) matches tfjs sums, and a fused backward after it is unaffected`, () => {
    const [B, T, N] = [5, 6, 13]; // N odd and not a multiple of 4: every tail path of the readout
    const inp = patternInputs(B, T, N, 2, 171);
    const c: RecurrenceConstants = { J0: -0.1, J1: 0.1, alpha: 0.15, activation: 'gelu' };
    const phi = tf.tensor1d(Float32Array.from(preferredAngles(N)));
    const sums = (bump: tf.Tensor3D): { x: tf.Tensor; y: tf.Tensor; amplitude: tf.Tensor } => ({
      x: tf.sum(tf.mul(bump, tf.cos(phi)), 2),
      y: tf.sum(tf.mul(bump, tf.sin(phi)), 2),
      amplitude: tf.sum(tf.abs(bump), 2),
    });
    const objective = (run: (x: RecurrenceInputs) => tf.Tensor3D, readout: (b: tf.Tensor3D) => { x: tf.Tensor; y: tf.Tensor; amplitude: tf.Tensor }) =>
      (a: tf.Tensor, r: tf.Tensor, o: tf.Tensor, w: tf.Tensor): tf.Scalar => {
        const { x, y, amplitude } = readout(run({ actions: a as tf.Tensor3D, r0: r as tf.Tensor2D, Wo: o as tf.Tensor2D, Wa: w as tf.Tensor3D }));
        return tf.addN([tf.sum(tf.mul(x, y)), tf.sum(tf.sin(x)), tf.mul(0.5, tf.sum(tf.square(amplitude)))]) as tf.Scalar;
      };
    const args = [inp.actions, inp.r0, inp.Wo, inp.Wa];
    const ref = tf.valueAndGrads(objective((x) => recurrenceTfjs(x, c), sums))(args);
    const got = tf.valueAndGrads(objective((x) => v.run(x, c, { threads: 2 }), ringReadout))(args);
    const err = relError(got.value, ref.value);
    assert.ok(err < 1e-5, `objective: relative error ${err}`);
    ref.grads.forEach((r, i) => {
      const e = relError(got.grads[i], r);
      assert.ok(e < 1e-4, `gradient ${i}: relative error ${e}`);
    });
    tf.dispose([ref.value, got.value, ...ref.grads, ...got.grads, phi, ...Object.values(inp)]);
  });
}

test('a recurrence whose kernel fails leaves no tensor and no heap block behind (its history is allocated before the call)', () => {
  const failing: Engine = {
    resident: 0,
    forward: () => {
      throw new Error('kernel failed');
    },
    backward: () => {
      throw new Error('unreachable');
    },
  };
  const inp = patternInputs(2, 3, 8, 1, 3);
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const [tensors, blocks] = [tf.memory().numTensors, backend.numDataIds()];
  assert.throws(() => kernelRecurrence(failing, 'test', inp, { J0: -0.1, J1: 0.1, alpha: 0.15, activation: 'gelu' }), /^Error: kernel failed$/);
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(backend.numDataIds(), blocks);
  tf.dispose(Object.values(inp));
});
