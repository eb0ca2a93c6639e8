// Training with a fused kernel (each one, on its default path) must not leak tensors or grow the
// kernel's memory.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import '../src/gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { disposeKernels, nativeKernelMemoryBytes, wasmKernelMemoryBytes } from '../src/kernel/index.js';
import { randomInputs } from './kernelHelpers.js';
import { KERNEL_VARIANTS, restoreNativeIsa } from './kernelVariants.js';

await tf.setBackend('cpu');
after(() => disposeKernels());
restoreNativeIsa();

const MEMORY = { wasm: wasmKernelMemoryBytes, native: nativeKernelMemoryBytes };

for (const v of KERNEL_VARIANTS.filter((k) => k.kernel === 'wasm' || k.label === KERNEL_VARIANTS.find((n) => n.kernel === 'native')?.label)) {
  test(`${v.label}: 200 Adam steps: tensor count and kernel memory stay at their first-step values`, () => {
    const init = randomInputs(8, 10, 24, 2, 3);
    const Wo = tf.variable(init.Wo);
    const Wa = tf.variable(init.Wa);
    const r0 = tf.variable(init.r0);
    const logits = tf.variable(init.actions);
    const target = tf.randomUniform([8, 10, 24], 0, 0.5, 'float32', 9);
    const opt = tf.train.adam(1e-3);
    const c = { J0: -0.1, J1: 0.1, alpha: 0.15, activation: 'gelu' as const };
    const step = (): number => {
      const loss = opt.minimize(() => {
        const actions = tf.softplus(logits) as tf.Tensor3D; // the gradient must also reach the actions
        const h = v.run({ actions, r0: r0 as tf.Tensor2D, Wo: Wo as tf.Tensor2D, Wa: Wa as tf.Tensor3D }, c, { threads: 2 });
        return tf.mean(tf.square(tf.sub(h, target)));
      }, true) as tf.Scalar;
      const value = loss.dataSync()[0];
      loss.dispose();
      return value;
    };
    const first = step();
    const tensors = tf.memory().numTensors;
    const bytes = MEMORY[v.kernel]();
    assert.ok(bytes > 0);
    let last = first;
    for (let i = 1; i < 200; i++) {
      last = step();
      assert.equal(tf.memory().numTensors, tensors, `tensor count at step ${i}`);
      assert.equal(MEMORY[v.kernel](), bytes, `kernel memory at step ${i}`);
    }
    assert.ok(last < first, `the loss should fall (${first} → ${last})`);
    tf.dispose([Wo, Wa, r0, logits, target, ...Object.values(init)]);
    opt.dispose();
  });
}
