import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { COSINE_FILTER_BUFFER, kernelInfo, loadSafetensors, nativeUnavailableReason } from '@ring-attractor/model';
import * as tf from '@tensorflow/tfjs-core';
import { train, type TrainOptions } from '../src/train.js';
import { CONFIG_KEY, metricsFromIpc, type MetricsRow } from '../src/formats/index.js';
import { SMALL_FLAGS, removeTempDirs, runCli, smallConfig, tempDir, tinyDataset } from './helpers.js';

after(removeTempDirs);

let data: string;
let outA: string;

function quiet(over: Partial<TrainOptions> & { outDir: string }): TrainOptions {
  return { dataDir: data, config: smallConfig(), backend: 'wasm', log: () => {}, progress: false, ...over };
}

before(async () => {
  data = await tinyDataset();
  outA = join(await tempDir('a'), 'out');
  await train(quiet({ outDir: outA }));
});

const read = (dir: string, f: string): Promise<Buffer> => readFile(join(dir, f));

test('every output file exists and follows docs/formats.md', async () => {
  const config = smallConfig();
  const manifest = JSON.parse((await read(data, 'manifest.json')).toString());
  const run = JSON.parse((await read(outA, 'run.json')).toString());
  assert.deepEqual(Object.keys(run).sort(), ['backend', 'config', 'dataset', 'kernel', 'kernel_isa', 'ms_per_step_median', 'parameters', 'sanity_loss', 'steps', 'threads', 'train_seconds']);
  assert.ok(run.sanity_loss >= 0 && run.sanity_loss < 0.5, 'the sanity check passed');
  assert.deepEqual(run.config, config);
  assert.equal(run.dataset.name, 'ds');
  assert.equal(run.dataset.max_av, manifest.config.max_av);
  assert.ok(!JSON.stringify(run).includes(data), 'run.json records no machine paths');
  assert.deepEqual(run.dataset.sha256, { 'train.arrow': manifest.files['train.arrow'].sha256, 'test.arrow': manifest.files['test.arrow'].sha256 });
  assert.equal(run.dataset.seq_len, 12);
  assert.equal(run.backend, 'wasm');
  // auto: the native kernel where its addon is built, else wasm (the backend is wasm, a CPU backend).
  assert.equal(run.kernel, nativeUnavailableReason() === null ? 'native' : 'wasm');
  assert.equal(run.kernel_isa, kernelInfo(run.kernel).isa);
  assert.equal(run.steps, 12);
  assert.ok(run.train_seconds > 0 && run.ms_per_step_median > 0);

  const metrics = metricsFromIpc(await read(outA, 'metrics.arrow'));
  assert.deepEqual(metrics.map((r: MetricsRow) => r.step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  for (const r of metrics) {
    // total = angle + bump_weight · bump, each rounded to float32 on its own.
    assert.ok(Math.abs(r.loss_total - (r.losses.angle + 0.2 * r.losses.bump)) < 1e-6 * (1 + r.loss_total), `step ${r.step}`);
    assert.ok(r.grad_norm > 0 && r.ms > 0);
  }
  const mt = tableFromIPC(await read(outA, 'metrics.arrow'));
  assert.deepEqual(mt.schema.fields.map((f) => `${f.name}:${f.type}`), ['step:Int32', 'loss_total:Float32', 'loss_angle:Float32', 'loss_bump:Float32', 'grad_norm:Float32', 'ms:Float64']);

  const model = await loadSafetensors(join(outA, 'model.safetensors'));
  assert.deepEqual(Object.keys(model.tensors).sort(), [
    'W_delta7', 'Wl', 'Wo', 'Wr',
    'gain_l_net.0.bias', 'gain_l_net.0.weight', 'gain_l_net.2.bias', 'gain_l_net.2.weight',
    'gain_r_net.0.bias', 'gain_r_net.0.weight', 'gain_r_net.2.bias', 'gain_r_net.2.weight',
  ]);
  assert.deepEqual(model.tensors.Wo.shape, [16, 16]);
  // Three 16×16 matrices and two gain nets of 3 + 3 + 3 + 1 values.
  assert.equal(run.parameters, 3 * 16 * 16 + 2 * 10);
  assert.deepEqual(model.tensors['gain_r_net.0.weight'].shape, [3, 1]);
  const last = metrics[11];
  assert.equal(model.metadata.step, '12');
  assert.equal(Number(model.metadata.loss_total), last.loss_total);
  assert.equal(Number(model.metadata.loss_angle), last.losses.angle);
  assert.equal(Number(model.metadata.loss_bump), last.losses.bump);
  assert.equal(model.metadata.dataset_sha256, manifest.files['train.arrow'].sha256);
  assert.equal(JSON.parse(model.metadata['ring_attractor.model']).num_neurons, 16);
  assert.deepEqual(JSON.parse(model.metadata[CONFIG_KEY]), config);

  const ckpt = await loadSafetensors(join(outA, 'checkpoint.safetensors'));
  assert.equal(ckpt.metadata.step, '12');
  assert.equal(ckpt.metadata.adam_step, '12');
  assert.ok(JSON.parse(ckpt.metadata.sampler));
  // The checkpoint holds the parameters (the model file's tensors but its fixed buffer W_delta7).
  const parameters = Object.keys(model.tensors).filter((name) => name !== COSINE_FILTER_BUFFER);
  assert.deepEqual([...JSON.parse(ckpt.metadata.parameters)].sort(), parameters);
  for (const name of parameters) {
    assert.deepEqual(ckpt.tensors[name].data, model.tensors[name].data, `final ${name} in the checkpoint`);
    assert.deepEqual(ckpt.tensors[`adam.m.${name}`].shape, model.tensors[name].shape);
    assert.ok(ckpt.tensors[`adam.v.${name}`].data.every((x) => x >= 0), 'second moments are non-negative');
  }

  const snaps = tableFromIPC(await read(outA, 'snapshots.arrow'));
  assert.deepEqual(Array.from(snaps.getChild('step')!.toArray()), [0, 5, 10, 12]);
  assert.deepEqual(JSON.parse(snaps.schema.metadata.get(CONFIG_KEY)!), config);
  assert.deepEqual(snaps.schema.fields.map((f) => `${f.name}:${f.type}`), [
    'step:Int32', 'loss_total:Float32', 'loss_angle:Float32', 'loss_bump:Float32',
    'Wo:FixedSizeList[256]<Float32>', 'Wl:FixedSizeList[256]<Float32>', 'Wr:FixedSizeList[256]<Float32>',
  ]);
  // Row 0 holds the untrained model's losses on the first batch, i.e. what step 1 measured.
  assert.equal(snaps.getChild('loss_total')!.get(0), metrics[0].loss_total);
  assert.equal(snaps.getChild('loss_total')!.get(2), metrics[9].loss_total);
  for (const name of ['Wo', 'Wl', 'Wr']) {
    assert.deepEqual(snaps.getChild(name)!.get(3)!.toArray(), model.tensors[name].data, `last snapshot of ${name} = final weights`);
  }
  assert.notDeepEqual(snaps.getChild('Wo')!.get(0)!.toArray(), model.tensors.Wo.data);
});

let stepFiveCheckpoint: Buffer;

test('a run stopped after step 7 and resumed ends with the same bytes as an uninterrupted one', async () => {
  const out = join(await tempDir('resume'), 'out');
  const stopped = await train(quiet({ outDir: out, stopAfter: 7 }));
  assert.deepEqual(stopped, { step: 7, stopped: true, outDir: out });
  assert.equal(existsSync(join(out, 'model.safetensors')), false, 'a stopped run writes no final model');
  stepFiveCheckpoint = await read(out, 'checkpoint.safetensors');
  const ckpt = await loadSafetensors(join(out, 'checkpoint.safetensors'));
  assert.equal(ckpt.metadata.step, '5');
  const marks = JSON.parse(ckpt.metadata.run_files);
  assert.deepEqual([marks.metrics.rows, marks.snapshots.rows], [5, 2], 'steps 1-5; snapshots of steps 0 and 5');
  const stoppedFiles = { metrics: await read(out, 'metrics.arrow'), snapshots: await read(out, 'snapshots.arrow') };
  await train(quiet({ outDir: out, resume: true }));
  for (const f of ['model.safetensors', 'checkpoint.safetensors', 'snapshots.arrow']) {
    assert.ok((await read(out, f)).equals(await read(outA, f)), `${f} differs after resume`);
  }
  // Appended, never rewritten: what the step-5 checkpoint marked is how the uninterrupted run's files begin.
  for (const role of ['metrics', 'snapshots'] as const) {
    const whole = await read(outA, `${role}.arrow`);
    const n = marks[role].bytes;
    assert.ok(n > 8 && n < whole.length);
    if (role === 'snapshots') assert.ok(stoppedFiles.snapshots.subarray(0, n).equals(whole.subarray(0, n)), 'snapshots.arrow up to the mark');
    else assert.equal(stoppedFiles.metrics.length, n, 'metric rows of steps 6 and 7 were still held (lost, as in a kill)');
  }
  assert.deepEqual(metricsFromIpc(await read(out, 'metrics.arrow')).map((r: MetricsRow) => r.step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

// Each kernel rounds its own way, so byte-identity holds per kernel (and per ISA path and thread count).
for (const kernel of ['wasm', 'native', 'tfjs'] as const) {
  const skip = kernel === 'native' && nativeUnavailableReason() !== null ? `native kernel unavailable: ${nativeUnavailableReason()}` : false;
  test(`kernel ${kernel}: a run stopped after step 7 and resumed ends with the same bytes as an uninterrupted one`, { skip }, async () => {
    const whole = join(await tempDir(`whole-${kernel}`), 'out');
    await train(quiet({ outDir: whole, kernel }));
    const run = JSON.parse((await read(whole, 'run.json')).toString());
    assert.equal(run.kernel, kernel);
    assert.equal((await loadSafetensors(join(whole, 'checkpoint.safetensors'))).metadata.kernel_isa, run.kernel_isa);
    const out = join(await tempDir(`resume-${kernel}`), 'out');
    await train(quiet({ outDir: out, kernel, stopAfter: 7 }));
    // No --kernel on resume: the checkpoint's kernel, ISA path and threads are reused.
    await train(quiet({ outDir: out, resume: true }));
    assert.equal(JSON.parse((await read(out, 'run.json')).toString()).kernel, kernel);
    for (const f of ['model.safetensors', 'checkpoint.safetensors', 'snapshots.arrow']) {
      assert.ok((await read(out, f)).equals(await read(whole, f)), `${f} differs after resume`);
    }
  });
}

test('the same config twice gives identical files (CLI)', async () => {
  const out = join(await tempDir('cli'), 'out');
  const r = await runCli(['--data', data, '--out', out, ...SMALL_FLAGS]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /sanity check .*angle loss \d/);
  for (const f of ['model.safetensors', 'checkpoint.safetensors', 'snapshots.arrow']) {
    assert.ok((await read(out, f)).equals(await read(outA, f)), `${f} differs between identical runs`);
  }
});

test('a NaN injected at step 7 stops the run naming the step and keeps the step-5 checkpoint', async () => {
  const out = join(await tempDir('nan'), 'out');
  const r = await runCli(['--data', data, '--out', out, ...SMALL_FLAGS], { RING_TRAIN_INJECT_NAN_AT_STEP: '7' });
  assert.equal(r.code, 1);
  // The tfjs graph carries the NaN into the loss; a kernel that maps it to finite activity is caught
  // by the parameter check of the same step.
  assert.match(r.stderr.trim().split('\n').at(-1)!, /^error: non-finite (loss|parameter Wo) at step 7$/);
  assert.ok(stepFiveCheckpoint, 'runs after the resume test');
  assert.ok((await read(out, 'checkpoint.safetensors')).equals(stepFiveCheckpoint));
  assert.equal(existsSync(join(out, 'model.safetensors')), false);
  // On the tfjs graph the NaN reaches the loss itself.
  const graph = await runCli(['--data', data, '--out', join(await tempDir('nan-tfjs'), 'out'), ...SMALL_FLAGS, '--kernel', 'tfjs'], { RING_TRAIN_INJECT_NAN_AT_STEP: '7' });
  assert.equal(graph.code, 1);
  assert.equal(graph.stderr.trim().split('\n').at(-1), 'error: non-finite loss at step 7');
});

test('training leaves no tensors behind, however many steps it runs', async () => {
  const run = async (steps: number): Promise<number> => {
    const before = tf.memory().numTensors;
    await train(quiet({ outDir: join(await tempDir('leak'), 'out'), config: smallConfig({ steps, checkpoint_every: 100 }) }));
    return tf.memory().numTensors - before;
  };
  await run(2); // fills any per-process caches of the model package
  assert.equal(await run(3), 0);
  assert.equal(await run(9), 0);
});
