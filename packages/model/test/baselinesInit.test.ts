/**
 * The baselines' initial values against the reference's initialisers: orthogonal GRU matrices
 * (QᵀQ = I), N(0, 1) GRU biases, xavier-uniform bounds, nn.Linear's default bias bounds, zero
 * attention biases, LayerNorm 1/0; and seed determinism, byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gruInitialWeights, resolveGruConfig, resolveTransformerConfig, transformerInitialWeights, type Weights } from '../src/index.js';
import { orthogonal, stream } from '../src/baselines/random.js';

/** max |(MᵀM)_ij − δ_ij| over the columns of a rows×cols matrix (rows ≥ cols), in float64. */
function orthonormalityError(m: Float32Array, rows: number, cols: number): number {
  let worst = 0;
  for (let i = 0; i < cols; i++) {
    for (let j = 0; j <= i; j++) {
      let dot = 0;
      for (let r = 0; r < rows; r++) dot += m[r * cols + i] * m[r * cols + j];
      worst = Math.max(worst, Math.abs(dot - (i === j ? 1 : 0)));
    }
  }
  return worst;
}

function maxAbs(a: Float32Array): number {
  return a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
}

function bytes(w: Weights): Buffer {
  return Buffer.concat(Object.entries(w).map(([n, t]) => Buffer.concat([Buffer.from(n), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)])));
}

test('orthogonal: tall and wide matrices have orthonormal columns / rows, like torch.nn.init.orthogonal_', () => {
  const tall = orthogonal(stream(3, 1), 24, 8);
  assert.ok(orthonormalityError(tall, 24, 8) < 1e-6, `tall: ${orthonormalityError(tall, 24, 8)}`);
  // Wide: the rows are orthonormal, i.e. the columns of its transpose.
  const wide = orthogonal(stream(4, 1), 5, 12);
  const t = new Float32Array(60);
  for (let r = 0; r < 5; r++) for (let c = 0; c < 12; c++) t[c * 5 + r] = wide[r * 12 + c];
  assert.ok(orthonormalityError(t, 12, 5) < 1e-6);
});

test('GRU init: orthogonal 3H×in matrices, N(0,1) GRU biases, xavier linears with zero bias, LayerNorm 1/0', () => {
  const H = 64;
  const w = gruInitialWeights(resolveGruConfig({ hidden_size: H, num_layers: 2, seed: 7 }));
  for (const k of [0, 1]) {
    for (const m of [`gru.weight_ih_l${k}`, `gru.weight_hh_l${k}`]) {
      // orthogonal_ sees the whole 3H×H matrix, so its H columns are orthonormal.
      assert.ok(orthonormalityError(w[m].data, 3 * H, H) < 1e-5, `${m}: ${orthonormalityError(w[m].data, 3 * H, H)}`);
    }
  }
  const biases = Float64Array.from(['ih_l0', 'hh_l0', 'ih_l1', 'hh_l1'].flatMap((n) => Array.from(w[`gru.bias_${n}`].data)));
  const mean = biases.reduce((a, b) => a + b, 0) / biases.length;
  const sd = Math.sqrt(biases.reduce((a, b) => a + (b - mean) ** 2, 0) / biases.length);
  // 768 draws: the mean's standard error is 0.036, the sd's about 0.026.
  assert.ok(Math.abs(mean) < 0.15, `bias mean ${mean}`);
  assert.ok(Math.abs(sd - 1) < 0.1, `bias sd ${sd}`);
  for (const [name, [out, inp]] of [['initial_encoder.0.weight', [H, 2]], ['input_proj.weight', [H, 1]], ['output_proj.0.weight', [H / 2, H]], ['output_proj.3.weight', [2, H / 2]]] as const) {
    const bound = Math.sqrt(6 / (out + inp));
    const m = maxAbs(w[name].data);
    assert.ok(m <= bound && m > 0.8 * bound, `${name}: max |w| ${m}, xavier bound ${bound}`);
    assert.equal(maxAbs(w[name.replace('weight', 'bias')].data), 0, `${name} bias is 0`);
  }
  for (const ln of ['initial_encoder.1', 'layer_norm']) {
    assert.ok(w[`${ln}.weight`].data.every((x) => x === 1) && w[`${ln}.bias`].data.every((x) => x === 0), ln);
  }
});

test('transformer init: xavier matrices, zero attention biases, nn.Linear default biases, LayerNorm 1/0', () => {
  const c = resolveTransformerConfig({ d_model: 32, nhead: 4, num_layers: 2, dim_feedforward: 48, seed: 3 });
  const w = transformerInitialWeights(c);
  for (const [name, t] of Object.entries(w)) {
    if (t.shape.length === 2) {
      const bound = Math.sqrt(6 / (t.shape[0] + t.shape[1]));
      const m = maxAbs(t.data);
      assert.ok(m <= bound && m > 0.7 * bound, `${name}: max |w| ${m}, xavier bound ${bound}`);
    } else if (name.includes('self_attn')) {
      assert.equal(maxAbs(t.data), 0, `${name} is 0 (nn.MultiheadAttention's init)`);
    } else if (/norm|embed\.1|ln_final/.test(name)) {
      assert.ok(t.data.every((x) => x === (name.endsWith('weight') ? 1 : 0)), name);
    } else {
      const fanIn = w[name.replace(/bias$/, 'weight')].shape[1];
      const m = maxAbs(t.data);
      assert.ok(m <= 1 / Math.sqrt(fanIn) && m > 0, `${name}: max |b| ${m}, bound ${1 / Math.sqrt(fanIn)}`);
    }
  }
});

test('the seed fixes every initial value, byte for byte; another seed changes them', () => {
  const g = (seed: number) => bytes(gruInitialWeights(resolveGruConfig({ hidden_size: 16, seed })));
  const t = (seed: number) => bytes(transformerInitialWeights(resolveTransformerConfig({ d_model: 16, nhead: 2, num_layers: 1, seed })));
  assert.ok(g(5).equals(g(5)));
  assert.ok(!g(5).equals(g(6)));
  assert.ok(t(5).equals(t(5)));
  assert.ok(!t(5).equals(t(6)));
});
