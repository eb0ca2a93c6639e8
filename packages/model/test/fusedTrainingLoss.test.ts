/**
 * The fused training loss on the native kernel (model.trainingLoss → fusedTrainingLoss.ts) against
 * the composition it replaces, trainingLoss(forwardBump(av, r0), angle), on every native ISA path;
 * against the golden vectors; its states recomputed after another forward; its reproducibility
 * across thread counts; and the kernel's fused readout, bit for bit against the readout op.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DATAGEN_CONFIG, generateSequences } from '@ring-attractor/datagen';
import {
  LeakyRingAttractor,
  configureKernels,
  disposeKernels,
  initialBump,
  nativeUnavailableReason,
  parameterName,
  trainingLoss,
  type Activation,
  type Losses,
  type RecurrenceConstants,
} from '../src/index.js';
import { nativeBackwardSums, nativeForwardSums, nativeRecurrence, setNativeIsa } from '../src/kernel/native.js';
import { kernelReadoutBackward, kernelReadoutForward } from '../src/kernel/readout.js';
import { readoutBasis } from '../src/trainingLossOp.js';
import { newCallId, read, type Dims } from '../src/kernel/op.js';
import { GRAD_RTOL, OUT_ATOL, OUT_RTOL, goldenFiles, goldenModel, readGolden, toTensor } from './golden.js';
import { maxAbs, tf, useWasm, worstRatio } from './helpers.js';
import { patternInputs } from './kernelHelpers.js';
import { NATIVE_ISAS, restoreNativeIsa } from './kernelVariants.js';

await useWasm();
after(() => {
  configureKernels({});
  restoreNativeIsa();
  disposeKernels();
});
const skip = nativeUnavailableReason() === null ? false : `native kernel unavailable: ${nativeUnavailableReason()}`;

function close(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): void {
  const { ratio, index } = worstRatio(actual, expected, rtol, atol);
  assert.ok(ratio <= 1, `${what}: element ${index} is ${actual[index]}, expected ${expected[index]} (${ratio.toFixed(2)}× the tolerance)`);
}

/** B sequences of T steps of docs/model.md §1 data with the bump at each start angle. */
function batch(B: number, T: number, N: number, seed: number): { av: tf.Tensor2D; angle: tf.Tensor2D; r0: tf.Tensor2D } {
  const seqs = generateSequences({ ...DEFAULT_DATAGEN_CONFIG, seq_len: T }, B, seed);
  return { av: tf.tensor2d(seqs.av, [B, T]), angle: tf.tensor2d(seqs.angle, [B, T]), r0: initialBump(Array.from({ length: B }, (_, b) => seqs.angle[b * T]), N) };
}

interface Result {
  losses: number[];
  grads: Record<string, Float32Array>;
}

/** Losses and every trainable gradient, fused (model.trainingLoss) or composed; `between` runs inside the loss after it. */
function run(model: LeakyRingAttractor, d: ReturnType<typeof batch>, fused: boolean, between: () => void = () => {}): Result {
  let losses: number[] = [];
  return tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      const l: Losses = fused ? model.trainingLoss(d.av, d.angle, d.r0, 0.2) : trainingLoss(model.forwardBump(d.av, d.r0), d.angle, 0.2);
      between();
      losses = [l.total, l.angle, l.bump].map((x) => x.dataSync()[0]);
      return l.total;
    }, model.trainableVariables());
    return { losses, grads: Object.fromEntries(Object.entries(grads).map(([n, g]) => [parameterName(n), Float32Array.from(g.dataSync())])) };
  });
}

const bytes = (x: Float32Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

/** ‖a − b‖₂ / ‖b‖₂. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

for (const isa of NATIVE_ISAS) {
  for (const activation of ['gelu', 'tanh', 'relu'] as Activation[]) {
    for (const [N, k, threads] of [
      [37, 2, 2],
      [120, 3, 1],
    ]) {
      test(`native ${isa}, ${activation}, N=${N} k=${k} threads=${threads}: the fused training loss equals trainingLoss(forwardBump), losses and every gradient`, () => {
        setNativeIsa(isa);
        configureKernels({ threads });
        const before = tf.memory().numTensors;
        // A random relu ring with the default global inhibition goes silent at once (every gradient 0).
        const model = new LeakyRingAttractor({ num_neurons: N, action_dim: k, activation, kernel: 'native', seed: 5, J0: activation === 'relu' ? 0 : -0.1 });
        const d = batch(5, 23, N, 3);
        try {
          const got = run(model, d, true);
          const want = run(model, d, false);
          assert.ok(want.losses[1] > 1e-3 && want.losses[2] > 1e-7, `the losses do real work: ${want.losses}`);
          // The recurrence and readout are the same arithmetic; only the gain nets differ (float64 here, float32 tfjs there).
          close('losses', got.losses, want.losses, 1e-6, 0);
          assert.deepEqual(Object.keys(got.grads).sort(), Object.keys(want.grads).sort());
          assert.equal(Object.keys(got.grads).length, 1 + 5 * k, 'Wo, every Wa and four tensors per gain net');
          for (const [name, g] of Object.entries(want.grads)) {
            assert.ok(maxAbs(g) > 0, `grad ${name} is not all zero`);
            const err = relError(got.grads[name], g);
            assert.ok(err < 1e-5, `grad ${name}: relative error ${err}`);
          }
        } finally {
          tf.dispose(Object.values(d));
          model.dispose();
          configureKernels({});
        }
        assert.equal(tf.memory().numTensors, before, 'no tensors leak');
      });
    }
  }
}

const files = goldenFiles();
for (const file of files) {
  test(`the fused training loss reproduces the golden losses and gradients: ${file}`, { skip }, () => {
    restoreNativeIsa();
    const g = readGolden(file);
    const before = tf.memory().numTensors;
    const model = goldenModel(g, 'native');
    const av = toTensor(g.inputs.av) as tf.Tensor2D;
    const angle = toTensor(g.inputs.angle) as tf.Tensor2D;
    const r0 = g.inputs.r_init === null ? initialBump(new Array<number>(av.shape[0]).fill(Math.PI), g.config.num_neurons) : (toTensor(g.inputs.r_init) as tf.Tensor2D);
    try {
      const losses: number[] = [];
      const vars = model.trainableVariables();
      const loss = (): tf.Scalar => {
        const l = model.trainingLoss(av, angle, r0, g.config.bump_loss_weight);
        losses.splice(0, 3, ...[l.total, l.angle, l.bump].map((x) => x.dataSync()[0]));
        return l.total;
      };
      const grads = tf.tidy(() => (vars.length ? Object.fromEntries(Object.entries(tf.variableGrads(loss, vars).grads).map(([n, t]) => [parameterName(n), t.dataSync()])) : (loss(), {})));
      close('losses', losses, [g.outputs.loss_total, g.outputs.loss_main, g.outputs.loss_bump], OUT_RTOL, OUT_ATOL);
      assert.deepEqual(Object.keys(grads).sort(), Object.keys(g.grads).sort(), 'trainable parameters = the reference gradients');
      for (const [name, expected] of Object.entries(g.grads)) close(`grad ${name}`, grads[name], expected.data, GRAD_RTOL, GRAD_RTOL * maxAbs(expected.data));
    } finally {
      tf.dispose([av, angle, r0]);
      model.dispose();
    }
    assert.equal(tf.memory().numTensors, before, 'no tensors leak');
  });
}

test('a forward run between the fused loss and its gradient (replacing the kernel states) leaves the gradients bit-identical', { skip }, () => {
  restoreNativeIsa();
  const model = new LeakyRingAttractor({ num_neurons: 50, seed: 9, kernel: 'native' });
  const d = batch(4, 17, 50, 8);
  const other = batch(6, 9, 50, 2);
  try {
    const plain = run(model, d, true);
    const replaced = run(model, d, true, () => tf.dispose(model.forwardBump(other.av, other.r0)));
    assert.deepEqual(replaced.losses, plain.losses);
    for (const [name, g] of Object.entries(plain.grads)) assert.deepEqual(bytes(replaced.grads[name]), bytes(g), `grad ${name}`);
  } finally {
    tf.dispose([...Object.values(d), ...Object.values(other)]);
    model.dispose();
  }
});

test('the fused loss across 1, 2 and 3 threads: losses and gain-net gradients bit-identical, weight gradients within round-off; same thread count, same bits', { skip }, () => {
  restoreNativeIsa();
  const model = new LeakyRingAttractor({ num_neurons: 40, seed: 4, kernel: 'native' });
  const d = batch(7, 31, 40, 6);
  try {
    const byThreads = [1, 2, 3, 2].map((threads) => {
      configureKernels({ threads });
      return run(model, d, true);
    });
    const [one, two, three, twoAgain] = byThreads;
    assert.deepEqual(twoAgain.losses, two.losses);
    for (const [name, g] of Object.entries(two.grads)) assert.deepEqual(bytes(twoAgain.grads[name]), bytes(g), `grad ${name}, threads=2 twice`);
    for (const r of [one, three]) {
      assert.deepEqual(r.losses, two.losses, 'losses');
      for (const [name, g] of Object.entries(two.grads)) {
        if (name.startsWith('gain_')) assert.deepEqual(bytes(r.grads[name]), bytes(g), `grad ${name}`);
        else assert.ok(relError(r.grads[name], g) < 1e-5, `grad ${name}`);
      }
    }
  } finally {
    configureKernels({});
    tf.dispose(Object.values(d));
    model.dispose();
  }
});

test('the kernel’s fused readout is bit-identical to the readout op on its history, forward and backward, on every path and thread count', { skip }, () => {
  const inp = patternInputs(7, 11, 37, 3, 41);
  const [B, T, K] = inp.actions.shape;
  const N = 37;
  const dims: Dims = [B, T, K, N];
  const basis = readoutBasis(N);
  const c: RecurrenceConstants = { J0: -0.1, J1: 0.1, alpha: 0.15, activation: 'gelu' };
  const data = { actions: Float32Array.from(inp.actions.dataSync()), r0: Float32Array.from(inp.r0.dataSync()), Wo: Float32Array.from(inp.Wo.dataSync()), Wa: Float32Array.from(inp.Wa.dataSync()) };
  const dsums = Float32Array.from({ length: 3 * B * T }, (_, i) => Math.sin(i * 0.7));
  for (const isa of NATIVE_ISAS) {
    setNativeIsa(isa);
    for (const threads of [1, 3]) {
      for (const sparse of [false, true]) {
        // Through the history: the op's forward, the readout op, its backward, the op's backward.
        const G = tf.tidy(() => {
          const h = nativeRecurrence(inp, c, { threads, actionGrads: sparse ? 'nonzero' : 'all' });
          return { h, hist: Float32Array.from(read(h)) };
        });
        const sums = kernelReadoutForward(G.hist, B * T, N, basis, 'native');
        const dh = Float32Array.from(kernelReadoutBackward(G.hist, dsums, B * T, N, basis, 'native'));
        const viaHistory = tf.tidy(() => {
          const f = (a: tf.Tensor, r: tf.Tensor, o: tf.Tensor, w: tf.Tensor): tf.Scalar =>
            tf.sum(tf.mul(nativeRecurrence({ actions: a as tf.Tensor3D, r0: r as tf.Tensor2D, Wo: o as tf.Tensor2D, Wa: w as tf.Tensor3D }, c, { threads, actionGrads: sparse ? 'nonzero' : 'all' }), tf.tensor3d(dh, [B, T, N])));
          return tf.grads(f)([inp.actions, inp.r0, inp.Wo, inp.Wa]).map((t) => Float32Array.from(t.dataSync()));
        });
        G.h.dispose();
        // Fused: the sums straight from the forward, the backward from the sums' cotangent.
        const fusedSums = new Float32Array(3 * B * T);
        nativeForwardSums(newCallId(), data, dims, c, threads, sparse, basis, fusedSums);
        const fused = nativeBackwardSums(dsums, basis, dims);
        const label = `${isa}, threads=${threads}, sparse=${sparse}`;
        assert.deepEqual(bytes(fusedSums), bytes(sums), `sums, ${label}`);
        ['dactions', 'dr0', 'dWo', 'dWa'].forEach((name, i) => assert.deepEqual(bytes(fused[i]), bytes(viaHistory[i]), `${name}, ${label}`));
      }
    }
  }
  restoreNativeIsa();
  tf.dispose(Object.values(inp));
});
