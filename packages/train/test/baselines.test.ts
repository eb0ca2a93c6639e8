import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import * as tf from '@tensorflow/tfjs-core';
import { CausalTransformer, GruIntegrator, loadModelWithMetadata, loadSafetensors } from '@ring-attractor/model';
import { resolveRunConfig, type RunConfig } from '../src/config.js';
import { train, type TrainOptions } from '../src/train.js';
import { metricsFromIpc } from '../src/formats/index.js';
import { removeTempDirs, runCli, tempDir, tinyDataset } from './helpers.js';

after(removeTempDirs);

let data: string;
before(async () => {
  data = await tinyDataset();
});

const read = (dir: string, f: string): Promise<Buffer> => readFile(join(dir, f));
const small = { steps: 8, batch_size: 8, snapshot_every: 4, checkpoint_every: 3 };
const KINDS: Record<string, { model: Record<string, unknown>; parts: string[]; cls: typeof GruIntegrator | typeof CausalTransformer }> = {
  gru: { model: { kind: 'gru', hidden_size: 8, num_layers: 2 }, parts: ['main', 'smooth'], cls: GruIntegrator },
  transformer: { model: { kind: 'transformer', d_model: 8, nhead: 2, num_layers: 1, dim_feedforward: 16, max_seq_len: 64 }, parts: ['main', 'smooth', 'norm', 'cumsum'], cls: CausalTransformer },
};

function opts(config: RunConfig, outDir: string, over: Partial<TrainOptions> = {}): TrainOptions {
  return { dataDir: data, outDir, config, backend: 'wasm', log: () => {}, progress: false, ...over };
}

for (const [kind, k] of Object.entries(KINDS)) {
  for (const kernel of ['wasm', 'tfjs'] as const) {
    test(`${kind} (${kernel}): trains through the same stage, and a stopped-and-resumed run ends with the same bytes`, async () => {
      const config = resolveRunConfig({ model: k.model, train: small });
      const whole = join(await tempDir(`${kind}-whole`), 'out');
      await train(opts(config, whole, { kernel }));

      const run = JSON.parse((await read(whole, 'run.json')).toString());
      assert.equal(run.config.model.kind, kind);
      assert.equal(run.kernel, kernel);
      assert.equal(run.sanity_loss, undefined, 'the sanity check is the ring\'s');
      const saved = await loadModelWithMetadata(join(whole, 'model.safetensors'));
      assert.ok(saved.model instanceof k.cls);
      // Every trainable value counted once (the transformer's position table is a buffer, not a parameter).
      assert.equal(run.parameters, saved.model.trainableVariables().reduce((n, v) => n + v.size, 0));
      saved.model.dispose();

      const metrics = metricsFromIpc(await read(whole, 'metrics.arrow'));
      assert.deepEqual(Object.keys(metrics[0].losses), k.parts);
      for (const r of metrics) assert.ok(Number.isFinite(r.loss_total) && r.grad_norm > 0, `step ${r.step}`);
      const snaps = tableFromIPC(await read(whole, 'snapshots.arrow'));
      assert.deepEqual(Array.from(snaps.getChild('step')!.toArray()), [0, 4, 8]);
      assert.deepEqual(snaps.schema.fields.map((f) => f.name), ['step', 'loss_total', ...k.parts.map((p) => `loss_${p}`)]);

      // Stopped after step 5, the checkpoint is step 3's: steps 4 and 5 are redone with the same dropout masks.
      const out = join(await tempDir(`${kind}-resume`), 'out');
      await train(opts(config, out, { kernel, stopAfter: 5 }));
      assert.ok((await loadSafetensors(join(out, 'checkpoint.safetensors'))).metadata.random, 'the dropout stream is in the checkpoint');
      await train(opts(config, out, { resume: true }));
      for (const f of ['model.safetensors', 'checkpoint.safetensors', 'metrics.arrow', 'snapshots.arrow']) {
        if (f === 'metrics.arrow') continue; // its ms column is wall time
        assert.ok((await read(out, f)).equals(await read(whole, f)), `${f} differs after resume`);
      }
      assert.deepEqual(metricsFromIpc(await read(out, 'metrics.arrow')).map((r) => r.losses), metrics.map((r) => r.losses));
    });
  }
}

test('dropout changes the trajectory: without it the same seed gives other weights', async () => {
  const run = async (dropout: number): Promise<Buffer> => {
    const out = join(await tempDir('gru-dropout'), 'out');
    await train(opts(resolveRunConfig({ model: { ...KINDS.gru.model, dropout }, train: { ...small, steps: 2 } }), out));
    return read(out, 'model.safetensors');
  };
  assert.ok(!(await run(0)).equals(await run(0.5)));
});

test('a transformer run leaves no tensors behind', async () => {
  const before = tf.memory().numTensors;
  await train(opts(resolveRunConfig({ model: KINDS.transformer.model, train: { ...small, steps: 3 } }), join(await tempDir('t-leak'), 'out'), { kernel: 'tfjs' }));
  const first = tf.memory().numTensors - before;
  const again = tf.memory().numTensors;
  await train(opts(resolveRunConfig({ model: KINDS.transformer.model, train: { ...small, steps: 6 } }), join(await tempDir('t-leak'), 'out'), { kernel: 'tfjs' }));
  assert.equal(tf.memory().numTensors - again, 0, `first run left ${first}`);
});

test('--kind and its fields are flags; a field of another kind is a one-line error naming the flag', async () => {
  const out = join(await tempDir('gru-cli'), 'out');
  const ok = await runCli(['--data', data, '--out', out, '--kind', 'gru', '--hidden-size', '8', '--steps', '2', '--batch-size', '8', '--backend', 'wasm']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse((await read(out, 'run.json')).toString()).config.model.hidden_size, 8);
  const bad = await runCli(['--data', data, '--out', join(await tempDir('gru-cli-bad'), 'out'), '--kind', 'gru', '--num-neurons', '16']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr.trim(), /^error: --num-neurons: expected a known key/m);
});
