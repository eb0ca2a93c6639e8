/** Sizes bounded up front: ring-train refuses, naming the fields, a run its memory estimate says cannot fit. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@ring-attractor/common';
import { createModel, selectBackend } from '@ring-attractor/model';
import { resolveRunConfig } from '../src/config.js';
import { checkTrainingMemory, estimateTrainingMemory, parameterCount } from '../src/memoryEstimate.js';
import { SMALL_FLAGS, removeTempDirs, runCli, tempDir, tinyDataset } from './helpers.js';

after(removeTempDirs);

let data: string;
let root: string;

before(async () => {
  root = await tempDir('memory');
  data = await tinyDataset(12);
});

/** stderr without the backend's and kernel's log lines. */
function errorLines(stderr: string): string[] {
  return stderr.trimEnd().split('\n').filter((l) => !/^(backend|kernel):/.test(l));
}

const CASES: [string, string[], RegExp][] = [
  [
    'a ring too large for the machine (B·T·N)',
    ['--num-neurons', '4096', '--batch-size', '65536'],
    /^error: --batch-size 65536, --num-neurons 4096, --action-dim 2, the dataset’s seq_len 12: training needs about [\d.]+ GiB \(recurrence activations \(fused kernel\): [\d.]+ GiB\), more than the limit of [\d.]+ GiB \(90% of this machine's [\d.]+ GiB\); make one of them smaller$/,
  ],
  [
    'gain nets too large (B·T·k·H; was "memory access out of bounds")',
    ['--hidden-gain-neurons', '1024', '--batch-size', '65536', '--action-dim', '64'],
    /^error: --batch-size 65536, --hidden-gain-neurons 1024, --action-dim 64, the dataset’s seq_len 12: training needs about [\d.]+ GiB \(gain-net activations: /,
  ],
  [
    'a GRU too large (B·T·H·L)',
    ['--kind', 'gru', '--hidden-size', '4096', '--num-layers', '16', '--batch-size', '65536'],
    /^error: --batch-size 65536, --hidden-size 4096, --num-layers 16, the dataset’s seq_len 12: training needs about [\d.]+ GiB \(GRU activations: /,
  ],
  [
    'a transformer whose positional table alone is too large',
    ['--kind', 'transformer', '--d-model', '4096', '--nhead', '8', '--max-seq-len', '1048576'],
    /^error: --max-seq-len 1048576, --d-model 4096: training needs about [\d.]+ GiB \(the positional table: /,
  ],
];

/** The flags of a small run of any kind. */
const RUN_FLAGS = ['--steps', '12', '--backend', 'wasm'];

for (const [name, flags, want] of CASES) {
  test(`refused before any allocation: ${name}`, async () => {
    const out = join(root, name.replace(/\W+/g, '-'));
    const r = await runCli(['--data', data, '--out', out, ...RUN_FLAGS, ...flags]);
    assert.equal(r.code, 2, r.stderr);
    const lines = errorLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], want);
    assert.equal(existsSync(out), false, 'nothing written');
  });
}

test('RING_MEMORY_LIMIT_MB lowers the limit (a shared machine); a bad value names the variable', async () => {
  const out = join(root, 'limited');
  const r = await runCli(['--data', data, '--out', out, ...SMALL_FLAGS], { RING_MEMORY_LIMIT_MB: '50' });
  assert.equal(r.code, 2, r.stderr);
  assert.match(errorLines(r.stderr)[0], /^error: .*: training needs about 0\.\d\d GiB \(runtime: 0\.\d\d GiB\), more than the limit of 0\.05 GiB \(RING_MEMORY_LIMIT_MB\); make one of them smaller$/);
  const bad = await runCli(['--data', data, '--out', out, ...SMALL_FLAGS], { RING_MEMORY_LIMIT_MB: 'lots' });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(errorLines(bad.stderr)[0], /^error: RING_MEMORY_LIMIT_MB: expected a positive number of megabytes \(got "lots"\)$/);
});

test("the estimate counts exactly the model's parameters, for every kind", async () => {
  await selectBackend('cpu', () => undefined);
  const configs = [
    { kind: 'ring', num_neurons: 16, action_dim: 2, hidden_gain_neurons: 5 },
    { kind: 'ring', num_neurons: 10, action_dim: 6, hidden_gain_neurons: 1 },
    { kind: 'gru', hidden_size: 12, num_layers: 3 },
    { kind: 'transformer', d_model: 16, nhead: 4, num_layers: 2, dim_feedforward: 24 },
  ];
  for (const model of configs) {
    const config = resolveRunConfig({ model });
    const m = createModel(config.model, { seed: 0, max_av: 0.3, kernel: 'tfjs' });
    try {
      assert.equal(parameterCount(config.model), m.trainableVariables().reduce((n, v) => n + v.size, 0), JSON.stringify(model));
    } finally {
      m.dispose();
    }
  }
});

test('the heaps with ceilings: tensors on the wasm backend (4 GiB) and the wasm kernel (2 GiB)', () => {
  const data = { seqLen: 120, trainRows: 1000 };
  const limit = { bytes: 1e15, source: 'test' };
  const usage = (re: RegExp) => (err: unknown) => err instanceof UsageError && re.test(err.message);
  // Gain nets live in tfjs tensors: past the wasm backend's heap, fine on another backend.
  const gains = estimateTrainingMemory(resolveRunConfig({ model: { hidden_gain_neurons: 1024 }, train: { batch_size: 256 } }), data, 'native');
  assert.throws(() => checkTrainingMemory(gains, 'wasm', 'native', limit), usage(/^--batch-size 256, --hidden-gain-neurons 1024, --action-dim 2, the dataset’s seq_len 120: its tensors need about [\d.]+ GiB .*, more than the 4\.0 GiB heap of the wasm backend/));
  checkTrainingMemory(gains, 'tensorflow', 'native', limit);
  // The recurrence lives in the kernel's memory: past the wasm kernel's, fine in the native one.
  const ring = resolveRunConfig({ model: { num_neurons: 1024 }, train: { batch_size: 1024 } });
  assert.throws(() => checkTrainingMemory(estimateTrainingMemory(ring, data, 'wasm'), 'wasm', 'wasm', limit), usage(/the wasm kernel needs about [\d.]+ GiB \(recurrence activations \(fused kernel\)\), more than its 2\.0 GiB memory \(--kernel native has no such limit\)/));
  checkTrainingMemory(estimateTrainingMemory(ring, data, 'native'), 'wasm', 'native', limit);
});
