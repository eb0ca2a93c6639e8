/**
 * The baseline models' behaviour: configuration errors, dropout (off in eval mode, seeded and
 * replayable in training, the same masks on both kernels), weights in and out (all-or-nothing,
 * safetensors round trip under the reference's names), memory discipline over training steps.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '@ring-attractor/common';
import {
  CausalTransformer,
  GruIntegrator,
  POSITIONAL_BUFFER,
  baselineKernelMemoryBytes,
  decodeSafetensors,
  disposeBaselineKernel,
  encodeSafetensors,
  maskValues,
  positionalTable,
  resolveGruConfig,
  resolveTransformerConfig,
  nativeUnavailableReason,
  type BaselineKernel,
  type Weights,
} from '../src/index.js';
import { relError } from './kernelHelpers.js';
import { tf, useWasm } from './helpers.js';

await useWasm();
after(() => disposeBaselineKernel());

type Model = GruIntegrator | CausalTransformer;
const KINDS = {
  gru: (o: { seed?: number; dropout?: number; kernel?: BaselineKernel } = {}) => new GruIntegrator({ hidden_size: 12, num_layers: 2, ...o }),
  transformer: (o: { seed?: number; dropout?: number; kernel?: BaselineKernel } = {}) => new CausalTransformer({ d_model: 8, nhead: 2, num_layers: 2, dim_feedforward: 12, max_seq_len: 32, ...o }),
};
const B = 3, T = 6;
/** The fused kernels this machine runs: wasm, and native where its addon is built. */
const FUSED: BaselineKernel[] = nativeUnavailableReason() === null ? ['wasm', 'native'] : ['wasm'];

function batch(): { av: tf.Tensor2D; angle: tf.Tensor2D; theta0: tf.Tensor1D } {
  return tf.tidy(() => {
    const av = tf.randomUniform([B, T], -0.3, 0.3, 'float32', 1) as tf.Tensor2D;
    const angle = tf.randomUniform([B, T], 0, 2 * Math.PI, 'float32', 2) as tf.Tensor2D;
    return { av, angle, theta0: tf.reshape(tf.slice(angle, [0, 0], [B, 1]), [B]) as tf.Tensor1D };
  });
}

function run(model: Model, training: boolean): Float32Array {
  const { av, theta0, angle } = batch();
  const out = model.forward(av, theta0, { training });
  const data = out.dataSync() as Float32Array;
  tf.dispose([out, av, theta0, angle]);
  return Float32Array.from(data);
}

const same = (a: Float32Array, b: Float32Array): boolean => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));

test('configs: defaults are the reference\'s; bad fields are one-line errors naming the field', () => {
  assert.deepEqual(resolveGruConfig(), { hidden_size: 128, num_layers: 2, dropout: 0.1, seed: 0, kernel: 'tfjs' });
  const t = resolveTransformerConfig({ num_layers: 8 });
  assert.deepEqual([t.d_model, t.nhead, t.num_layers, t.dim_feedforward], [64, 8, 8, 128]);
  const bad: [() => unknown, RegExp][] = [
    [() => resolveGruConfig({ hidden_size: 0 }), /^hidden_size: expected an integer/],
    [() => resolveGruConfig({ dropout: 1 }), /^dropout: expected a finite number in \[0, 1\) \(got 1\)/],
    [() => resolveGruConfig({ kernel: 'gpu' as BaselineKernel }), /^kernel: expected one of tfjs, wasm/],
    [() => resolveGruConfig({ hiden_size: 3 } as never), /^hiden_size: expected a known key/],
    [() => resolveTransformerConfig({ d_model: 10, nhead: 4 }), /^nhead: expected a divisor of d_model = 10/],
    [() => resolveTransformerConfig({ d_model: 7, nhead: 7 }), /^d_model: expected an even integer/],
    [() => resolveTransformerConfig({ seed: -1 }), /^seed: expected an integer/],
  ];
  for (const [f, msg] of bad) assert.throws(f, (e: unknown) => e instanceof UsageError && msg.test(e.message) && !e.message.includes('\n'));
});

test('dropout masks: about p of the units are dropped, the rest scaled by 1/(1 − p); the key fixes them', () => {
  const m = maskValues({ key: 99, p: 0.25 }, 40000);
  const dropped = m.filter((x) => x === 0).length / m.length;
  assert.ok(Math.abs(dropped - 0.25) < 0.01, `dropped ${dropped}`);
  assert.ok(m.every((x) => x === 0 || x === Math.fround(1 / 0.75)));
  assert.ok(same(m, maskValues({ key: 99, p: 0.25 }, 40000)));
  assert.ok(!same(m, maskValues({ key: 100, p: 0.25 }, 40000)));
});

for (const [kind, make] of Object.entries(KINDS)) {
  test(`${kind}: eval mode is deterministic and draws no masks; training drops units, seeded and replayable`, () => {
    const model = make({ seed: 4, dropout: 0.5 });
    const state = model.dropoutState();
    const e1 = run(model, false);
    assert.ok(same(e1, run(model, false)), 'eval is deterministic');
    assert.deepEqual(model.dropoutState(), state, 'eval draws nothing from the dropout stream');
    const t1 = run(model, true);
    assert.ok(relError(tf.tensor(t1), tf.tensor(e1)) > 1e-3, 'training mode drops units');
    const t2 = run(model, true);
    assert.ok(!same(t1, t2), 'each training forward draws fresh masks');
    model.setDropoutState(state);
    assert.ok(same(t1, run(model, true)), 'restoring the stream replays the masks');
    const twin = make({ seed: 4, dropout: 0.5 });
    assert.ok(same(t1, run(twin, true)), 'the same seed gives the same masks');
    const noDrop = make({ seed: 4, dropout: 0 });
    assert.ok(same(run(noDrop, true), run(noDrop, false)), 'dropout 0: training = eval');
    for (const m of [model, twin, noDrop]) m.dispose();
  });

  for (const kernel of FUSED) {
    test(`${kind}: training mode gives the same masks, outputs and gradients on the tfjs graph and ${kernel}`, () => {
      const ref = make({ seed: 9, dropout: 0.3, kernel: 'tfjs' });
      const fused = make({ seed: 9, dropout: 0.3, kernel });
      const { av, angle, theta0 } = batch();
      const grads = (m: Model) => tf.variableGrads(() => m.loss(m.forward(av, theta0, { training: true }), angle, av).objective, m.trainableVariables()).grads;
      const a = grads(ref);
      const b = grads(fused);
      const names = ref.trainableVariables().map((v, i) => [v.name, fused.trainableVariables()[i].name]);
      for (const [na, nb] of names) assert.ok(relError(b[nb], a[na]) < 1e-4, `${na}: ${relError(b[nb], a[na])}`);
      tf.dispose([...Object.values(a), ...Object.values(b), av, angle, theta0]);
      ref.dispose();
      fused.dispose();
    });
  }

  test(`${kind}: weights round-trip (also through safetensors); a bad set is rejected and changes nothing`, () => {
    const a = make({ seed: 1 });
    const b = make({ seed: 2 });
    assert.ok(!same(run(a, false), run(b, false)));
    const bytes = encodeSafetensors(a.getWeights());
    b.setWeights(decodeSafetensors(bytes).tensors);
    assert.ok(same(run(a, false), run(b, false)), 'same weights, same output');
    assert.deepEqual(Object.keys(b.getWeights()), Object.keys(a.parameterShapes()), 'state-dict names, in order');
    const good = a.getWeights();
    const before = run(b, false);
    const name = Object.keys(good)[2];
    const cases: [Weights, RegExp][] = [
      [Object.fromEntries(Object.entries(good).filter(([n]) => n !== name)), new RegExp(`missing tensor ${name.replace(/\./g, '\\.')}`)],
      [{ ...good, [name]: { shape: [...good[name].shape, 1], data: good[name].data } }, /has shape/],
      [{ ...good, [name]: { shape: good[name].shape, data: good[name].data.subarray(1) } }, /values, expected/],
      [{ ...good, 'extra.weight': { shape: [1], data: new Float32Array(1) } }, /unexpected tensor extra\.weight/],
    ];
    for (const [w, msg] of cases) assert.throws(() => b.setWeights(w), msg);
    assert.ok(same(before, run(b, false)), 'rejected sets change nothing');
    a.dispose();
    b.dispose();
    assert.throws(() => a.getWeights(), /after dispose/);
  });
}

test('transformer: the positional buffer for PyTorch state dicts, checked when loaded', () => {
  const m = KINDS.transformer();
  const pe = m.buffers()[POSITIONAL_BUFFER];
  assert.deepEqual(pe.shape, [1, 32, 8]);
  // Closed form in float64: within float32 rounding of the argument and the value.
  for (let t = 0; t < 32; t++) {
    for (let i = 0; i < 4; i++) {
      const arg = t * Math.exp((2 * i * -Math.log(10000)) / 8);
      assert.ok(Math.abs(pe.data[t * 8 + 2 * i] - Math.sin(arg)) < 1e-5 && Math.abs(pe.data[t * 8 + 2 * i + 1] - Math.cos(arg)) < 1e-5, `pe[${t}, ${2 * i}]`);
    }
  }
  assert.deepEqual(positionalTable(32, 8), pe.data);
  m.setWeights({ ...m.getWeights(), ...m.buffers() });
  const wrong = Float32Array.from(pe.data);
  wrong[17] += 0.01;
  assert.throws(() => m.setWeights({ ...m.getWeights(), [POSITIONAL_BUFFER]: { shape: pe.shape, data: wrong } }), /not the sinusoidal table .*entry 17/);
  assert.throws(() => m.setWeights({ ...m.getWeights(), [POSITIONAL_BUFFER]: { shape: [1, 31, 8], data: wrong.subarray(8) } }), /has shape \[1, 31, 8\]/);
  const long = tf.zeros([1, 32]) as tf.Tensor2D;
  assert.throws(() => m.forward(long, tf.zeros([1]) as tf.Tensor1D), /33 positions but max_seq_len is 32/);
  tf.dispose(long);
  m.dispose();
});

test('forward rejects inputs of the wrong shape', () => {
  const m = KINDS.gru();
  const av = tf.zeros([2, 3]) as tf.Tensor2D;
  assert.throws(() => m.forward(av, tf.zeros([3]) as tf.Tensor1D), /initialAngle must have shape \[2\]/);
  assert.throws(() => m.forward(tf.zeros([2]) as unknown as tf.Tensor2D, tf.zeros([2]) as tf.Tensor1D), /av must be B×T/);
  tf.dispose(av);
  m.dispose();
});

for (const [kind, make] of Object.entries(KINDS)) {
  for (const kernel of FUSED) test(`${kind}: 20 ${kernel} training steps leak no tensors and keep the kernel's memory; the loss falls`, () => {
    const model = make({ seed: 3, kernel });
    const { av, angle, theta0 } = batch();
    const step = (): number =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => model.loss(model.forward(av, theta0, { training: true }), angle, av).objective, model.trainableVariables());
        for (const v of model.trainableVariables()) v.assign(tf.sub(v, tf.mul(grads[v.name], 0.02)));
        return value.dataSync()[0];
      });
    const first = step();
    const tensors = tf.memory().numTensors;
    const bytes = baselineKernelMemoryBytes();
    let last = first;
    for (let i = 1; i < 20; i++) {
      last = step();
      assert.equal(tf.memory().numTensors, tensors, `tensors at step ${i}`);
      assert.equal(baselineKernelMemoryBytes(), bytes, `kernel memory at step ${i}`);
    }
    assert.ok(last < first, `the loss should fall (${first} → ${last})`);
    tf.dispose([av, angle, theta0]);
    model.dispose();
  });
}

for (const [kind, make] of Object.entries(KINDS)) {
  for (const kernel of FUSED) test(`${kind}: ${kernel} training is reproducible bit for bit (same seed, same data, same threads)`, () => {
    const run3 = (): Buffer => {
      const model = make({ seed: 8, kernel, dropout: 0.2 });
      const { av, angle, theta0 } = batch();
      for (let i = 0; i < 3; i++) {
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => model.loss(model.forward(av, theta0, { training: true }), angle, av).objective, model.trainableVariables());
          for (const v of model.trainableVariables()) v.assign(tf.sub(v, tf.mul(grads[v.name], 0.05)));
        });
      }
      const w = model.getWeights();
      tf.dispose([av, angle, theta0]);
      model.dispose();
      return Buffer.concat(Object.values(w).map((t) => Buffer.from(t.data.buffer)));
    };
    assert.ok(run3().equals(run3()));
  });
}
