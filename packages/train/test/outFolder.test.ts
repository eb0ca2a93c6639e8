/** ring-train and its output folder: one writer at a time, --out a file, leftovers of killed runs, signals. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockFolder, lockPathFor, parseTempName } from '@ring-attractor/common';
import { SMALL_FLAGS, removeTempDirs, runCli, tempDir, tinyDataset } from './helpers.js';

const BIN = fileURLToPath(new URL('../bin/ring-train.mjs', import.meta.url));

after(removeTempDirs);

let data: string;
let root: string;

before(async () => {
  root = await tempDir('out-folder');
  data = await tinyDataset(12);
});

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

function temps(dir: string): string[] {
  return readdirSync(dir).filter((n) => parseTempName(n) !== undefined);
}

test('a second trainer on a folder is refused at once: exit 2, one line naming the folder and the pid; nothing written', async () => {
  const out = join(root, 'held');
  const lock = lockFolder(out, 'ring-train');
  try {
    const r = await runCli(['--data', data, '--out', out, ...SMALL_FLAGS]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: --out: ${out} is being written by ring-train \\(pid ${process.pid} on [^)]*\\); wait for it to finish or stop it \\(one writer per folder\\)\\n$`));
    assert.equal(existsSync(out), false);
  } finally {
    lock.release();
  }
});

test('--out naming a file is one line naming --out', async () => {
  const file = join(root, 'a-file');
  writeFileSync(file, 'x');
  const r = await runCli(['--data', data, '--out', file, ...SMALL_FLAGS]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^error: --out: expected a folder \(or a path to create one at\) \(got ".*a-file is a file"\)\n$/);
});

test("a dead trainer's lock and temp files are taken over and removed; the finished run leaves no lock", async () => {
  const out = join(root, 'leftovers');
  mkdirSync(out);
  const dead = deadPid();
  const leftover = `.checkpoint.safetensors.${dead}.0badc0de.tmp`;
  writeFileSync(join(out, leftover), 'half a checkpoint');
  writeFileSync(lockPathFor(out), JSON.stringify({ pid: dead, hostname: (await import('node:os')).hostname(), boot_id: null, start_ticks: null, token: 'old', command: 'ring-train', since: 'then' }));
  const r = await runCli(['--data', data, '--out', out, ...SMALL_FLAGS]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(temps(out), []);
  assert.ok(existsSync(join(out, 'model.safetensors')));
  assert.equal(existsSync(lockPathFor(out)), false);
});

test('SIGTERM during training exits 143 and leaves no temp file and no lock; --resume continues', async () => {
  const out = join(root, 'stopped');
  const flags = [...SMALL_FLAGS, '--steps', '100000', '--checkpoint-every', '1'];
  const child = spawn(process.execPath, [BIN, '--data', data, '--out', out, ...flags], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CI: '1' } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  while (!existsSync(join(out, 'checkpoint.safetensors'))) {
    if (child.exitCode !== null) throw new Error(`ring-train ended early: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGTERM');
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 143, stderr);
  assert.match(stderr, /stopped by SIGTERM\n$/);
  assert.deepEqual(temps(out), []);
  assert.equal(existsSync(lockPathFor(out)), false);
  const r = await runCli(['--data', data, '--out', out, ...flags, '--steps', '60', '--resume']);
  assert.equal(r.code, 0, r.stderr);
});

test('a test split changed after its manifest was written fails before step 1: one line naming the file, nothing written', async () => {
  const changed = join(root, 'changed-data');
  cpSync(data, changed, { recursive: true });
  const bytes = readFileSync(join(changed, 'test.arrow'));
  bytes[bytes.length >> 1] ^= 0x01;
  writeFileSync(join(changed, 'test.arrow'), bytes);
  const out = join(root, 'never');
  const r = await runCli(['--data', changed, '--out', out, ...SMALL_FLAGS]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^error: data: .*changed-data\/test\.arrow: sha256 mismatch \(file [0-9a-f]{64}, manifest [0-9a-f]{64}\)\n$/);
  assert.equal(existsSync(out), false);
});
