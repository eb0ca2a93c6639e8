// The fused kernel under the tfjs wasm backend, where it reads inputs and the cotangent straight
// from the backend's heap and hands the history over without an intermediate copy.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import '../src/gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/backend.js';
import { recurrenceTfjs, type RecurrenceConstants, type RecurrenceInputs } from '../src/recurrence.js';
import { fusedRecurrence, disposeFusedKernel } from '../src/kernel/index.js';
import { patternInputs, relError } from './kernelHelpers.js';

await selectBackend('wasm', () => {});
after(() => disposeFusedKernel());

function valueAndGrads(run: (x: RecurrenceInputs) => tf.Tensor3D, inp: RecurrenceInputs, G: tf.Tensor): tf.Tensor[] {
  const f = (a: tf.Tensor, r: tf.Tensor, o: tf.Tensor, w: tf.Tensor): tf.Scalar =>
    tf.sum(tf.mul(run({ actions: a as tf.Tensor3D, r0: r as tf.Tensor2D, Wo: o as tf.Tensor2D, Wa: w as tf.Tensor3D }), G));
  return [run(inp), ...tf.grads(f)([inp.actions, inp.r0, inp.Wo, inp.Wa])];
}

test('on the wasm backend the fused kernel matches the tfjs graph, and its history outlives later calls', () => {
  assert.equal(tf.getBackend(), 'wasm');
  const inp = patternInputs(9, 12, 120, 2, 161);
  const G = tf.randomNormal([9, 12, 120], 0, 1, 'float32', 163);
  const c: RecurrenceConstants = { J0: -0.1, J1: 0.1, alpha: 0.15, activation: 'gelu' };
  const ref = valueAndGrads((x) => recurrenceTfjs(x, c), inp, G);
  const got = valueAndGrads((x) => fusedRecurrence(x, c, { threads: 2 }), inp, G);
  const before = Float32Array.from(got[0].dataSync());
  ref.forEach((r, i) => {
    const err = relError(got[i], r);
    assert.ok(err < 1e-4, `output ${i}: relative error ${err}`);
  });
  // Another call overwrites the kernel's memory; the first history must be unaffected.
  const other = patternInputs(9, 12, 120, 2, 167);
  const h2 = fusedRecurrence(other, c, { threads: 2 });
  assert.deepEqual(got[0].dataSync(), before);
  tf.dispose([...ref, ...got, h2, G, ...Object.values(inp), ...Object.values(other)]);
});
