/**
 * One run per folder: a fresh run into a used --out is refused unless --resume or --overwrite, which
 * removes only the earlier run's files; readers refuse a folder whose files are from different runs;
 * a resume refuses run files that are missing, damaged or shorter than its checkpoint.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '@ring-attractor/common';
import { loadSafetensors } from '@ring-attractor/model';
import { train, type TrainOptions } from '../src/train.js';
import { RUN_FILES, checkRunFiles, readRun } from '../src/formats/index.js';
import { SMALL_FLAGS, folderContents, removeTempDirs, runCli, smallConfig, tempDir, tinyDataset } from './helpers.js';

after(removeTempDirs);

let root: string;
let data: string;
let trained: string;
/** Stopped after step 7: its checkpoint is step 5's. */
let stopped: string;

function opts(outDir: string, over: Partial<TrainOptions> = {}): TrainOptions {
  return { dataDir: data, outDir, config: smallConfig(), backend: 'wasm', kernel: 'wasm', log: () => {}, progress: false, ...over };
}

/** A copy of `from` (or an empty folder) at root/name. */
async function copyOf(name: string, from?: string): Promise<string> {
  const dir = join(root, name);
  if (from) await cp(from, dir, { recursive: true });
  else await mkdir(dir, { recursive: true });
  return dir;
}

/** The UsageError message `fn` throws (fails if it throws anything else or nothing). */
async function usageError(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof UsageError, String((err as Error).stack ?? err));
    return err.message;
  }
  return assert.fail('expected a UsageError');
}

before(async () => {
  root = await tempDir('folder');
  data = await tinyDataset();
  trained = join(root, 'trained');
  await train(opts(trained));
  stopped = join(root, 'stopped');
  await train(opts(stopped, { stopAfter: 7 }));
});

test('a fresh run into a folder holding any train-stage file is refused: one line, exit 2, nothing touched', async () => {
  for (const file of Object.values(RUN_FILES)) {
    const out = await copyOf(`used-${file}`);
    await cp(join(trained, file), join(out, file));
    const before = await folderContents(out);
    const message = await usageError(() => train(opts(out)));
    assert.equal(message, `--out: ${out} holds ${file} of an earlier run; pass --resume to continue it or --overwrite to replace it`);
    assert.deepEqual(await folderContents(out), before, `${file}: folder changed`);
  }
  const out = await copyOf('used-cli', trained);
  const before = await folderContents(out);
  const r = await runCli(['--data', data, '--out', out, ...SMALL_FLAGS]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^error: --out: .* holds run\.json, model\.safetensors, checkpoint\.safetensors, snapshots\.arrow, metrics\.arrow of an earlier run; pass --resume to continue it or --overwrite to replace it\n$/);
  assert.deepEqual(await folderContents(out), before);
});

test("--overwrite removes the earlier run's files, and nothing else, before the first step", async () => {
  const out = await copyOf('overwrite', trained);
  writeFileSync(join(out, 'notes.txt'), 'mine');
  // Another run stopped after step 3, before its first checkpoint: none of the earlier run's files may remain.
  await train(opts(out, { overwrite: true, config: smallConfig({ lr: 0.01 }), stopAfter: 3 }));
  assert.deepEqual((await readdir(out)).sort(), ['metrics.arrow', 'notes.txt', 'snapshots.arrow']);
  assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine');
  // A whole run with --overwrite is the same run as into an empty folder.
  const r = await runCli(['--data', data, '--out', out, ...SMALL_FLAGS, '--kernel', 'wasm', '--overwrite']);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['model.safetensors', 'checkpoint.safetensors', 'snapshots.arrow']) {
    assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(trained, f))), `${f} differs from a run into an empty folder`);
  }
  assert.equal(readRun(out).run.steps, 12);
  // Into an empty folder, --overwrite is a plain run.
  await train(opts(await copyOf('overwrite-empty'), { overwrite: true }));
});

test('--overwrite and --resume together are refused', async () => {
  const out = await copyOf('both', stopped);
  const before = await folderContents(out);
  assert.match(await usageError(() => train(opts(out, { overwrite: true, resume: true }))), /^overwrite: expected not with --resume/);
  assert.deepEqual(await folderContents(out), before);
});

test('readers refuse a folder whose files are from different runs, naming the files that disagree', async () => {
  assert.equal(readRun(trained).run.steps, 12, 'one run\'s folder is read');
  const short = join(root, 'short');
  await train(opts(short, { config: smallConfig({ steps: 5 }) }));
  const otherLr = join(root, 'other-lr');
  await train(opts(otherLr, { config: smallConfig({ lr: 0.01 }) }));
  const otherData = join(root, 'other-data');
  await train(opts(otherData, { dataDir: await tinyDataset(12, 4) }));
  const cases: [string, string, string, RegExp][] = [
    ['metrics.arrow', short, 'step', /\(step: run\.json, model\.safetensors, checkpoint\.safetensors, snapshots\.arrow at 12 ≠ metrics\.arrow at 5\)/],
    ['run.json', short, 'step', /\(step: run\.json at 5 ≠ model\.safetensors, checkpoint\.safetensors, metrics\.arrow, snapshots\.arrow at 12\)/],
    ['snapshots.arrow', otherLr, 'config', /\(config: run\.json, model\.safetensors, checkpoint\.safetensors, metrics\.arrow ≠ snapshots\.arrow\)/],
    ['model.safetensors', otherData, 'data', /\(training data: run\.json, checkpoint\.safetensors, metrics\.arrow, snapshots\.arrow \([0-9a-f]{12}…\) ≠ model\.safetensors \([0-9a-f]{12}…\)\)/],
  ];
  for (const [file, from, label, expected] of cases) {
    const dir = await copyOf(`mixed-${label}-${file}`, trained);
    await cp(join(from, file), join(dir, file));
    for (const read of [() => readRun(dir), () => checkRunFiles(dir)]) {
      const message = await usageError(read);
      assert.match(message, new RegExp(`^train folder ${dir}: its files are from different runs `), file);
      assert.match(message, expected, file);
      assert.match(message, / — run the train stage \(nx run experiment-<name>:train\), or ring-train --overwrite, to replace them$/);
    }
  }
  // The folder of the issue: a finished run continued with more steps and stopped mid-way.
  const continued = await copyOf('continued', trained);
  await train(opts(continued, { resume: true, config: smallConfig({ steps: 20 }), stopAfter: 17 }));
  assert.match(await usageError(() => readRun(continued)), /^metrics\.arrow in .*: truncated or not an Arrow IPC file/);
  await train(opts(continued, { resume: true, config: smallConfig({ steps: 20 }) }));
  assert.equal(readRun(continued).metrics.step.length, 20);
});

test('a resume refuses run files that are missing, damaged or shorter than its checkpoint: one line naming the file, exit 2, nothing touched', async () => {
  const marks = JSON.parse((await loadSafetensors(join(stopped, 'checkpoint.safetensors'))).metadata.run_files);
  const flip = (path: string, at: number): void => {
    const bytes = readFileSync(path);
    bytes[at] ^= 0x01;
    writeFileSync(path, bytes);
  };
  const tail = ' — the checkpoint of step 5 needs it; start afresh with --overwrite';
  const cases: [string, (dir: string) => Promise<void> | void, RegExp][] = [
    ['metrics.arrow missing', (d) => rm(join(d, 'metrics.arrow')), /^resume: metrics\.arrow in .*: missing — /],
    ['snapshots.arrow missing', (d) => rm(join(d, 'snapshots.arrow')), /^resume: snapshots\.arrow in .*: missing — /],
    ['metrics.arrow cut short', (d) => truncateSync(join(d, 'metrics.arrow'), marks.metrics.bytes - 8), /^resume: metrics\.arrow in .*: shorter than at the checkpoint \(\d+ of \d+ bytes\) — /],
    ['snapshots.arrow cut short', (d) => truncateSync(join(d, 'snapshots.arrow'), 100), /^resume: snapshots\.arrow in .*: shorter than at the checkpoint \(100 of \d+ bytes\) — /],
    ['a weight changed in snapshots.arrow', (d) => flip(join(d, 'snapshots.arrow'), marks.snapshots.bytes - 20), /^resume: snapshots\.arrow in .*: damaged: its bytes do not match the sha256 the checkpoint recorded — /],
    ['metrics.arrow overwritten', (d) => writeFileSync(join(d, 'metrics.arrow'), Buffer.alloc(marks.metrics.bytes, 7)), /^resume: metrics\.arrow in .*: not an Arrow IPC file \(no ARROW1 magic\) — /],
    ['a metrics header damaged', (d) => flip(join(d, 'metrics.arrow'), 13), /^resume: metrics\.arrow in .*: damaged/],
  ];
  for (const [name, breakIt, expected] of cases) {
    const out = await copyOf(`resume-${name.replace(/\W+/g, '-')}`, stopped);
    await breakIt(out);
    const before = await folderContents(out);
    const message = await usageError(() => train(opts(out, { resume: true })));
    assert.match(message, expected, name);
    assert.ok(message.endsWith(tail), `${name}: ${message}`);
    assert.deepEqual(await folderContents(out), before, `${name}: folder changed`);
  }
  // The case through the CLI: a damaged metrics.arrow is a line naming it, not a TypeError.
  const out = await copyOf('resume-cli', stopped);
  writeFileSync(join(out, 'metrics.arrow'), Buffer.concat([readFileSync(join(out, 'metrics.arrow')).subarray(0, 8), Buffer.alloc(marks.metrics.bytes, 0)]));
  const r = await runCli(['--data', data, '--out', out, ...SMALL_FLAGS, '--resume']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^error: resume: metrics\.arrow in .*: damaged: no record batch at byte 8 — the checkpoint of step 5 needs it; start afresh with --overwrite\n$/);
  assert.ok(existsSync(join(out, 'checkpoint.safetensors')));
});
