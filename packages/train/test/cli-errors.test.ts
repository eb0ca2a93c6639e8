import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { train } from '../src/train.js';
import { SMALL_FLAGS, folderContents, runCli, smallConfig, tempDir, tinyDataset } from './helpers.js';

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
  await writeFile(join(root, 'bad-key.json'), JSON.stringify({ steps: 3, learning_rate: 0.1 }));
  await writeFile(join(root, 'bad-json.json'), '{ steps: ');
});

/** [case, args (OUT stands for a copy of a trained output folder), expected stderr line]. */
const CASES: [string, () => string[], RegExp][] = [
  ['missing dataset folder', () => ['--data', join(root, 'nope'), '--out', 'OUT'], /^error: data: .*manifest\.json/],
  ['dataset failing its sha256 check', () => ['--data', brokenData, '--out', 'OUT'], /^error: data: .*train\.arrow.*sha256/],
  ['negative learning rate', () => ['--data', data, '--out', 'OUT', '--lr', '-1'], /^error: lr: expected a finite number > 0 \(got -1\)$/],
  ['unknown activation', () => ['--data', data, '--out', 'OUT', '--activation', 'sigmoid'], /^error: activation: expected one of/],
  ['non-numeric steps', () => ['--data', data, '--out', 'OUT', '--steps', 'abc'], /^error: steps: expected a positive integer \(got "abc"\)$/],
  ['unknown flag', () => ['--data', data, '--out', 'OUT', '--learning-rate', '1'], /^error: Unknown argument/],
  ['missing --data', () => ['--out', 'OUT'], /^error: .*data/],
  ['unknown config key', () => ['--data', data, '--out', 'OUT', '--config', join(root, 'bad-key.json')], /^error: config\.learning_rate: /],
  ['config file not JSON', () => ['--data', data, '--out', 'OUT', '--config', join(root, 'bad-json.json')], /^error: config: expected valid JSON/],
  ['unknown backend', () => ['--data', data, '--out', 'OUT', '--backend', 'tpu'], /^error: backend: /],
  ['resume with another model config', () => ['--data', data, '--out', 'OUT', ...SMALL_FLAGS, '--num-neurons', '24', '--resume'], /^error: num_neurons: expected 16 as in the checkpoint/],
  ['resume with another learning rate', () => ['--data', data, '--out', 'OUT', ...SMALL_FLAGS, '--lr', '0.01', '--resume'], /^error: lr: expected 0\.001 as in the checkpoint/],
  ['resume on a dataset of another seq_len', () => ['--data', shortData, '--out', 'OUT', ...SMALL_FLAGS, '--resume'], /^error: seq_len: expected 12/],
  ['resume with fewer steps than done', () => ['--data', data, '--out', 'OUT', ...SMALL_FLAGS, '--steps', '3', '--resume'], /^error: steps: expected >= 5/],
  ['resume without a checkpoint', () => ['--data', data, '--out', join(root, 'empty'), '--resume'], /^error: resume: /],
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
