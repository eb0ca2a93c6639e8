import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdirSync, copyFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LeakyRingAttractor, saveModel, selectBackend } from '@ring-attractor/model';
import { readEvaluation, type EvalSummary } from '../src/files.js';
import { readTrace } from '../src/trace.js';
import { folderContents, removeTempDirs, runCli, tempDir, tinyDataset } from './helpers.js';

after(removeTempDirs);

describe('ring-eval', () => {
  let root: string;
  let seedDir: string;
  let longDir: string;
  let runDir: string;

  before(async () => {
    root = tempDir('cli');
    seedDir = await tinyDataset(root, 'seedlike', { max_av: 0.25 });
    longDir = await tinyDataset(root, 'long', { seq_len: 90, test_samples: 5, zero_padding_start_ratio: 0.01, seed: 9 });
    runDir = join(root, 'train');
    mkdirSync(runDir);
    await selectBackend('cpu', () => undefined);
    const model = new LeakyRingAttractor({ num_neurons: 16, activation: 'gelu', init: 'random', seed: 2 });
    const manifest = JSON.parse(readFileSync(join(seedDir, 'manifest.json'), 'utf8')) as { files: Record<string, { sha256: string }> };
    await saveModel(join(runDir, 'model.safetensors'), model, { step: '12', dataset_sha256: manifest.files['train.arrow'].sha256 });
    model.dispose();
  });

  const small = ['--drift-starts', '4', '--drift-horizons', '20,50', '--gain-velocities', '5', '--gain-settle', '10', '--gain-window', '20'];

  it('writes every table and eval.json, byte-identical across runs, thread counts and chunk sizes', async () => {
    const outs = ['a', 'b', 'c'].map((n) => join(root, `out-${n}`));
    const args = (out: string, extra: string[] = []): string[] => ['--run', runDir, '--data', seedDir, '--data', longDir, '--out', out, ...small, ...extra];
    const results = [
      await runCli(args(outs[0])),
      await runCli(args(outs[1], ['--threads', '1'])),
      await runCli(args(outs[2], ['--chunk-size', '100', '--threads', '2'])),
    ];
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const files = folderContents(outs[0]);
    assert.deepEqual(Object.keys(files), [
      'drift.arrow',
      'drift_trace.arrow',
      'eval.json',
      'gain.arrow',
      'long/error_by_speed.arrow',
      'long/error_by_step.arrow',
      'long/error_by_still_time.arrow',
      'seedlike/error_by_speed.arrow',
      'seedlike/error_by_step.arrow',
      'seedlike/error_by_still_time.arrow',
      'trace.arrow',
    ]);
    const summary = JSON.parse(Buffer.from(files['eval.json'], 'base64').toString('utf8')) as EvalSummary;
    const strip = (f: Record<string, string>): Record<string, string> => {
      const s = JSON.parse(Buffer.from(f['eval.json'], 'base64').toString('utf8')) as EvalSummary;
      return { ...f, 'eval.json': JSON.stringify({ ...s, config: { ...s.config, chunk_size: 0 } }) };
    };
    assert.deepEqual(folderContents(outs[1]), files, '--threads 1 changed the files');
    assert.deepEqual(strip(folderContents(outs[2])), strip(files), '--chunk-size changed the results');
    // The checkpoint names seedlike's train.arrow: the trained range and length come from it.
    assert.equal(summary.trained_on, 'seedlike');
    assert.equal(summary.train_seq_len, 40);
    assert.equal(summary.config.max_av, 0.25);
    assert.equal(summary.model.step, 12);
    // The first steps are the trained length (seedlike's 40) on every dataset.
    assert.deepEqual(summary.datasets.map((d) => [d.name, d.sequences, d.seq_len, d.first_steps, d.last_steps]), [['seedlike', 12, 40, 40, 4], ['long', 5, 90, 40, 9]]);
    const ev = readEvaluation(outs[0]);
    assert.equal(ev.datasets.long.byStep.length, 2 * 90);
    assert.equal(ev.drift.length, 2 * 4 * 2);
    assert.equal(ev.gain.length, 2 * 5);
    assert.ok(ev.gain.every((r) => typeof r.amplitude_ratio === 'number'));
    assert.match(results[0].stderr, /seedlike: 12×40, error pv [\d.]+°/);
    assert.match(results[0].stderr, /ring-eval: wrote 11 files/);
    // The reference's trace (docs/model.md §5.5): T = 200 from the bump at π, angle[t+1] − angle[t] = av[t].
    const trace = readTrace(outs[0], 16);
    assert.equal(trace.t.length, 200);
    assert.equal(trace.angle[0], Math.fround(Math.PI));
    for (let t = 0; t + 1 < 200; t++) {
      const d = ((((trace.angle[t + 1] - trace.angle[t] - trace.av[t]) % (2 * Math.PI)) + 3 * Math.PI) % (2 * Math.PI)) - Math.PI;
      assert.ok(Math.abs(d) < 1e-5, `t=${t}`);
    }
    for (const t of [0, 99, 199]) assert.ok(Math.abs(Math.max(...trace.output[t]) - 1) < 1e-6, 'the cosine output is divided by its own maximum');
    assert.ok(trace.decodedPv.every((x) => x >= 0 && x <= 2 * Math.PI));
  });

  it('takes options from --config (an experiment config with an eval section); flags override it', async () => {
    const cfg = join(root, 'experiment.json');
    writeFileSync(cfg, JSON.stringify({ dataset: 'seed', eval: { drift_starts: 3, drift_horizons: [15], gain_velocities: 3, gain_settle: 5, gain_window: 10 } }));
    const out = join(root, 'out-config');
    const r = await runCli(['--run', runDir, '--data', longDir, '--out', out, '--config', cfg, '--drift-starts', '2', '--max-av', '0.5']);
    assert.equal(r.code, 0, r.stderr);
    const s = readEvaluation(out).summary;
    assert.equal(s.config.drift_starts, 2);
    assert.deepEqual(s.config.drift_horizons, [15]);
    assert.equal(s.config.max_av, 0.5);
    // The checkpoint was not trained on `long`.
    assert.equal(s.trained_on, null);
    assert.equal(s.train_seq_len, null);
  });

  it('--help lists every flag; --version prints the package version', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    for (const flag of ['--run', '--data', '--out', '--config', '--backend', '--kernel', '--threads', '--chunk-size', '--last-fraction', '--speed-bins', '--drift-starts', '--drift-horizons', '--survival-ratio', '--gain-velocities', '--gain-extent', '--gain-settle', '--gain-window', '--max-av']) {
      assert.ok(help.stdout.includes(flag), `--help lacks ${flag}`);
    }
    const version = await runCli(['--version']);
    assert.equal(version.code, 0);
    assert.equal(version.stdout.trim(), JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
  });

  it('bad input: one line naming the flag or file, exit 2, nothing written', async () => {
    const dup = join(root, 'other');
    mkdirSync(dup);
    const dupData = await tinyDataset(dup, 'seedlike');
    const corrupt = join(root, 'corrupt');
    mkdirSync(corrupt);
    copyFileSync(join(runDir, 'model.safetensors'), join(corrupt, 'model.safetensors'));
    truncateSync(join(corrupt, 'model.safetensors'), 200);
    // A model beside another run's run.json (another training set): the folder is not one run's.
    const mixed = join(root, 'mixed');
    mkdirSync(mixed);
    copyFileSync(join(runDir, 'model.safetensors'), join(mixed, 'model.safetensors'));
    const run = { config: { model: {}, train: {} }, dataset: { sha256: { 'train.arrow': 'f'.repeat(64) } }, steps: 12, ms_per_step_median: 1, train_seconds: 1 };
    writeFileSync(join(mixed, 'run.json'), JSON.stringify(run));
    const cfg = join(root, 'bad-config.json');
    writeFileSync(cfg, JSON.stringify({ eval: { gain_window: 1 } }));
    const cases: [string[], RegExp][] = [
      [['--gain-velocities', '4'], /^error: --gain-velocities: expected an odd integer/],
      [['--drift-horizons', '50,20'], /^error: --drift-horizons: expected strictly increasing/],
      [['--last-fraction', 'x'], /^error: --last-fraction: expected a finite number in \(0, 1\] \(got "x"\)/],
      [['--max-av', '-1'], /^error: --max-av: expected a number > 0/],
      [['--threads', '0'], /^error: --threads: expected an integer in \[1, 64\]/],
      [['--kernel', 'gpu'], /^error: Invalid values: Argument: kernel, Given: "gpu"/],
      [['--config', cfg], /^error: .*bad-config.json: eval.gain_window: expected an integer in \[2, 100000\]/],
      [['--nonsense', '1'], /^error: Unknown argument: nonsense/],
    ];
    // These fail before tfjs loads: cheap enough to run side by side.
    const early = await Promise.all(cases.map(([extra]) => runCli(['--run', runDir, '--data', seedDir, '--out', join(root, 'never'), ...extra])));
    for (const [i, [extra, want]] of cases.entries()) {
      const out = join(root, 'never');
      const r = early[i];
      assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr.trim(), want, extra.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `${extra.join(' ')}: one line, got ${r.stderr}`);
      assert.ok(!existsSync(out), `${extra.join(' ')} wrote output`);
    }
    const late: [string[], RegExp][] = [
      [['--run', join(root, 'nowhere'), '--data', seedDir], /^error: --run: .*nowhere\/model.safetensors is missing/],
      [['--run', corrupt, '--data', seedDir], /^error: --run: cannot load .*corrupt\/model.safetensors/],
      [['--run', mixed, '--data', seedDir], /^error: train folder .*mixed: its files are from different runs \(training data: run\.json \(ffffffffffff…\) ≠ model\.safetensors \([0-9a-f]{12}…\)\)/],
      [['--run', runDir, '--data', join(root, 'nodata')], /^error: --data .*nodata: .*manifest.json: cannot read the dataset manifest/],
      [['--run', runDir, '--data', seedDir, '--data', dupData], /^error: --data: expected dataset folders with different names/],
    ];
    const notAFolder = join(root, 'a-file');
    writeFileSync(notAFolder, 'x');
    const r = await runCli(['--run', runDir, '--data', seedDir, '--out', notAFolder]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: --out: expected a folder \(or a path to create one at\)/m);
    assert.equal(readFileSync(notAFolder, 'utf8'), 'x');
    for (const [args, want] of late) {
      const out = join(root, 'never');
      const r = await runCli([...args, '--out', out]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('backend:') && !l.startsWith('kernel:'));
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], want);
      assert.ok(!existsSync(out), `${args.join(' ')} wrote output`);
    }
  });
});
