/** The model's pieces against closed forms and invariants; config validation; memory discipline. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LeakyRingAttractor,
  avToActions,
  circularError,
  cosineOutput,
  decodeArgmax,
  decodePopulationVector,
  initialBump,
  initialWeights,
  parameterName,
  resolveConfig,
  runRecurrence,
  totalLoss,
  weightMatrixNames,
} from '../src/index.js';
import { UsageError } from '@ring-attractor/common';
import { tf, useWasm, worstRatio } from './helpers.js';

await useWasm();

test('initialBump: Gaussian of width N/10 around θN/2π on the circle, unit L2 norm', () => {
  const N = 20;
  const theta = [0, Math.PI, 6.1];
  const r = initialBump(theta, N).arraySync();
  for (let b = 0; b < theta.length; b++) {
    const c = (theta[b] * N) / (2 * Math.PI);
    const raw = Array.from({ length: N }, (_, i) => {
      const d = Math.min(Math.abs(i - c), N - Math.abs(i - c));
      return Math.exp(-(d * d) / (2 * 2 * 2));
    });
    const norm = Math.hypot(...raw);
    const { ratio } = worstRatio(r[b], raw.map((x) => x / norm), 1e-6, 1e-7);
    assert.ok(ratio <= 1, `bump ${b}`);
  }
  // Wrapping: the bump at 0 is symmetric around neuron 0.
  assert.ok(Math.abs(r[0][1] - r[0][N - 1]) < 1e-7);
});

test('cosine output equals r·W_delta7 (N×N cos(2π(i−j)/N)) divided by its max', () => {
  const N = 9;
  const bump = tf.randomUniform([2, 3, N], -0.2, 1, 'float32', 5) as tf.Tensor3D;
  const r = bump.arraySync();
  const out = cosineOutput(bump).arraySync();
  for (let b = 0; b < 2; b++) for (let t = 0; t < 3; t++) {
    const d = Array.from({ length: N }, (_, j) => r[b][t].reduce((s, ri, i) => s + ri * Math.cos((2 * Math.PI * (i - j)) / N), 0));
    const m = Math.max(...d);
    assert.ok(worstRatio(out[b][t], d.map((x) => x / m), 1e-5, 1e-6).ratio <= 1, `row ${b},${t}`);
  }
});

test('decoders: population vector in [0, 2π), argmax on 2πk/N, circular error', () => {
  const N = 12;
  const theta = [0.05, 3.0, 6.2];
  const out = tf.expandDims(initialBump(theta, N), 1) as tf.Tensor3D;
  const pv = decodePopulationVector(out).dataSync();
  for (let i = 0; i < 3; i++) {
    assert.ok(pv[i] >= 0 && pv[i] < 2 * Math.PI);
    assert.ok(circularError([pv[i]], [theta[i]]) < 1e-5, `pv ${pv[i]} vs ${theta[i]}`);
  }
  assert.deepEqual(Array.from(decodeArgmax(out).dataSync()).map((x) => Math.round((x * N) / (2 * Math.PI))), [0, 6, 0]);
  assert.ok(Math.abs(circularError([0.1, 6.2], [6.2, 0.1]) - (2 * Math.PI - 6.1)) < 1e-12);
  assert.ok(Math.abs(circularError([1, 2], [1.5, 2]) - 0.25) < 1e-12);
});

test('avToActions: k = 2 is [relu(−av), relu(av)]; k > 2 channels sum to each side\'s rectified av', () => {
  const avVals = [-0.4, -0.2, -0.05, 0, 0.07, 0.2, 0.31];
  const av = tf.tensor2d(avVals, [1, 7]);
  const two = avToActions(av, 2, 0.3).arraySync()[0];
  avVals.forEach((x, t) => assert.deepEqual(two[t], [Math.max(-Math.fround(x), 0), Math.max(Math.fround(x), 0)]));
  for (const k of [3, 4, 5]) {
    const a = avToActions(av, k, 0.3).arraySync()[0];
    avVals.forEach((x, t) => {
      const left = a[t].filter((_, c) => c % 2 === 0).reduce((s, v) => s + v, 0);
      const right = a[t].filter((_, c) => c % 2 === 1).reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(left - Math.max(-x, 0)) < 1e-6 && Math.abs(right - Math.max(x, 0)) < 1e-6, `k=${k} av=${x}`);
      assert.ok(a[t].every((v) => v >= 0));
    });
  }
  // k = 4, maxAv 0.3: left levels slice at 0.15; av = −0.2 → channel 0 full (0.15), channel 2 the rest.
  const four = avToActions(tf.tensor2d([-0.2], [1, 1]), 4, 0.3).arraySync()[0][0];
  assert.ok(Math.abs(four[0] - 0.15) < 1e-6 && Math.abs(four[2] - 0.05) < 1e-6 && four[1] === 0 && four[3] === 0);
});

test('k = 2: forwardActions with the L/R encoding equals forward', () => {
  const model = new LeakyRingAttractor({ num_neurons: 16, seed: 4 });
  try {
    tf.tidy(() => {
      const av = tf.randomUniform([3, 10], -0.3, 0.3, 'float32', 2) as tf.Tensor2D;
      const lr = tf.stack([tf.relu(tf.neg(av)), tf.relu(av)], 2) as tf.Tensor3D;
      const a = model.forward(av);
      const b = model.forwardActions(lr);
      assert.deepEqual(b.output.dataSync(), a.output.dataSync());
      assert.deepEqual(b.bump.dataSync(), a.bump.dataSync());
      // Channel 0 is L: only negative av drives Wl, so zeroing Wl changes only turns to the left.
      const w = model.getWeights();
      model.setWeights({ ...w, Wl: { shape: w.Wl.shape, data: new Float32Array(w.Wl.data.length) } });
      const pos = tf.abs(av) as tf.Tensor2D;
      const after = model.forward(pos);
      model.setWeights(w);
      assert.deepEqual(after.bump.dataSync(), model.forward(pos).bump.dataSync());
    });
  } finally {
    model.dispose();
  }
});

test('action_dim = 3: parameter names, shapes and forward shapes', () => {
  const model = new LeakyRingAttractor({ num_neurons: 10, action_dim: 3, hidden_gain_neurons: 2 });
  try {
    assert.deepEqual(weightMatrixNames(3), ['Wo', 'Wa.0', 'Wa.1', 'Wa.2']);
    assert.deepEqual(weightMatrixNames(2), ['Wo', 'Wl', 'Wr']);
    const names = model.trainableVariables().map((v) => parameterName(v.name));
    assert.deepEqual(names, [
      'Wo', 'Wa.0', 'Wa.1', 'Wa.2',
      'gain_nets.0.0.weight', 'gain_nets.0.0.bias', 'gain_nets.0.2.weight', 'gain_nets.0.2.bias',
      'gain_nets.1.0.weight', 'gain_nets.1.0.bias', 'gain_nets.1.2.weight', 'gain_nets.1.2.bias',
      'gain_nets.2.0.weight', 'gain_nets.2.0.bias', 'gain_nets.2.2.weight', 'gain_nets.2.2.bias',
    ]);
    tf.tidy(() => {
      const f = model.forward(tf.zeros([4, 7]) as tf.Tensor2D);
      assert.deepEqual(f.output.shape, [4, 7, 10]);
      assert.deepEqual(f.bump.shape, [4, 7, 10]);
      const g = model.forwardActions(tf.zeros([2, 5, 3]) as tf.Tensor3D);
      assert.deepEqual(g.bump.shape, [2, 5, 10]);
      assert.throws(() => model.forwardActions(tf.zeros([2, 5, 2]) as tf.Tensor3D), /B×T×3/);
    });
  } finally {
    model.dispose();
  }
});

test('initial weights: fixed by the seed, the scales of docs/model.md §2.8, perfect matrices, debug_perfect has no gain nets', () => {
  const a = initialWeights(resolveConfig({ num_neurons: 100, seed: 1 }));
  const b = initialWeights(resolveConfig({ num_neurons: 100, seed: 1 }));
  const c = initialWeights(resolveConfig({ num_neurons: 100, seed: 2 }));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.Wo.data, c.Wo.data);
  // Normal(0, 1)/√N: the variance of 10,000 draws is 1/N within a few percent.
  const v = a.Wo.data.reduce((s, x) => s + x * x, 0) / a.Wo.data.length;
  assert.ok(Math.abs(v * 100 - 1) < 0.05, `variance·N = ${v * 100}`);
  for (const x of a['gain_r_net.0.weight'].data) assert.ok(Math.abs(x) <= 1);
  for (const x of a['gain_r_net.2.weight'].data) assert.ok(Math.abs(x) <= 1 / Math.sqrt(3));
  const p = initialWeights(resolveConfig({ num_neurons: 8, init: 'perfect' }));
  const d = (i: number, j: number) => (2 * Math.PI * (i - j)) / 8;
  assert.ok(Math.abs(p.Wr.data[3 * 8 + 1] - Math.cos(d(3, 1) - Math.PI / 4)) < 1e-6);
  assert.ok(Math.abs(p.Wl.data[3 * 8 + 1] - Math.cos(d(3, 1) + Math.PI / 4)) < 1e-6);
  assert.ok(Math.abs(p.Wo.data[2 * 8 + 7] - Math.cos(d(2, 7))) < 1e-6);
  assert.ok('gain_l_net.0.bias' in p);
  const dp = new LeakyRingAttractor({ num_neurons: 8, init: 'debug_perfect' });
  assert.deepEqual(Object.keys(dp.getWeights()), ['Wo', 'Wl', 'Wr']);
  assert.deepEqual(dp.trainableVariables(), []);
  dp.dispose();
});

test('config: the model section of the shared schema plus seed, max_av and kernel; errors name the field', () => {
  const c = resolveConfig();
  assert.deepEqual(c, { kind: 'ring', num_neurons: 120, activation: 'gelu', hidden_gain_neurons: 3, init: 'random', action_dim: 2, alpha: 0.15, J0: -0.1, J1: 0.1, seed: 0, max_av: 0.1 * Math.PI, kernel: 'tfjs' });
  const bad: [object, RegExp][] = [
    [{ num_neurons: 1.5 }, /^num_neurons: expected an integer in \[3, 4096\] \(got 1.5\)$/],
    [{ activation: 'swish' }, /^activation: expected one of tanh, relu, gelu/],
    [{ alpha: 1.5 }, /^alpha: expected a finite number in \(0, 1\]/],
    [{ action_dim: 1 }, /^action_dim: expected an integer in \[2, 64\]/],
    [{ init: 'zeros' }, /^init: expected one of random, perfect, debug_perfect/],
    [{ kernel: 'gpu' }, /^kernel: expected one of tfjs, wasm, native \(got "gpu"\)$/],
    [{ kernel: 'fused' }, /^kernel: /],
    [{ seed: -1 }, /^seed: /],
    [{ max_av: 0 }, /^max_av: expected a finite number > 0/],
    [{ hidden_gain_neurons: 0 }, /^hidden_gain_neurons: /],
    [{ numNeurons: 10 }, /^numNeurons: expected a known key/],
  ];
  for (const [input, pattern] of bad) {
    assert.throws(() => resolveConfig(input as never), (e: Error) => e instanceof UsageError && pattern.test(e.message), JSON.stringify(input));
  }
  // Every kernel name resolves to itself.
  for (const kernel of ['tfjs', 'wasm', 'native'] as const) assert.equal(resolveConfig({ kernel }).kernel, kernel);
});

test('runRecurrence rejects an unknown kernel name', () => {
  assert.throws(
    () => runRecurrence({ actions: tf.zeros([1, 1, 2]), r0: tf.zeros([1, 6]), Wo: tf.zeros([6, 6]), Wa: tf.zeros([2, 6, 6]) } as never, { J0: 0, J1: 0, alpha: 0.1, activation: 'relu' }, 'gpu' as never),
    /unknown recurrence kernel "gpu"/,
  );
});

test('a forward + backward step leaks no tensors (step 1 vs step 50)', () => {
  const model = new LeakyRingAttractor({ num_neurons: 12, seed: 9 });
  const av = tf.randomUniform([4, 8], -0.3, 0.3, 'float32', 1) as tf.Tensor2D;
  const angle = tf.randomUniform([4, 8], 0, 6, 'float32', 2) as tf.Tensor2D;
  const r0 = initialBump([0, 1, 2, 3], 12);
  const vars = model.trainableVariables();
  const counts: number[] = [];
  try {
    for (let step = 1; step <= 50; step++) {
      const { value, grads } = tf.variableGrads(() => {
        const f = model.forward(av, r0);
        return totalLoss(f.output, f.bump, angle).total;
      }, vars);
      // An SGD update, as a training step would do, so every step sees new weights.
      for (const v of vars) tf.tidy(() => v.assign(tf.sub(v, tf.mul(grads[v.name], 1e-3))));
      assert.ok(Number.isFinite(value.dataSync()[0]));
      tf.dispose([value, grads]);
      counts.push(tf.memory().numTensors);
    }
    assert.equal(counts[49], counts[0], `tensors after step 1: ${counts[0]}, after step 50: ${counts[49]}`);
  } finally {
    model.dispose();
    tf.dispose([av, angle, r0]);
  }
  assert.throws(() => model.forward(av), /after dispose/);
});
