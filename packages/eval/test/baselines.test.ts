import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { CausalTransformer, GruIntegrator, saveModel, selectBackend } from '@ring-attractor/model';
import { baselineAdapter } from '../src/baselineAdapter.js';
import { readEvaluation, type EvalSummary } from '../src/files.js';
import { removeTempDirs, runCli, tempDir, tinyDataset } from './helpers.js';

after(removeTempDirs);

const small = ['--drift-starts', '4', '--drift-horizons', '20,50', '--gain-velocities', '5', '--gain-settle', '10', '--gain-window', '20'];

describe('baselines in ring-eval', () => {
  let root: string;
  let data: string;
  const models = {
    gru: () => new GruIntegrator({ hidden_size: 8, num_layers: 2, seed: 5 }),
    transformer: () => new CausalTransformer({ d_model: 8, nhead: 2, num_layers: 1, dim_feedforward: 16, max_seq_len: 128, seed: 5 }),
  };

  before(async () => {
    root = tempDir('baselines');
    data = await tinyDataset(root, 'ds', { seq_len: 30, test_samples: 6 });
    await selectBackend('cpu', () => undefined);
  });

  for (const [kind, make] of Object.entries(models)) {
    it(`${kind}: the adapter decodes atan2(sin, cos) of the eval-mode output, whatever it splits a batch into`, () => {
      const model = make();
      try {
        const B = 5;
        const T = 7;
        const av = Float32Array.from({ length: B * T }, (_, i) => 0.1 * Math.sin(i));
        const angle0 = Float32Array.from({ length: B }, (_, b) => 0.9 * b);
        const out = tf.tidy(() => model.forward(tf.tensor2d(av, [B, T]), tf.tensor1d(angle0)).arraySync());
        const whole = baselineAdapter(model);
        const oneAtATime = baselineAdapter(model, 1);
        return Promise.all([whole.run(av, angle0, B, T), oneAtATime.run(av, angle0, B, T)]).then(([a, b]) => {
          assert.deepEqual(whole.decoders, ['pv']);
          assert.equal(a.argmax, undefined);
          assert.equal(a.amplitude, undefined);
          assert.deepEqual(Array.from(b.pv), Array.from(a.pv));
          for (let s = 0; s < B; s++) {
            for (let t = 0; t < T; t++) {
              const [sin, cos] = out[s][t];
              const want = (Math.atan2(sin, cos) + 2 * Math.PI) % (2 * Math.PI);
              assert.ok(Math.abs(a.pv[s * T + t] - want) < 1e-12, `sequence ${s} step ${t}`);
            }
          }
        });
      } finally {
        model.dispose();
      }
    });

    it(`${kind}: ring-eval writes the metrics that make sense without a bump, and no trace`, async () => {
      const runDir = join(root, `run-${kind}`);
      mkdirSync(runDir);
      const model = make();
      const manifest = JSON.parse(readFileSync(join(data, 'manifest.json'), 'utf8')) as { files: Record<string, { sha256: string }> };
      await saveModel(join(runDir, 'model.safetensors'), model, { step: '3', dataset_sha256: manifest.files['train.arrow'].sha256 });
      model.dispose();
      const out = join(root, `out-${kind}`);
      const r = await runCli(['--run', runDir, '--data', data, '--out', out, ...small]);
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(readFileSync(join(out, 'eval.json'), 'utf8')) as EvalSummary;
      assert.equal(summary.model.kind, kind);
      assert.deepEqual(Object.keys(summary.datasets[0].decoders), ['pv']);
      assert.equal(existsSync(join(out, 'trace.arrow')), false);
      const ev = readEvaluation(out);
      assert.equal(ev.datasets.ds.byStep.length, 30);
      assert.ok(ev.gain.length > 0 && ev.gain.every((row) => row.amplitude_ratio == null), "no bump, no amplitude");
      assert.ok(ev.datasets.ds.byStep.every((row) => Number.isFinite(row.mean_deg)));
    });
  }
});
