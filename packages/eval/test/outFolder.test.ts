/** ring-eval and its folders: one writer per output folder, leftovers of killed runs, inputs checked before evaluating. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lockFolder, lockPathFor, parseTempName } from '@ring-attractor/common';
import { LeakyRingAttractor, saveModel, selectBackend } from '@ring-attractor/model';
import { removeTempDirs, runCli, tempDir, tinyDataset } from './helpers.js';

after(removeTempDirs);

const SMALL = ['--drift-starts', '2', '--drift-horizons', '10', '--gain-velocities', '3', '--gain-settle', '2', '--gain-window', '4'];

describe('ring-eval output folder', () => {
  let root: string;
  let data: string;
  let runDir: string;

  before(async () => {
    root = tempDir('out-folder');
    data = await tinyDataset(root, 'seedlike');
    runDir = join(root, 'train');
    mkdirSync(runDir);
    await selectBackend('cpu', () => undefined);
    const model = new LeakyRingAttractor({ num_neurons: 8, activation: 'gelu', init: 'random', seed: 2 });
    await saveModel(join(runDir, 'model.safetensors'), model, { step: '1' });
    model.dispose();
  });

  it('a second evaluation into a folder being written is refused at once, naming the folder and the pid', async () => {
    const out = join(root, 'held');
    const lock = lockFolder(out, 'ring-eval');
    try {
      const r = await runCli(['--run', runDir, '--data', data, '--out', out, ...SMALL]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^error: --out: ${out} is being written by ring-eval \\(pid ${process.pid} on [^)]*\\); wait for it to finish or stop it \\(one writer per folder\\)\\n$`));
      assert.equal(existsSync(out), false);
    } finally {
      lock.release();
    }
  });

  it("removes a dead run's temp files, also in a dataset's subfolder, and leaves no lock", async () => {
    const out = join(root, 'leftovers');
    mkdirSync(join(out, 'seedlike'), { recursive: true });
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    writeFileSync(join(out, `.eval.json.${dead}.0000beef.tmp`), '{');
    writeFileSync(join(out, 'seedlike', `.error_by_step.arrow.${dead}.0000beef.tmp`), 'x');
    const r = await runCli(['--run', runDir, '--data', data, '--out', out, ...SMALL]);
    assert.equal(r.code, 0, r.stderr);
    const all = readdirSync(out, { recursive: true }).map(String);
    assert.deepEqual(all.filter((f) => parseTempName(f.split('/').pop()!) !== undefined), []);
    assert.ok(all.includes('eval.json'));
    assert.equal(existsSync(lockPathFor(out)), false);
  });

  it('a test split changed after its manifest was written fails before evaluation: one line naming the file, nothing written', async () => {
    const changed = join(root, 'changed');
    cpSync(data, changed, { recursive: true });
    const bytes = readFileSync(join(changed, 'test.arrow'));
    bytes[bytes.length >> 1] ^= 0x01;
    writeFileSync(join(changed, 'test.arrow'), bytes);
    const out = join(root, 'never');
    const r = await runCli(['--run', runDir, '--data', changed, '--out', out, ...SMALL]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: --data .*changed: .*changed\/test\.arrow: sha256 mismatch \(file [0-9a-f]{64}, manifest [0-9a-f]{64}\)\n$/);
    assert.equal(existsSync(out), false);
  });
});
