/**
 * trainingLoss (one op over the ring readout) against totalLoss(cosineOutput(bump), …), the function it replaces in
 * training: on random models of every activation, on every golden vector file, and the op's own
 * gradient against float64 finite differences.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DATAGEN_CONFIG, generateSequences } from '@ring-attractor/datagen';
import {
  LeakyRingAttractor,
  disposeKernels,
  nativeUnavailableReason,
  initialBump,
  parameterName,
  ringReadout,
  cosineOutput,
  totalLoss,
  trainingLoss,
  type Activation,
  type KernelName,
  type Losses,
} from '../src/index.js';
import { GOLDEN_DIR, GRAD_RTOL, OUT_ATOL, OUT_RTOL, goldenFiles, goldenModel, readGolden, toTensor } from './golden.js';
import { maxAbs, tf, useWasm, worstRatio } from './helpers.js';

await useWasm();
after(() => disposeKernels());

function close(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): void {
  const { ratio, index } = worstRatio(actual, expected, rtol, atol);
  assert.ok(ratio <= 1, `${what}: element ${index} is ${actual[index]}, expected ${expected[index]} (${ratio.toFixed(2)}× the tolerance)`);
}

/** Losses and every trainable parameter's gradient of one forward, with either loss. */
function lossesAndGrads(
  model: LeakyRingAttractor,
  av: tf.Tensor2D,
  angle: tf.Tensor2D,
  r0: tf.Tensor2D | undefined,
  bumpWeight: number,
  which: 'training' | 'total',
): { losses: number[]; grads: Record<string, Float32Array> } {
  const vars = model.trainableVariables();
  let losses: number[] = [];
  const loss = (): tf.Scalar => {
    let l: Losses;
    if (which === 'training') l = trainingLoss(model.forwardBump(av, r0), angle, bumpWeight);
    else {
      const { output, bump } = model.forward(av, r0);
      l = totalLoss(output, bump, angle, bumpWeight);
    }
    losses = [l.total, l.angle, l.bump].map((x) => x.dataSync()[0]);
    return l.total;
  };
  return tf.tidy(() => {
    const grads: Record<string, Float32Array> = {};
    // debug_perfect has no trainable parameters: losses only.
    if (vars.length === 0) loss();
    else for (const [name, g] of Object.entries(tf.variableGrads(loss, vars).grads)) grads[parameterName(name)] = g.dataSync() as Float32Array;
    return { losses, grads };
  });
}

/** B sequences of T steps of docs/model.md §1 data (datagen's generator, default shape), with the bump at each start angle. */
function randomBatch(B: number, T: number, N: number, seed: number): { av: tf.Tensor2D; angle: tf.Tensor2D; r0: tf.Tensor2D } {
  const seqs = generateSequences({ ...DEFAULT_DATAGEN_CONFIG, seq_len: T }, B, seed);
  const theta0 = Array.from({ length: B }, (_, b) => seqs.angle[b * T]);
  return { av: tf.tensor2d(seqs.av, [B, T]), angle: tf.tensor2d(seqs.angle, [B, T]), r0: initialBump(theta0, N) };
}

const LOSS_NAMES = ['total', 'angle', 'bump'];

for (const activation of ['tanh', 'relu', 'gelu'] as Activation[]) {
  for (const kernel of ['tfjs', 'wasm', ...(nativeUnavailableReason() === null ? ['native'] : [])] as KernelName[]) {
    test(`trainingLoss = totalLoss(cosineOutput) with gradients: random ${activation} model (kernel ${kernel})`, () => {
      const before = tf.memory().numTensors;
      // A random relu ring with the default global inhibition goes silent at once (every gradient 0);
      // without it the comparison has something to compare.
      const J0 = activation === 'relu' ? 0 : -0.1;
      const model = new LeakyRingAttractor({ num_neurons: 40, activation, kernel, seed: 7, J0 });
      const data = randomBatch(6, 25, 40, 11);
      try {
        const got = lossesAndGrads(model, data.av, data.angle, data.r0, 0.2, 'training');
        const want = lossesAndGrads(model, data.av, data.angle, data.r0, 0.2, 'total');
        // Both sides must be doing real work, or the comparison proves nothing.
        assert.ok(want.losses[1] > 1e-3 && want.losses[2] > 1e-6, `losses ${want.losses}`);
        for (let i = 0; i < 3; i++) close(`${LOSS_NAMES[i]} loss`, [got.losses[i]], [want.losses[i]], 1e-5, 0);
        assert.deepEqual(Object.keys(got.grads).sort(), Object.keys(want.grads).sort());
        assert.equal(Object.keys(want.grads).length, 11, 'Wo, Wl, Wr and the two gain nets’ 4 tensors each');
        for (const name of Object.keys(want.grads)) {
          const scale = maxAbs(want.grads[name]);
          assert.ok(scale > 0, `grad ${name} is not all zero`);
          close(`grad ${name}`, got.grads[name], want.grads[name], 1e-4, 1e-4 * scale);
        }
      } finally {
        tf.dispose(Object.values(data));
        model.dispose();
      }
      assert.equal(tf.memory().numTensors, before, 'no tensors leak');
    });
  }
}

const files = goldenFiles();
test('golden fixtures are present', () => assert.ok(files.length >= 4, `found ${files.length} in ${GOLDEN_DIR}`));

for (const file of files) {
  test(`trainingLoss reproduces the golden losses and gradients: ${file}`, () => {
    const g = readGolden(file);
    const before = tf.memory().numTensors;
    const model = goldenModel(g, 'tfjs');
    const av = toTensor(g.inputs.av) as tf.Tensor2D;
    const angle = toTensor(g.inputs.angle) as tf.Tensor2D;
    const r0 = g.inputs.r_init === null ? undefined : (toTensor(g.inputs.r_init) as tf.Tensor2D);
    try {
      const got = lossesAndGrads(model, av, angle, r0, g.config.bump_loss_weight, 'training');
      const want = [g.outputs.loss_total, g.outputs.loss_main, g.outputs.loss_bump];
      for (let i = 0; i < 3; i++) close(`${LOSS_NAMES[i]} loss`, [got.losses[i]], [want[i]], OUT_RTOL, OUT_ATOL);
      assert.deepEqual(Object.keys(got.grads).sort(), Object.keys(g.grads).sort(), 'trainable parameters = the reference gradients');
      for (const [name, expected] of Object.entries(g.grads)) {
        close(`grad ${name}`, got.grads[name], expected.data, GRAD_RTOL, GRAD_RTOL * maxAbs(expected.data));
      }
    } finally {
      tf.dispose([av, angle, ...(r0 ? [r0] : [])]);
      model.dispose();
    }
    assert.equal(tf.memory().numTensors, before, 'no tensors leak');
  });
}

/** Float64 reference of a smooth scalar of the readout: Σ X·Y + Σ sin(X) + 0.5·Σ A². */
function objective64(r: Float64Array, B: number, T: number, N: number): number {
  let f = 0;
  for (let row = 0; row < B * T; row++) {
    let x = 0;
    let y = 0;
    let a = 0;
    for (let i = 0; i < N; i++) {
      const phi = (2 * Math.PI * i) / N;
      x += r[row * N + i] * Math.cos(phi);
      y += r[row * N + i] * Math.sin(phi);
      a += Math.abs(r[row * N + i]);
    }
    f += x * y + Math.sin(x) + 0.5 * a * a;
  }
  return f;
}

test('ringReadout: values and gradient against float64 sums and central differences', () => {
  const [B, T, N] = [2, 3, 7];
  // Entries bounded away from 0 (both signs), so |r| is smooth within the finite-difference step.
  const r = Float64Array.from({ length: B * T * N }, (_, k) => {
    const m = 0.1 + ((k * 0.6180339887) % 1);
    return k % 3 === 0 ? -m : m;
  });
  const bump = tf.tensor3d(Float32Array.from(r), [B, T, N]);
  const r32 = Float64Array.from(bump.dataSync());
  const before = tf.memory().numTensors;
  const f = (b: tf.Tensor): tf.Scalar => {
    const { x, y, amplitude } = ringReadout(b as tf.Tensor3D);
    return tf.addN([tf.sum(tf.mul(x, y)), tf.sum(tf.sin(x)), tf.mul(0.5, tf.sum(tf.square(amplitude)))]) as tf.Scalar;
  };
  const { value, grad } = tf.valueAndGrad(f)(bump);
  close('objective', value.dataSync(), [objective64(r32, B, T, N)], 1e-5, 0);
  const g = grad.dataSync();
  const h = 1e-6;
  const fd = new Float64Array(r32.length);
  for (let k = 0; k < r32.length; k++) {
    const p = Float64Array.from(r32);
    const m = Float64Array.from(r32);
    p[k] += h;
    m[k] -= h;
    fd[k] = (objective64(p, B, T, N) - objective64(m, B, T, N)) / (2 * h);
  }
  close('gradient vs central differences', g, fd, 1e-4, 1e-5 * maxAbs(fd));
  tf.dispose([value, grad]);
  assert.equal(tf.memory().numTensors, before, 'no tensors leak');
  bump.dispose();
});

test('ringReadout: a caller may use only some outputs; |r| has gradient 0 at r = ±0 (as PyTorch)', () => {
  const bump = tf.tensor3d([[[0, 1, -2, -0]]]);
  const before = tf.memory().numTensors;
  const g = tf.grad((b: tf.Tensor) => tf.sum(ringReadout(b as tf.Tensor3D).amplitude))(bump);
  assert.deepEqual(Array.from(g.dataSync()), [0, 1, -1, 0]);
  const gx = tf.grad((b: tf.Tensor) => tf.sum(ringReadout(b as tf.Tensor3D).x))(bump);
  close('dX/dr = cos φ', gx.dataSync(), [1, 0, -1, 0], 0, 1e-7);
  tf.dispose([g, gx]);
  assert.equal(tf.memory().numTensors, before, 'no tensors leak');
  bump.dispose();
});

test('ringReadout rejects a bump that is not B×T×N float32', () => {
  const t = tf.zeros([2, 3]);
  assert.throws(() => ringReadout(t as unknown as tf.Tensor3D), /^Error: ringReadout: bump must be B×T×N \(got shape \[2, 3\]\)/);
  t.dispose();
});

test('trainingLoss: the angle and bump losses alone have the gradients of totalLoss’s (each output of the op carries its own)', () => {
  const [B, T, N] = [3, 5, 12];
  const bump = tf.tidy(() => tf.add(tf.randomUniform([B, T, N], -0.2, 1, 'float32', 21), 0) as tf.Tensor3D);
  const angle = tf.randomUniform([B, T], 0, 2 * Math.PI, 'float32', 22) as tf.Tensor2D;
  const before = tf.memory().numTensors;
  for (const part of ['angle', 'bump', 'total'] as const) {
    for (const w of [0.2, 3]) {
      const got = tf.grad((b: tf.Tensor) => trainingLoss(b as tf.Tensor3D, angle, w)[part])(bump);
      const want = tf.grad((b: tf.Tensor) => totalLoss(cosineOutput(b as tf.Tensor3D), b as tf.Tensor3D, angle, w)[part])(bump);
      const scale = maxAbs(want.dataSync());
      assert.ok(scale > 0, `${part}: gradient is not all zero`);
      close(`${part} (w ${w}) gradient`, got.dataSync(), want.dataSync(), 1e-4, 1e-5 * scale);
      tf.dispose([got, want]);
    }
  }
  assert.equal(tf.memory().numTensors, before, 'no tensors leak');
  tf.dispose([bump, angle]);
});
