/** Model checkpoints: bit-for-bit reload from the stored config, and all-or-nothing failures. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COSINE_FILTER_BUFFER, CONFIG_METADATA_KEY, CausalTransformer, GruIntegrator, LeakyRingAttractor, POSITIONAL_BUFFER, encodeSafetensors, loadModel, loadModelWithMetadata, loadSafetensors, saveModel, saveSafetensors } from '../src/index.js';
import { tf, useWasm } from './helpers.js';

await useWasm();
const dir = mkdtempSync(join(tmpdir(), 'ring-checkpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function bits(t: tf.Tensor): Uint8Array {
  return new Uint8Array((t.dataSync() as Float32Array).slice().buffer);
}

for (const config of [
  { num_neurons: 16, activation: 'tanh' as const, seed: 7, hidden_gain_neurons: 4, alpha: 0.2 },
  { num_neurons: 12, action_dim: 3, init: 'perfect' as const, seed: 3 },
  { num_neurons: 10, init: 'debug_perfect' as const },
]) {
  test(`a loaded model reproduces outputs bit for bit (${JSON.stringify(config)})`, async () => {
    const model = new LeakyRingAttractor(config);
    const path = join(dir, `m${model.config.num_neurons}.safetensors`);
    await saveModel(path, model, { step: '5' });
    const { model: loaded, metadata } = await loadModelWithMetadata(path);
    assert.ok(loaded instanceof LeakyRingAttractor, 'a ring comes back as a ring');
    try {
      assert.deepEqual(loaded.config, model.config);
      assert.equal(metadata.step, '5');
      assert.deepEqual(JSON.parse(metadata[CONFIG_METADATA_KEY]), model.config);
      tf.tidy(() => {
        const B = 3;
        const av = tf.randomUniform([B, 9], -0.3, 0.3, 'float32', 1) as tf.Tensor2D;
        const a = model.forward(av);
        const b = loaded.forward(av);
        assert.deepEqual(bits(b.output), bits(a.output));
        assert.deepEqual(bits(b.bump), bits(a.bump));
      });
      // Exactly the model's parameters and W_delta7 are stored (the names of docs/model.md §6: see the next tests).
      const stored = Object.keys((await loadSafetensors(path)).tensors).sort();
      assert.deepEqual(stored, [...Object.keys(model.parameterShapes()), COSINE_FILTER_BUFFER].sort());
    } finally {
      model.dispose();
      loaded.dispose();
    }
  });
}

test('GRU and transformer checkpoints come back as their kind, weights and config intact; the transformer file carries its positional table', async () => {
  for (const model of [new GruIntegrator({ hidden_size: 6, num_layers: 2, seed: 4 }), new CausalTransformer({ d_model: 8, nhead: 2, num_layers: 1, dim_feedforward: 16, seed: 5 })]) {
    const path = join(dir, `${model.constructor.name}.safetensors`);
    await saveModel(path, model);
    const loaded = await loadModel(path);
    try {
      assert.equal(loaded.constructor, model.constructor);
      assert.deepEqual(loaded.config, model.config);
      assert.deepEqual(loaded.getWeights(), model.getWeights());
      const stored = Object.keys((await loadSafetensors(path)).tensors).sort();
      const expected = Object.keys(model.parameterShapes());
      if (model instanceof CausalTransformer) expected.push(POSITIONAL_BUFFER);
      assert.deepEqual(stored, expected.sort());
      assert.deepEqual(Object.keys(model.buffers()), model instanceof CausalTransformer ? [POSITIONAL_BUFFER] : []);
    } finally {
      model.dispose();
      loaded.dispose();
    }
  }
});

test('two-channel checkpoints use exactly the reference state-dict names', async () => {
  const model = new LeakyRingAttractor({ num_neurons: 8, hidden_gain_neurons: 3 });
  const path = join(dir, 'names.safetensors');
  await saveModel(path, model);
  const { tensors } = await loadSafetensors(path);
  model.dispose();
  const shapes = Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, v.shape]));
  assert.deepEqual(shapes, {
    Wo: [8, 8], Wl: [8, 8], Wr: [8, 8], W_delta7: [8, 8],
    'gain_l_net.0.weight': [3, 1], 'gain_l_net.0.bias': [3], 'gain_l_net.2.weight': [1, 3], 'gain_l_net.2.bias': [1],
    'gain_r_net.0.weight': [3, 1], 'gain_r_net.0.bias': [3], 'gain_r_net.2.weight': [1, 3], 'gain_r_net.2.bias': [1],
  });
});

test('ring checkpoints carry W_delta7, cos(2π(i−j)/N), for strict PyTorch loads; files without it still load', async () => {
  const N = 8;
  const model = new LeakyRingAttractor({ num_neurons: N, seed: 2 });
  const path = join(dir, 'filter.safetensors');
  await saveModel(path, model);
  const { tensors, metadata } = await loadSafetensors(path);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) assert.ok(Math.abs(tensors.W_delta7.data[i * N + j] - Math.cos((2 * Math.PI * (i - j)) / N)) < 1e-7, `W_delta7[${i}, ${j}]`);
  }
  // A checkpoint written before the buffer was stored (parameters only) loads to the same model.
  const old = { ...tensors };
  delete old.W_delta7;
  const oldPath = join(dir, 'filter-old.safetensors');
  await saveSafetensors(oldPath, old, { [CONFIG_METADATA_KEY]: metadata[CONFIG_METADATA_KEY] });
  const loaded = await loadModel(oldPath);
  assert.deepEqual(loaded.getWeights(), model.getWeights());
  // PyTorch's float32 table may differ in the last bits: accepted.
  const close = Float32Array.from(tensors.W_delta7.data);
  close[9] += 1e-6;
  model.setWeights({ ...model.getWeights(), [COSINE_FILTER_BUFFER]: { shape: [N, N], data: close } });
  // Another filter is refused, naming the buffer: the model would silently not use it.
  const wrong = Float32Array.from(tensors.W_delta7.data);
  wrong[9] += 0.01;
  assert.throws(() => model.setWeights({ ...model.getWeights(), W_delta7: { shape: [N, N], data: wrong } }), /tensor W_delta7 is not cos\(2π\(i−j\)\/N\) for N = 8 \(entry 9\)/);
  assert.throws(() => model.setWeights({ ...model.getWeights(), W_delta7: { shape: [4, 16], data: wrong } }), /tensor W_delta7 has shape \[4, 16\], expected \[8, 8\]/);
  model.dispose();
  loaded.dispose();
});

test('same model and metadata give byte-identical checkpoints', async () => {
  const a = new LeakyRingAttractor({ num_neurons: 8, seed: 11 });
  const b = new LeakyRingAttractor({ num_neurons: 8, seed: 11 });
  const pa = join(dir, 'same-a.safetensors');
  const pb = join(dir, 'same-b.safetensors');
  await saveModel(pa, a, { note: 'x' });
  await saveModel(pb, b, { note: 'x' });
  a.dispose();
  b.dispose();
  assert.deepEqual(readFileSync(pa), readFileSync(pb));
});

test('a missing or misshapen tensor fails naming it, and leaks nothing', async () => {
  const model = new LeakyRingAttractor({ num_neurons: 8 });
  const config = JSON.stringify(model.config);
  const weights = model.getWeights();
  model.dispose();
  const before = tf.memory().numTensors;

  const missing = { ...weights };
  delete missing['gain_r_net.2.bias'];
  const p1 = join(dir, 'missing.safetensors');
  await saveSafetensors(p1, missing, { [CONFIG_METADATA_KEY]: config });
  await assert.rejects(loadModel(p1), /missing\.safetensors: .*missing tensor gain_r_net\.2\.bias/);

  const wrong = { ...weights, Wl: { shape: [4, 16], data: weights.Wl.data } };
  const p2 = join(dir, 'wrong.safetensors');
  await saveSafetensors(p2, wrong, { [CONFIG_METADATA_KEY]: config });
  await assert.rejects(loadModel(p2), /tensor Wl has shape \[4, 16\], expected \[8, 8\]/);

  const extra = { ...weights, 'Wa.0': weights.Wl };
  const p3 = join(dir, 'extra.safetensors');
  await saveSafetensors(p3, extra, { [CONFIG_METADATA_KEY]: config });
  await assert.rejects(loadModel(p3), /unexpected tensor Wa\.0/);

  const p4 = join(dir, 'noconfig.safetensors');
  writeFileSync(p4, encodeSafetensors(weights, {}));
  await assert.rejects(loadModel(p4), /no model config/);

  const p5 = join(dir, 'badconfig.safetensors');
  writeFileSync(p5, encodeSafetensors(weights, { [CONFIG_METADATA_KEY]: JSON.stringify({ ...model.config, activation: 'swish' }) }));
  await assert.rejects(loadModel(p5), /activation: expected one of tanh, relu, gelu/);

  assert.equal(tf.memory().numTensors, before, 'failed loads leave no variables behind');
});

test('saveModel refuses to let caller metadata shadow the config', async () => {
  const model = new LeakyRingAttractor({ num_neurons: 6 });
  await assert.rejects(saveModel(join(dir, 'x.safetensors'), model, { [CONFIG_METADATA_KEY]: '{}' }), /reserved/);
  model.dispose();
});
