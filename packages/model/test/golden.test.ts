/**
 * Golden vectors from the float64 PyTorch reference (test/fixtures/golden/*.json): every file is
 * run through the model with every kernel (the tfjs graph, wasm, native on each ISA path this CPU
 * runs) and compared on outputs, losses and gradients.
 *
 * Tolerances: outputs, bump, decoded angle and losses elementwise |a − e| ≤ 1e-5 + 1e-4·|e|.
 * Gradients elementwise with a floor scaled to the tensor: |a − e| ≤ 1e-3·|e| + 1e-3·max|e|
 * (entries far below the tensor's largest are dominated by float32 round-off of the big ones).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePopulationVector, disposeKernels, parameterName, totalLoss, type KernelName } from '../src/index.js';
import { GOLDEN_DIR, GRAD_RTOL, OUT_ATOL, OUT_RTOL, goldenFiles, goldenModel, readGolden, toTensor } from './golden.js';
import { maxAbs, tf, useWasm, worstRatio } from './helpers.js';
import { KERNEL_VARIANTS, restoreNativeIsa } from './kernelVariants.js';
import { after } from 'node:test';

/** Every recurrence kernel, on every code path, must reproduce the reference. */
const KERNELS: { label: string; kernel: KernelName; select(): void }[] = [
  { label: 'tfjs', kernel: 'tfjs', select: () => {} },
  ...KERNEL_VARIANTS.map((v) => ({ label: v.label, kernel: v.kernel, select: v.select })),
];
after(() => {
  restoreNativeIsa();
  disposeKernels();
});

function closeEnough(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): void {
  const { ratio, index } = worstRatio(actual, expected, rtol, atol);
  assert.ok(ratio <= 1, `${what}: element ${index} is ${actual[index]}, expected ${expected[index]} (${ratio.toFixed(2)}× the tolerance)`);
}

/** Circular difference, so 2π − ε and +ε count as close. */
function angleDiffs(actual: ArrayLike<number>, expected: ArrayLike<number>): Float64Array {
  const d = new Float64Array(actual.length);
  for (let i = 0; i < actual.length; i++) {
    const x = Math.abs(actual[i] - expected[i]) % (2 * Math.PI);
    d[i] = Math.min(x, 2 * Math.PI - x);
  }
  return d;
}

await useWasm();
const files = goldenFiles();

test('golden fixtures are present', () => {
  assert.ok(files.length >= 4, `expected the reference's golden files in ${GOLDEN_DIR}, found ${files.length}`);
});

for (const { label, kernel, select } of KERNELS) {
  for (const file of files) {
    test(`golden ${file} (kernel ${label})`, () => {
      select();
      const g = readGolden(file);
      const model = goldenModel(g, kernel);
      const before = tf.memory().numTensors;
      try {
        tf.tidy(() => {
          const av = toTensor(g.inputs.av) as tf.Tensor2D;
          const angle = toTensor(g.inputs.angle) as tf.Tensor2D;
          const r0 = g.inputs.r_init === null ? undefined : (toTensor(g.inputs.r_init) as tf.Tensor2D);
          const { output, bump } = model.forward(av, r0);
          closeEnough('output', output.dataSync(), g.outputs.output.data, OUT_RTOL, OUT_ATOL);
          closeEnough('bump', bump.dataSync(), g.outputs.bump.data, OUT_RTOL, OUT_ATOL);
          const pv = angleDiffs(decodePopulationVector(output).dataSync(), g.outputs.decoded_pv.data);
          closeEnough('decoded_pv (circular difference)', pv, new Float64Array(pv.length), OUT_RTOL, OUT_ATOL);
          const losses = totalLoss(output, bump, angle, g.config.bump_loss_weight);
          closeEnough('loss_main', losses.angle.dataSync(), [g.outputs.loss_main], OUT_RTOL, OUT_ATOL);
          closeEnough('loss_bump', losses.bump.dataSync(), [g.outputs.loss_bump], OUT_RTOL, OUT_ATOL);
          closeEnough('loss_total', losses.total.dataSync(), [g.outputs.loss_total], OUT_RTOL, OUT_ATOL);

          const vars = model.trainableVariables();
          assert.deepEqual(vars.map((v) => parameterName(v.name)).sort(), Object.keys(g.grads).sort(), 'trainable parameters = the reference gradients');
          if (vars.length === 0) return;
          const { grads } = tf.variableGrads(() => {
            const f = model.forward(av, r0);
            return totalLoss(f.output, f.bump, angle, g.config.bump_loss_weight).total;
          }, vars);
          for (const v of vars) {
            const name = parameterName(v.name);
            const expected = g.grads[name];
            assert.deepEqual(grads[v.name].shape, expected.shape, `grad ${name} shape`);
            closeEnough(`grad ${name}`, grads[v.name].dataSync(), expected.data, GRAD_RTOL, GRAD_RTOL * maxAbs(expected.data));
          }
        });
      } finally {
        model.dispose();
      }
      assert.equal(tf.memory().numTensors, before - Object.keys(g.params).length, 'no tensors leak');
    });
  }
}

/**
 * A whole-zero expected tensor, from a closed form: with only positive (rightward) velocity the left
 * channel is 0 at every step, so the loss does not depend on Wl or the left gain net and their
 * gradients are exactly zero (docs/model.md §2.2). The comparison must pass them, and fail them
 * when an expected entry is perturbed.
 */
test('golden comparison: an all-zero expected gradient passes on an exact match, and a perturbed one fails', async () => {
  await useWasm();
  for (const k of KERNELS) {
    k.select();
    const model = goldenModel(readGolden(goldenFiles()[0]), k.kernel);
    try {
      tf.tidy(() => {
        const N = model.config.num_neurons;
        const B = 2;
        const T = 6;
        const av = tf.tensor2d(Array.from({ length: B * T }, (_, i) => 0.05 + 0.01 * (i % 4)), [B, T]);
        const angle = tf.cumsum(av, 1) as tf.Tensor2D;
        const r0 = tf.tensor2d(Array.from({ length: B * N }, (_, i) => Math.exp(-(((i % N) - N / 2) ** 2) / 8)), [B, N]);
        const named = model.namedTrainableVariables();
        const left = ['Wl', 'gain_l_net.0.weight', 'gain_l_net.0.bias', 'gain_l_net.2.weight', 'gain_l_net.2.bias'];
        const { grads } = tf.variableGrads(() => {
          const f = model.forward(av, r0);
          return totalLoss(f.output, f.bump, angle, 0.2).total;
        }, left.map((n) => named[n]));
        for (const name of left) {
          const got = grads[named[name].name].dataSync();
          const zero = new Float32Array(got.length);
          closeEnough(`${k.label} grad ${name}`, got, zero, GRAD_RTOL, GRAD_RTOL * maxAbs(zero));
          const perturbed = Float32Array.from(zero);
          perturbed[perturbed.length - 1] = 1e-6;
          assert.throws(() => closeEnough(`${k.label} grad ${name}`, got, perturbed, GRAD_RTOL, GRAD_RTOL * maxAbs(perturbed)), /× the tolerance/);
        }
        // The right side does get a gradient: the zero above is the left channel's, not a dead model's.
        const { grads: right } = tf.variableGrads(() => {
          const f = model.forward(av, r0);
          return totalLoss(f.output, f.bump, angle, 0.2).total;
        }, [named.Wr]);
        assert.ok(maxAbs(right[named.Wr.name].dataSync()) > 0, `${k.label}: Wr has a gradient`);
      });
    } finally {
      model.dispose();
    }
  }
});
