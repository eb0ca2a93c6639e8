/** ring-viz and ring-compare and their output folders: one writer at a time, --out a file, leftovers of killed runs. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { lockFolder, lockPathFor, parseTempName } from '@ring-attractor/common';
import { buildRunFixture, type Fixture } from './fixture.js';
import { tempDir } from './helpers.js';

const BINS = {
  'ring-viz': fileURLToPath(new URL('../bin/ring-viz.mjs', import.meta.url)),
  'ring-compare': fileURLToPath(new URL('../bin/ring-compare.mjs', import.meta.url)),
} as const;

function run(cli: keyof typeof BINS, args: string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [BINS[cli], ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
  return { code: r.status, stderr: r.stderr };
}

describe('ring-viz and ring-compare output folders', () => {
  let root: string;
  let fixture: Fixture;
  let argsOf: Record<keyof typeof BINS, (out: string) => string[]>;

  before(async () => {
    root = tempDir('out-folder');
    fixture = await buildRunFixture(join(root, 'experiments', 'seed'), { n: 8, snapshots: 2, metricRows: 4, traceLength: 4 });
    argsOf = {
      'ring-viz': (out) => ['--run', fixture.trainDir, '--eval', fixture.evalDir, '--out', out, '--formats', 'none'],
      'ring-compare': (out) => ['--runs', fixture.dir, '--out', out],
    };
  });

  for (const cli of Object.keys(BINS) as (keyof typeof BINS)[]) {
    it(`${cli}: a folder another process writes is refused at once, naming the folder and the pid`, () => {
      const out = join(root, `${cli}-held`);
      const lock = lockFolder(out, 'ring-viz');
      try {
        const r = run(cli, argsOf[cli](out));
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, new RegExp(`^error: --out: ${out} is being written by ring-viz \\(pid ${process.pid} on [^)]*\\); wait for it to finish or stop it \\(one writer per folder\\)\\n$`));
        assert.equal(existsSync(out), false);
      } finally {
        lock.release();
      }
    });

    it(`${cli}: --out naming a file is one line naming --out`, () => {
      const file = join(root, `${cli}-a-file`);
      writeFileSync(file, 'x');
      const r = run(cli, argsOf[cli](file));
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^error: --out: expected a folder \(or a path to create one at\) \(got ".*a-file is a file"\)\n$/);
    });

    it(`${cli}: a dead run's temp files are removed and no lock is left`, () => {
      const out = join(root, `${cli}-leftovers`);
      mkdirSync(out);
      const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
      writeFileSync(join(out, `.report.html.${dead}.00c0ffee.tmp`), '<html');
      const r = run(cli, argsOf[cli](out));
      assert.equal(r.code, 0, r.stderr);
      const names = readdirSync(out);
      assert.deepEqual(names.filter((n) => parseTempName(n) !== undefined), []);
      assert.ok(names.includes('report.html'));
      assert.equal(existsSync(lockPathFor(out)), false);
    });
  }
});
