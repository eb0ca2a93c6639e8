/**
 * The baselines against the float64 PyTorch reference (test/fixtures/baselines/*.json, see its
 * README): every case with every kernel (the tfjs graph, the fused wasm kernel, the native one on
 * each ISA path this CPU runs), on the output, every reported loss part, and the gradient of every
 * parameter of the loss the reference trains (main for the GRU, total for the transformer).
 *
 * Tolerances: outputs and losses elementwise |a − e| ≤ 1e-5 + 1e-4·|e|; gradients
 * |a − e| ≤ 1e-3·|e| + 1e-3·max|e| (a floor scaled to the tensor's largest entry).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { disposeBaselineKernel, parameterName, type CausalTransformer, type GruIntegrator, type BaselineKernel } from '../src/index.js';
import { GRAD_RTOL, OUT_ATOL, OUT_RTOL, toTensor } from './golden.js';
import { BASELINES_DIR, baselineFiles, goldenGru, goldenTransformer, readBaseline, type BaselineGolden } from './baselinesGolden.js';
import { maxAbs, tf, useWasm, worstRatio } from './helpers.js';
import { GRU_VARIANTS } from './baselineVariants.js';
import { restoreNativeIsa } from './kernelVariants.js';

await useWasm();
after(() => {
  restoreNativeIsa();
  disposeBaselineKernel();
});

/** Each kernel, the native one on every ISA path this CPU runs. */
const KERNELS: { kernel: BaselineKernel; label: string; select(): void }[] = [
  { kernel: 'tfjs', label: 'tfjs', select: () => {} },
  ...GRU_VARIANTS.map((v) => ({ kernel: v.kernel, label: v.label, select: v.select })),
];
const PARTS = { gru: ['total', 'main', 'smooth'], transformer: ['total', 'main', 'smooth', 'norm', 'cumsum'] } as const;

/** Asserts every element within tolerance; returns the worst ratio (≤ 1). */
export function closeEnough(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): number {
  const { ratio, index } = worstRatio(actual, expected, rtol, atol);
  assert.ok(ratio <= 1, `${what}: element ${index} is ${actual[index]}, expected ${expected[index]} (${ratio.toFixed(2)}× the tolerance)`);
  return ratio;
}

/** Runs every comparison of case `g` on a model from `make`; the model is disposed and nothing may leak. */
function check(g: BaselineGolden, make: () => GruIntegrator | CausalTransformer): void {
  const before = tf.memory().numTensors;
  const model = make();
  try {
    compare(g, model);
  } finally {
    model.dispose();
  }
  assert.equal(tf.memory().numTensors, before, 'no tensors leak');
}

function compare(g: BaselineGolden, model: GruIntegrator | CausalTransformer): void {
  tf.tidy(() => {
    const av = toTensor(g.inputs.av) as tf.Tensor2D;
    const angle = toTensor(g.inputs.angle) as tf.Tensor2D;
    const theta0 = toTensor(g.inputs.initial_angle) as tf.Tensor1D;
    const output = model.forward(av, theta0);
    closeEnough('output', output.dataSync(), g.outputs.output.data, OUT_RTOL, OUT_ATOL);
    const losses = model.loss(output, angle, av) as unknown as Record<string, tf.Scalar>;
    for (const part of PARTS[g.model]) closeEnough(`loss_${part}`, losses[part].dataSync(), [g.outputs[`loss_${part}`] as number], OUT_RTOL, OUT_ATOL);
    const objective = g.config.grads_of === 'loss_main' ? 'main' : 'total';
    assert.equal(losses.objective.dataSync()[0], losses[objective].dataSync()[0], `the objective is loss_${objective}, as the reference trains`);
    const vars = model.trainableVariables();
    assert.deepEqual(vars.map((v) => parameterName(v.name)).sort(), Object.keys(g.grads).sort(), 'trainable parameters = the reference gradients');
    const { grads } = tf.variableGrads(() => model.loss(model.forward(av, theta0), angle, av).objective, vars);
    for (const v of vars) {
      const name = parameterName(v.name);
      const expected = g.grads[name];
      assert.deepEqual(grads[v.name].shape, expected.shape, `grad ${name} shape`);
      closeEnough(`grad ${name}`, grads[v.name].dataSync(), expected.data, GRAD_RTOL, GRAD_RTOL * maxAbs(expected.data));
    }
  });
}

test('baseline golden fixtures are present', () => {
  assert.ok(baselineFiles('gru').length >= 2 && baselineFiles('transformer').length >= 2, `expected the reference's golden files in ${BASELINES_DIR}`);
});

for (const { kernel, label, select } of KERNELS) {
  for (const file of baselineFiles('gru')) {
    test(`golden ${file} (kernel ${label})`, () => {
      select();
      const g = readBaseline(file);
      check(g, () => goldenGru(g, kernel));
    });
  }
  for (const file of baselineFiles('transformer')) {
    test(`golden ${file} (kernel ${label})`, () => {
      select();
      const g = readBaseline(file);
      check(g, () => goldenTransformer(g, kernel));
    });
  }
}

test('a perturbed expected value fails the comparison (the check can fail)', () => {
  const g = readBaseline(baselineFiles('gru')[0]);
  const model = goldenGru(g, 'wasm');
  try {
    tf.tidy(() => {
      const out = model.forward(toTensor(g.inputs.av) as tf.Tensor2D, toTensor(g.inputs.initial_angle) as tf.Tensor1D).dataSync();
      const expected = Float64Array.from(g.outputs.output.data);
      closeEnough('output', out, expected, OUT_RTOL, OUT_ATOL);
      expected[3] *= 1 + 5 * OUT_RTOL;
      assert.throws(() => closeEnough('output', out, expected, OUT_RTOL, OUT_ATOL), /element 3/);
    });
  } finally {
    model.dispose();
  }
});
