import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { buildRunFixture } from './fixture.js';
import { runCli, tempDir } from './helpers.js';

describe('ring-viz CLI', () => {
  let root: string;
  before(() => {
    root = tempDir('cli');
  });

  /** A fresh experiment folder; `run` and `ev` are its train and eval folders, `args` the flags naming them. */
  const fresh = async (name: string): Promise<{ run: string; ev: string; args: string[] }> => {
    const f = await buildRunFixture(join(root, name), { n: 12, snapshots: 3, metricRows: 6, traceLength: 20 });
    return { run: f.trainDir, ev: f.evalDir, args: ['--run', f.trainDir, '--eval', f.evalDir] };
  };

  it('a missing input names the file and the train stage, exits 2 and writes nothing', async () => {
    const { run, ev, args } = await fresh('missing');
    rmSync(join(run, 'snapshots.arrow'));
    const out = join(root, 'missing', 'viz');
    const r = runCli([...args, '--out', out, '--formats', 'none']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: snapshots\.arrow in .*: missing — run the train stage \(nx run experiment-.*:train\)\n$/);
    assert.equal(existsSync(out), false);
  });

  it('a truncated Arrow file is reported as such', async () => {
    const { run, ev, args } = await fresh('truncated');
    const file = join(ev, 'trace.arrow');
    truncateSync(file, Math.floor(statSync(file).size / 2));
    const r = runCli([...args, '--out', join(root, 'truncated', 'viz'), '--formats', 'none']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: trace\.arrow in .*: truncated or not an Arrow IPC file — run the eval stage/);
  });

  it('a truncated eval.json is reported', async () => {
    const { run, ev, args } = await fresh('badjson');
    writeFileSync(join(ev, 'eval.json'), '{"pv_deg": 3.');
    const r = runCli([...args, '--out', join(root, 'badjson', 'viz'), '--formats', 'none']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: eval\.json in .*: not valid JSON — run the eval stage/);
  });

  it('bad flags and config keys exit 2 with one line', async () => {
    const io = await fresh('flags');
    const cases: [string[], RegExp][] = [
      [['--bogus', '1'], /^error: Unknown argument: bogus\n$/],
      [['--fps', '0'], /^error: --fps: expected a finite number in \(0, 120\] \(got 0\)\n$/],
      [['--formats', 'mp4,avi'], /^error: --formats\[1\]: expected one of mp4, gif \(got "avi"\)\n$/],
      [['--scheme', 'nope'], /^error: --scheme: expected a continuous vega colour scheme/],
    ];
    for (const [args, re] of cases) {
      const r = runCli([...io.args, '--out', join(root, 'flags', 'viz'), ...args]);
      assert.equal(r.code, 2, `${args}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    const cfg = join(root, 'flags', 'viz.json');
    writeFileSync(cfg, JSON.stringify({ viz: { fps: 5, colour: 'red' } }));
    const r = runCli([...io.args, '--out', join(root, 'flags', 'viz'), '--config', cfg]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: .*viz\.json: viz\.colour: expected a known key \(one of fps, formats, width, scheme, reverse_scheme, report_snapshots\)/);
  });

  it('without any ffmpeg: PNGs, specs and report are written, then exit 1 with the FFMPEG_PATH hint', async () => {
    const { run, ev, args } = await fresh('noffmpeg');
    const out = join(root, 'noffmpeg', 'viz');
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: '', RING_VIZ_NO_PACKAGED_FFMPEG: '1' };
    delete env.FFMPEG_PATH;
    const r = runCli([...args, '--out', out, '--formats', 'mp4'], env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /error: ffmpeg: not found .*set FFMPEG_PATH/);
    const files = readdirSync(out);
    for (const f of ['weights_initial.png', 'weights_final.png', 'performance.png', 'loss.png', 'connectivity.png', 'report.html', 'loss.vl.json']) {
      assert.ok(files.includes(f), `${f} written`);
    }
    assert.ok(!files.some((f) => f.endsWith('.mp4') || f.endsWith('.tmp')), files.join(' '));
    assert.ok(readFileSync(join(out, 'report.html'), 'utf8').includes('vegaEmbed('));
  });

  it('FFMPEG_PATH pointing nowhere is an error, not silently replaced', async () => {
    const { run, ev, args } = await fresh('badpath');
    const r = runCli([...args, '--out', join(root, 'badpath', 'viz'), '--formats', 'gif'], { ...process.env, FFMPEG_PATH: join(root, 'nowhere', 'ffmpeg') });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /FFMPEG_PATH=.*nowhere.* is not an executable file; set FFMPEG_PATH/);
  });

  it('--config with an experiment config uses its viz section; --formats none skips movies', async () => {
    const { run, ev, args } = await fresh('ok');
    const out = join(root, 'ok', 'viz');
    const cfg = join(root, 'ok', 'config.json');
    writeFileSync(cfg, JSON.stringify({ dataset: 'seed', model: {}, train: {}, viz: { width: 600, formats: ['mp4'] } }));
    const r = runCli([...args, '--out', out, '--config', cfg, '--formats', 'none']);
    assert.equal(r.code, 0, r.stderr);
    const png = readFileSync(join(out, 'weights_final.png'));
    assert.equal(png.readUInt32BE(16), 600);
    assert.ok(!readdirSync(out).some((f) => f.startsWith('weights_evolution')));
  });
});
