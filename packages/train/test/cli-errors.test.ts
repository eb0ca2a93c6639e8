import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '@ring-attractor/common';
import { train, type TrainOptions } from '../src/train.js';
import { SMALL_FLAGS, folderContents, removeTempDirs, runCli, smallConfig, tempDir, tinyDataset } from './helpers.js';

after(removeTempDirs);

let data: string;
let shortData: string;
let brokenData: string;
let trained: string;
let root: string;

before(async () => {
  root = await tempDir('errors');
  data = await tinyDataset(12);
  shortData = await tinyDataset(10);
  brokenData = join(root, 'broken');
  await cp(data, brokenData, { recursive: true });
  const bytes = await readFile(join(brokenData, 'train.arrow'));
  bytes[bytes.length >> 1] ^= 0xff;
  await writeFile(join(brokenData, 'train.arrow'), bytes);
  trained = join(root, 'trained');
  await train({ dataDir: data, outDir: trained, config: smallConfig({ steps: 5 }), backend: 'wasm', log: () => {}, progress: false });
  await writeFile(join(root, 'bad-key.json'), JSON.stringify({ train: { steps: 3, learning_rate: 0.1 } }));
  await writeFile(join(root, 'bad-json.json'), '{ steps: ');
  await writeFile(join(root, 'bad-section.json'), JSON.stringify({ trian: { steps: 3 } }));
});

/** [case, args (OUT stands for a copy of a trained output folder), expected stderr line]. */
const CASES: [string, () => string[], RegExp][] = [
  ['missing dataset folder', () => ['--data', join(root, 'nope'), '--out', 'OUT'], /^error: data: .*manifest\.json/],
  ['dataset failing its sha256 check', () => ['--data', brokenData, '--out', 'OUT'], /^error: data: .*train\.arrow.*sha256/],
  ['negative learning rate', () => ['--data', data, '--out', 'OUT', '--lr', '-1'], /^error: --lr: expected a finite number > 0 \(got -1\)$/],
  ['unknown activation', () => ['--data', data, '--out', 'OUT', '--activation', 'sigmoid'], /^error: Invalid values: Argument: activation, Given: "sigmoid", Choices: "tanh", "relu", "gelu"$/],
  ['non-numeric steps', () => ['--data', data, '--out', 'OUT', '--steps', 'abc'], /^error: --steps: expected a positive integer \(got "abc"\)$/],
  ['unknown flag', () => ['--data', data, '--out', 'OUT', '--learning-rate', '1'], /^error: Unknown argument/],
  ['missing --data', () => ['--out', 'OUT'], /^error: .*data/],
  ['unknown config section', () => ['--data', data, '--out', 'OUT', '--config', join(root, 'bad-section.json')], /^error: .*bad-section\.json: trian: expected a section of an experiment config/],
  ['unknown config key', () => ['--data', data, '--out', 'OUT', '--config', join(root, 'bad-key.json')], /^error: .*bad-key\.json: train\.learning_rate: expected a known key/],
  ['config file not JSON', () => ['--data', data, '--out', 'OUT', '--config', join(root, 'bad-json.json')], /^error: --config: expected a readable JSON file/],
  // With --overwrite: a check failing after it still leaves the earlier run's files alone.
  ['unknown backend', () => ['--data', data, '--out', 'OUT', '--backend', 'tpu', '--overwrite'], /^error: backend: /],
  ['a used output folder', () => ['--data', data, '--out', 'OUT'], /^error: --out: .* holds run\.json, .* of an earlier run; pass --resume to continue it or --overwrite to replace it$/],
  ['unknown kernel', () => ['--data', data, '--out', 'OUT', '--kernel', 'gpu'], /^error: Invalid values: Argument: kernel, Given: "gpu", Choices: "auto", "native", "wasm", "tfjs"$/],
  ['resume with another model config', () => ['--data', data, '--out', 'OUT', ...SMALL_FLAGS, '--num-neurons', '24', '--resume'], /^error: num_neurons: expected 16 as in the checkpoint/],
];

async function pool<T>(items: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await items[i]();
      }
    }),
  );
  return out;
}

test('bad input: one line naming the field, exit code 2, outputs untouched', async () => {
  const before = await folderContents(trained);
  const results = await pool(
    CASES.map(([name, args], i) => async () => {
      const out = join(root, `case-${i}`);
      await cp(trained, out, { recursive: true });
      const argv = args().map((a) => (a === 'OUT' ? out : a));
      const r = await runCli(argv);
      const outDir = argv[argv.indexOf('--out') + 1];
      return { name, r, after: await folderContents(outDir), outDir, fresh: outDir !== out };
    }),
    3,
  );
  results.forEach(({ name, r, after, fresh }, i) => {
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(r.code, 2, `${name}: exit code (stderr: ${r.stderr})`);
    assert.equal(lines.length, 1, `${name}: one line (stderr: ${r.stderr})`);
    assert.match(lines[0], CASES[i][2], name);
    assert.equal(r.stdout, '', name);
    assert.deepEqual(after, fresh ? {} : before, `${name}: outputs changed`);
  });
});

/** In-process (the CLI contract is covered above): each must throw a UsageError naming the field and write nothing. */
const RESUME_CASES: [string, () => Partial<TrainOptions>, RegExp][] = [
  ['another learning rate', () => ({ config: smallConfig({ lr: 0.01 }) }), /^lr: expected 0\.001 as in the checkpoint/],
  ['another batch size', () => ({ config: smallConfig({ batch_size: 4 }) }), /^batch_size: expected 8 as in the checkpoint/],
  ['a dataset of another seq_len', () => ({ dataDir: shortData }), /^seq_len: expected 12/],
  ['fewer steps than already done', () => ({ config: smallConfig({ steps: 3 }) }), /^steps: expected >= 5/],
  ['an output folder without a checkpoint', () => ({ outDir: join(root, 'empty-in-process') }), /^resume: /],
];

test('a resume that would not continue the same run is refused before any write', async () => {
  const before = await folderContents(trained);
  for (const [name, over, expected] of RESUME_CASES) {
    const out = join(root, `resume-${name.replace(/\W+/g, '-')}`);
    await cp(trained, out, { recursive: true });
    const opts: TrainOptions = { dataDir: data, outDir: out, config: smallConfig(), backend: 'wasm', resume: true, log: () => {}, progress: false, ...over() };
    await assert.rejects(train(opts), (err: unknown) => err instanceof UsageError && expected.test(err.message), name);
    assert.deepEqual(await folderContents(opts.outDir), opts.outDir === out ? before : {}, `${name}: outputs changed`);
  }
  // The same options do resume (and, the run being complete, rewrite identical outputs).
  const out = join(root, 'resume-ok');
  await cp(trained, out, { recursive: true });
  await train({ dataDir: data, outDir: out, config: smallConfig({ steps: 5 }), backend: 'wasm', resume: true, log: () => {}, progress: false });
  const after = await folderContents(out);
  for (const f of ['model.safetensors', 'checkpoint.safetensors', 'snapshots.arrow', 'metrics.arrow', 'run.json']) assert.equal(after[f], before[f], f);
});
