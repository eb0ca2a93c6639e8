import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, claimOutputFolder, parseTempName, releaseOutputFolders, removeDeadTempFiles, tempPathFor } from '../src/index.js';

const WRITER = new URL('./fixtures/writer.ts', import.meta.url).pathname;

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

/** Starts the writer fixture on `folder` and resolves once its temp file exists. */
async function startWriter(folder: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, folder], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  while (!out.includes('writing')) {
    if (child.exitCode !== null) throw new Error(`writer exited early (${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

function temps(folder: string): string[] {
  return readdirSync(folder).filter((n) => parseTempName(n) !== undefined);
}

test('temp file names: the pid and the target are read back from what tempPathFor makes', () => {
  const name = tempPathFor('/x/model.safetensors').split('/').pop()!;
  assert.deepEqual(parseTempName(name), { pid: process.pid, target: 'model.safetensors' });
  for (const other of ['model.safetensors', '.model.tmp', '.a.0.deadbeef.tmp', '.a.12.xyz.tmp']) assert.equal(parseTempName(other), undefined, other);
});

test("removeDeadTempFiles removes dead processes' temp files at any depth and keeps live ones and other files", () => {
  const dir = mkdtempSync(join(tmpdir(), 'leftovers-'));
  mkdirSync(join(dir, 'sub'));
  const dead = deadPid();
  const files = {
    deadTop: `.train.arrow.${dead}.0123abcd.tmp`,
    deadSub: join('sub', `.error_by_step.arrow.${dead}.89abcdef.tmp`),
    live: `.metrics.arrow.${process.ppid}.00000000.tmp`,
    plain: 'train.arrow',
    hidden: '.keep.tmp',
  };
  for (const f of Object.values(files)) writeFileSync(join(dir, f), 'x');
  const removed = removeDeadTempFiles(dir).sort();
  assert.deepEqual(removed, [join(dir, files.deadSub), join(dir, files.deadTop)].sort());
  assert.deepEqual(readdirSync(dir).sort(), [files.hidden, files.live, files.plain, 'sub'].sort());
  assert.deepEqual(readdirSync(join(dir, 'sub')), []);
});

test('claimOutputFolder: a file as --out, or under a file, is one line naming --out; the folder itself is not created', () => {
  const root = mkdtempSync(join(tmpdir(), 'claim-'));
  const file = join(root, 'a-file');
  writeFileSync(file, 'x');
  const oneLine = (re: RegExp) => (err: unknown) => err instanceof UsageError && re.test(err.message) && !err.message.includes('\n');
  assert.throws(() => claimOutputFolder(file, 'test'), oneLine(/^--out: expected a folder \(or a path to create one at\) \(got ".*a-file is a file"\)$/));
  assert.throws(() => claimOutputFolder(join(file, 'sub'), 'test'), oneLine(/^--out: expected a folder \(or a path to create one at\) \(got ".*a-file\/sub": cannot create .*a-file: (ENOTDIR|EEXIST)\)$/));
  assert.throws(() => claimOutputFolder('', 'test', '--out'), oneLine(/^--out: expected a folder path/));
  const out = join(root, 'deep', 'out');
  const claim = claimOutputFolder(out, 'test');
  assert.equal(existsSync(out), false, 'a run that fails on its inputs leaves no folder');
  assert.deepEqual(readdirSync(join(root, 'deep')), ['out.lock']);
  assert.equal(claimOutputFolder(join(root, 'deep', '.', 'out'), 'test'), claim, 'another spelling is the same claim');
  releaseOutputFolders();
  assert.deepEqual(readdirSync(join(root, 'deep')), []);
});

test('a writer killed by SIGKILL leaves its temp file and lock; the next claim removes the temp file and takes the lock', async () => {
  const root = mkdtempSync(join(tmpdir(), 'claim-'));
  const folder = join(root, 'out');
  const child = await startWriter(folder);
  assert.equal(temps(folder).length, 1);
  child.kill('SIGKILL');
  await once(child, 'close');
  assert.equal(temps(folder).length, 1, 'SIGKILL runs no handler');
  assert.ok(existsSync(join(root, 'out.lock')));
  const claim = claimOutputFolder(folder, 'test');
  assert.equal(claim.removed.length, 1);
  assert.deepEqual(temps(folder), []);
  releaseOutputFolders();
  assert.deepEqual(readdirSync(root), ['out']);
});

for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test(`${signal} removes the writer's temp files and lock and exits ${code}`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'claim-'));
    const folder = join(root, 'out');
    const child = await startWriter(folder);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d));
    child.kill(signal);
    const [exit] = (await once(child, 'close')) as [number | null];
    assert.equal(exit, code, err);
    assert.deepEqual(readdirSync(folder), [], 'no temp file left');
    assert.deepEqual(readdirSync(root), ['out'], 'no lock left');
    assert.match(err, new RegExp(`^stopped by ${signal}\\n$`));
  });
}

test('a signal in the middle of atomic writes lets the write in flight finish: no temp file is ever left (12 stops at random moments)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'claim-'));
  for (let i = 0; i < 12; i++) {
    const folder = join(root, `out${i}`);
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, folder, 'write-loop'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d));
    await once(child.stdout!, 'data');
    // Land anywhere in the cycle of open, write, fsync, rename.
    await new Promise((r) => setTimeout(r, 5 + ((i * 37) % 60)));
    child.kill('SIGTERM');
    const [exit] = (await once(child, 'close')) as [number | null];
    assert.equal(exit, 143, err);
    const left = readdirSync(folder).filter((n) => parseTempName(n) !== undefined);
    assert.deepEqual(left, [], `stop ${i}: temp files left`);
  }
});

test('a second writer on a folder being written exits 2 at once with one line naming the folder and the pid', async () => {
  const folder = join(mkdtempSync(join(tmpdir(), 'claim-')), 'out');
  const first = await startWriter(folder);
  try {
    const second = spawnSync(process.execPath, ['--import', 'tsx', WRITER, folder], { encoding: 'utf8' });
    assert.equal(second.status, 2, second.stderr);
    assert.equal(second.stderr, `error: --out: ${folder} is being written by writer (pid ${first.pid} on ${second.stderr.match(/ on ([^,]+),/)?.[1]}, since ${second.stderr.match(/since ([^)]+)\)/)?.[1]}); wait for it to finish or stop it (one writer per folder)\n`);
  } finally {
    first.kill('SIGTERM');
    await once(first, 'close');
  }
});
