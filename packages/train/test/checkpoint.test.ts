/**
 * Checked checkpoints: a damaged tensor (its sha256), a tensor of the right size but the wrong shape,
 * a missing or extra tensor, steps that disagree and a checkpoint of the old format are each refused
 * on --resume with one line naming the file, and nothing is written.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '@ring-attractor/common';
import { TENSOR_SHA256_KEY, loadSafetensors, saveSafetensors } from '@ring-attractor/model';
import { train, type TrainOptions } from '../src/train.js';
import { SMALL_FLAGS, folderContents, removeTempDirs, runCli, smallConfig, tempDir, tinyDataset } from './helpers.js';

after(removeTempDirs);

let root: string;
let data: string;
/** Stopped after step 7: its checkpoint is step 5's. */
let stopped: string;

function opts(outDir: string): TrainOptions {
  return { dataDir: data, outDir, config: smallConfig(), backend: 'wasm', kernel: 'wasm', resume: true, log: () => {}, progress: false };
}

before(async () => {
  root = await tempDir('checkpoint');
  data = await tinyDataset();
  stopped = join(root, 'stopped');
  await train({ ...opts(stopped), resume: false, stopAfter: 7 });
});

type Header = Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> & { __metadata__: Record<string, string> };

/** Rewrites a safetensors file's JSON header (its data bytes, and so its digests, unchanged). */
function editHeader(path: string, edit: (header: Header) => void): void {
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString()) as Header;
  edit(header);
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(path, Buffer.concat([len, Buffer.from(json), bytes.subarray(8 + n)]));
}

/** Rewrites a checkpoint through the writer (fresh digests) after `edit` changes its tensors or metadata. */
async function rewrite(path: string, edit: (c: Awaited<ReturnType<typeof loadSafetensors>>) => void): Promise<void> {
  const c = await loadSafetensors(path);
  edit(c);
  await saveSafetensors(path, c.tensors, c.metadata);
}

/** The checkpoint's copy in a fresh folder, broken by `breakIt`, must be refused with `expected`, the folder untouched. */
async function refused(name: string, breakIt: (ckpt: string) => void | Promise<void>, expected: RegExp): Promise<void> {
  const out = join(root, name.replace(/\W+/g, '-'));
  await cp(stopped, out, { recursive: true });
  const ckpt = join(out, 'checkpoint.safetensors');
  await breakIt(ckpt);
  const before = await folderContents(out);
  await assert.rejects(train(opts(out)), (err: unknown) => {
    assert.ok(err instanceof UsageError, String(err));
    assert.ok(err.message.startsWith(`resume: ${ckpt}: `), `${name}: ${err.message}`);
    assert.match(err.message, expected, name);
    return true;
  });
  assert.deepEqual(await folderContents(out), before, `${name}: folder changed`);
}

test('a flipped byte in a checkpoint tensor is one line naming the file and the tensor, exit 2 (CLI)', async () => {
  const out = join(root, 'flipped');
  await cp(stopped, out, { recursive: true });
  const ckpt = join(out, 'checkpoint.safetensors');
  const bytes = readFileSync(ckpt);
  const n = Number(bytes.readBigUInt64LE(0));
  const [begin] = JSON.parse(bytes.subarray(8, 8 + n).toString()).Wo.data_offsets;
  bytes[8 + n + begin + 5] ^= 0x04;
  writeFileSync(ckpt, bytes);
  const before = await folderContents(out);
  const r = await runCli(['--data', data, '--out', out, ...SMALL_FLAGS, '--resume']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(
    r.stderr,
    `error: resume: ${ckpt}: not a valid safetensors file: tensor Wo: its bytes do not match their sha256 in the metadata (the file is damaged); start the run afresh with --overwrite\n`,
  );
  assert.deepEqual(await folderContents(out), before);
});

test('tensors of the right size but the wrong shape, missing or extra are refused', async () => {
  await refused('adam moment reshaped', (p) => editHeader(p, (h) => void (h['adam.m.Wo'].shape = [8, 32])), /tensor adam\.m\.Wo has shape \[8, 32\], its parameter Wo \[16, 16\]$/);
  await refused(
    'parameter reshaped',
    (p) => editHeader(p, (h) => ['Wo', 'adam.m.Wo', 'adam.v.Wo'].forEach((t) => (h[t].shape = [8, 32]))),
    /tensor Wo has shape \[8, 32\], this model's \[16, 16\]$/,
  );
  await refused('missing moment', (p) => rewrite(p, (c) => delete c.tensors['adam.v.Wl']), /missing tensor adam\.v\.Wl$/);
  await refused('extra tensor', (p) => rewrite(p, (c) => (c.tensors.extra = { shape: [1], data: new Float32Array(1) })), /unexpected tensor extra$/);
  await refused(
    'parameters reordered',
    (p) =>
      rewrite(p, (c) => {
        const names = JSON.parse(c.metadata.parameters);
        c.metadata.parameters = JSON.stringify([names[1], names[0], ...names.slice(2)]);
      }),
    /parameter \S+ is at position 1, the model's is 0$/,
  );
});

test('steps that disagree between the metadata, Adam and the run files are refused', async () => {
  await refused('step behind adam', (p) => editHeader(p, (h) => (h.__metadata__.step = '4')), /metadata adam_step = 5 but step = 4$/);
  await refused(
    'step and adam behind the run files',
    (p) => editHeader(p, (h) => Object.assign(h.__metadata__, { step: '4', adam_step: '4' })),
    /metadata run_files\.metrics has 5 rows for step 4$/,
  );
});

test('a checkpoint without digests, or of the format before them, is refused with what to do', async () => {
  await refused('old format', (p) => editHeader(p, (h) => (h.__metadata__.format = 'ring-train-checkpoint/2')), /written by an older ring-train \(ring-train-checkpoint\/2: no tensor digests\); start the run afresh with --overwrite$/);
  await refused('no digests', (p) => editHeader(p, (h) => delete h.__metadata__[TENSOR_SHA256_KEY]), /no tensor digests/);
  await refused('no run-file marks', (p) => editHeader(p, (h) => delete h.__metadata__.run_files), /metadata run_files is not JSON$/);
});
