/** ring-datagen and its output folder: one writer at a time, --out a file, leftovers of killed runs, signals. */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { lockFolder, parseTempName } from '@ring-attractor/common';
import { tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../bin/ring-datagen.mjs', import.meta.url));
const { dir: root, cleanup } = tempDir('datagen-out-');
after(cleanup);

const SMALL = ['--num-samples', '40', '--test-samples', '8', '--seq-len', '10'];
// Large enough that the train split is still being written when the test stops the process.
const LARGE = ['--num-samples', '600000', '--test-samples', '8', '--seq-len', '40'];

function run(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
  return { status: r.status, stderr: r.stderr };
}

function temps(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => parseTempName(n) !== undefined) : [];
}

/** Starts a large generation into `out`; resolves once its first temp file exists. */
async function startLarge(out: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, '--out', out, ...LARGE], { stdio: 'ignore', env: { ...process.env, CI: '1' } });
  while (temps(out).length === 0) {
    if (child.exitCode !== null) throw new Error(`ring-datagen ended (${child.exitCode}) before the test could stop it`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return child;
}

test('a folder another process writes is refused at once: exit 2, one line naming the folder and the pid', () => {
  const out = join(root, 'held');
  const lock = lockFolder(out, 'ring-train');
  try {
    const r = run(['--out', out, ...SMALL]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: --out: ${out} is being written by ring-train \\(pid ${process.pid} on .*\\); wait for it to finish or stop it \\(one writer per folder\\)\\n$`));
    assert.equal(existsSync(out), false, 'nothing written');
  } finally {
    lock.release();
  }
  assert.equal(run(['--out', out, ...SMALL]).status, 0);
  assert.deepEqual(readdirSync(root).filter((n) => n.endsWith('.lock')), [], 'the lock is gone after the run');
});

test('--out naming a file is one line naming --out', () => {
  const file = join(root, 'a-file');
  writeFileSync(file, 'x');
  const r = run(['--out', file, ...SMALL]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^error: --out: expected a folder \(or a path to create one at\) \(got ".*a-file is a file"\)\n$/);
});

test('killed by SIGKILL mid-write: the temp file stays; the next run removes it', async () => {
  const out = join(root, 'killed');
  const child = await startLarge(out);
  child.kill('SIGKILL');
  await once(child, 'close');
  assert.equal(temps(out).length, 1, 'SIGKILL leaves the temp file');
  assert.ok(existsSync(`${out}.lock`), "and the dead process's lock");
  const r = run(['--out', out, ...SMALL]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['manifest.json', 'test.arrow', 'train.arrow']);
  assert.equal(existsSync(`${out}.lock`), false);
});

test('SIGTERM and SIGINT mid-write leave nothing: exit 143 and 130', async () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    const out = join(root, `stopped-${signal}`);
    const child = await startLarge(out);
    child.kill(signal);
    const [status] = (await once(child, 'close')) as [number | null];
    assert.equal(status, code, signal);
    assert.deepEqual(readdirSync(out), [], `${signal}: no temp file`);
    assert.equal(existsSync(`${out}.lock`), false, `${signal}: no lock`);
  }
});

test('a dataset larger than the free disk space is refused before anything is written, naming the flags', () => {
  const out = join(root, 'huge');
  const r = run(['--out', out, '--num-samples', '1000000000000', '--seq-len', '120']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^error: --num-samples 1000000000000 and --test-samples 1024 × --seq-len 120: the dataset needs 96[0-9.]+ GB on disk and \/.* has [0-9.]+ GB free\n$/);
  assert.equal(existsSync(out), false);
});
