import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@ring-attractor/common';
import {
  datagenSection,
  evalSection,
  ringModelSection,
  resolveModel,
  resolveTrain,
  modelFlagsSchema,
  MODEL_SPEC,
  TRAIN_SPEC,
  parseStageCli,
  parseSweepAxis,
  resolveExperiment,
  resolveSection,
  sectionDefaults,
  sectionFlags,
  sectionOptions,
  rawArgs,
  trainSection,
  vizSection,
} from '../src/index.js';

function usage(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => e instanceof UsageError && pattern.test(e.message), String(pattern));
}

test('the defaults are the reference seed run (the values of docs/model.md §1, §4)', () => {
  assert.deepEqual(sectionDefaults(datagenSection), {
    num_samples: 128000,
    test_samples: 1024,
    seq_len: 120,
    zero_padding_start_ratio: 0.1,
    zero_ratios_in_rest: [0.2, 0.5, 0.8],
    max_av: 0.1 * Math.PI,
    seed: 0,
  });
  assert.deepEqual(sectionDefaults(ringModelSection), {
    kind: 'ring', num_neurons: 120, activation: 'gelu', hidden_gain_neurons: 3, init: 'random', action_dim: 2, alpha: 0.15, J0: -0.1, J1: 0.1,
  });
  assert.deepEqual(sectionDefaults(trainSection), {
    steps: 1000, batch_size: 128, clip: 1, bump_weight: 0.2, snapshot_every: 10, checkpoint_every: 50, seed: 0,
  });
  assert.deepEqual(sectionDefaults(evalSection), {
    datasets: [], last_fraction: 0.1, speed_bins: 8, drift_starts: 36, drift_horizons: [100, 500, 1000], survival_ratio: 0.5,
    gain_velocities: 31, gain_extent: 1.5, gain_settle: 100, gain_window: 200,
  });
  assert.deepEqual(sectionDefaults(vizSection), { fps: 10, formats: ['mp4', 'gif'], width: 960, scheme: 'redblue', reverse_scheme: true, report_snapshots: 26 });
});

test('defaults are fresh objects: filling one config never changes another', () => {
  const a = sectionDefaults(datagenSection);
  a.zero_ratios_in_rest.push(0.9);
  assert.deepEqual(sectionDefaults(datagenSection).zero_ratios_in_rest, [0.2, 0.5, 0.8]);
});

test('every bad value is one line naming the field and what it should be', () => {
  usage(() => resolveSection(trainSection, { steps: 0 }), /^steps: expected a positive integer \(got 0\)$/);
  usage(() => resolveSection(trainSection, { lr: -1 }), /^lr: expected a finite number > 0 \(got -1\)$/);
  usage(() => resolveSection(trainSection, { batch_size: 2.5 }), /^batch_size: expected an integer in \[1, 65536\] \(got 2\.5\)$/);
  usage(() => resolveSection(trainSection, { clip: Number.NaN }), /^clip: expected a finite number > 0 \(got "NaN"\)$/);
  usage(() => resolveSection(trainSection, { lr: Number.POSITIVE_INFINITY }), /^lr: .*\(got "Infinity"\)$/);
  usage(() => resolveSection(ringModelSection, { activation: 'sigmoid' }), /^activation: expected one of tanh, relu, gelu \(got "sigmoid"\)$/);
  usage(() => resolveSection(ringModelSection, { num_neurons: 2 }), /^num_neurons: expected an integer in \[3, 4096\] \(got 2\)$/);
  usage(() => resolveSection(ringModelSection, { alpha: 1.5 }), /^alpha: expected a finite number in \(0, 1\] \(got 1\.5\)$/);
  usage(() => resolveSection(datagenSection, { zero_ratios_in_rest: [0.2, 1] }), /^zero_ratios_in_rest\[1\]: expected a finite number in \[0, 1\) \(got 1\)$/);
  usage(() => resolveSection(datagenSection, { zero_ratios_in_rest: [] }), /^zero_ratios_in_rest: expected a non-empty list, each a finite number in \[0, 1\) \(got \[\]\)$/);
  usage(() => resolveSection(vizSection, { formats: ['mp4', 'avi'] }), /^formats\[1\]: expected one of mp4, gif \(got "avi"\)$/);
  usage(() => resolveSection(trainSection, { stepz: 3 }), /^stepz: expected a known key \(one of steps, batch_size, /);
  usage(() => resolveSection(trainSection, [1], undefined, 'train'), /^train: expected an object of options/);
  // The first bad field in schema order is the one reported.
  usage(() => resolveSection(trainSection, { seed: -1, steps: 0 }), /^steps: /);
});

test('labels name where a value came from', () => {
  usage(() => resolveSection(ringModelSection, { num_neurons: 1 }, (k) => `cfg.json: model.${k}`), /^cfg\.json: model\.num_neurons: expected/);
});

test('an experiment config: sections filled, unknown sections and bad names refused, cross-field rules applied', () => {
  const c = resolveExperiment({ dataset: 'seed', train: { steps: 3 } }, 'x.json');
  assert.equal(c.dataset, 'seed');
  assert.equal(c.train.steps, 3);
  assert.equal(c.model.kind === 'ring' && c.model.num_neurons, 120);
  usage(() => resolveExperiment({ dataset: 'seed', trian: {} }, 'x.json'), /^x\.json: trian: expected a known key/);
  usage(() => resolveExperiment({ dataset: 'Bad Name' }, 'x.json'), /^x\.json: dataset: expected lower-case letters/);
  usage(() => resolveExperiment({ dataset: 'seed', model: { init: 'debug_perfect' } }, 'x.json'), /^x\.json: model\.init: expected random or perfect/);
  usage(() => resolveExperiment({ dataset: 'seed', eval: { drift_horizons: [100, 50] } }, 'x.json'), /^x\.json: eval\.drift_horizons: expected strictly increasing step counts/);
  usage(() => resolveExperiment({ dataset: 'seed', eval: { gain_velocities: 10 } }, 'x.json'), /^x\.json: eval\.gain_velocities: expected an odd integer/);
  usage(() => resolveExperiment({ dataset: 'seed', eval: { datasets: ['Long 500'] } }, 'x.json'), /^x\.json: eval\.datasets\[0\]: expected a dataset name/);
});

test('flags: typed, with choices and defaults for --help, values read as typed', () => {
  const opts = sectionOptions(ringModelSection);
  assert.deepEqual(opts['activation'].choices, ['tanh', 'relu', 'gelu']);
  assert.equal(opts['num-neurons'].type, 'number');
  assert.equal(opts['num-neurons'].defaultDescription, '120');
  assert.equal(sectionOptions(vizSection)['reverse-scheme'].type, 'boolean');
  const raw = rawArgs(['--num-neurons', '64', '--alpha=0.2', '--activation', 'relu', '--num-neurons', '32'], [ringModelSection]);
  assert.deepEqual(sectionFlags(ringModelSection, raw), { num_neurons: 32, activation: 'relu', alpha: 0.2 });
  usage(() => sectionFlags(trainSection, rawArgs(['--lr', '1e-3x'], [trainSection])), /^--lr: expected a finite number > 0 \(got "1e-3x"\)$/);
  usage(() => sectionFlags(trainSection, rawArgs(['--lr', 'Infinity'], [trainSection])), /^--lr: .*\(got "Infinity"\)$/);
  assert.deepEqual(sectionFlags(vizSection, rawArgs(['--formats', 'none', '--no-reverse-scheme'], [vizSection])), { formats: [], reverse_scheme: false });
  assert.deepEqual(sectionFlags(datagenSection, rawArgs(['--zero-ratios-in-rest', '0.1, 0.3'], [datagenSection])), { zero_ratios_in_rest: [0.1, 0.3] });
});

test('parseStageCli merges the config file and the flags; errors name the flag or the file key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ $schema: 'x', seq_len: 30, seed: 4 }));
  const spec = { name: 't', version: '1.2.3', usage: 't', sections: { data: datagenSection }, configFile: 'flat' as const, options: { out: { type: 'string' as const } } };
  const { config, args } = await parseStageCli(spec, ['--config', file, '--seed', '5', '--out', 'o']);
  assert.equal(config.data.seq_len, 30);
  assert.equal(config.data.seed, 5);
  assert.equal(args.out, 'o');
  await assert.rejects(parseStageCli(spec, ['--config', file, '--seq-len', '0']), /^UsageError: --seq-len: expected an integer in \[1, 16777216\] \(got 0\)$/);
  writeFileSync(file, JSON.stringify({ seq_len: 0 }));
  await assert.rejects(parseStageCli(spec, ['--config', file]), new RegExp(`^UsageError: ${file.replace(/[.\\/]/g, '\\$&')}: seq_len: expected`));
  const sections = { ...spec, sections: { model: MODEL_SPEC, train: TRAIN_SPEC }, configFile: 'sections' as const };
  writeFileSync(file, JSON.stringify({ dataset: 'seed', model: { num_neurons: 16 }, train: { steps: 2 }, viz: { fps: 3 } }));
  const both = await parseStageCli(sections, ['--config', file, '--steps', '7']);
  assert.equal(both.config.model.kind === 'ring' && both.config.model.num_neurons, 16);
  assert.equal(both.config.train.lr, 1e-3, "the ring's learning rate");
  const gru = await parseStageCli(sections, ['--kind', 'gru', '--hidden-size', '32']);
  assert.deepEqual(gru.config.model, { kind: 'gru', hidden_size: 32, num_layers: 2, dropout: 0.1 });
  assert.equal(gru.config.train.lr, 3e-4, "the GRU's learning rate");
  await assert.rejects(parseStageCli(sections, ['--kind', 'gru', '--num-neurons', '32']), /^UsageError: --num-neurons: expected a known key \(one of kind, hidden_size, num_layers, dropout\)/);
  assert.equal(both.config.train.steps, 7);
  writeFileSync(file, JSON.stringify({ train: [1] }));
  await assert.rejects(parseStageCli(sections, ['--config', file]), /: train: expected an object of options/);
});

test('sweep axes are typed and checked by the schema when they are written', () => {
  assert.deepEqual(parseSweepAxis('train.lr=1e-3,3e-3'), { section: 'train', key: 'lr', values: [0.001, 0.003] });
  assert.deepEqual(parseSweepAxis('model.activation=gelu,relu'), { section: 'model', key: 'activation', values: ['gelu', 'relu'] });
  assert.deepEqual(parseSweepAxis('viz.formats=mp4+gif,none'), { section: 'viz', key: 'formats', values: [['mp4', 'gif'], []] });
  usage(() => parseSweepAxis('train.lrr=1'), /^--set train\.lrr: expected a key of train/);
  usage(() => parseSweepAxis('train.lr=0p1'), /^--set train\.lr\[0\]: expected a finite number > 0 \(got "0p1"\)$/);
  usage(() => parseSweepAxis('train.steps=0'), /^--set train\.steps: expected a positive integer \(got 0\)$/);
  usage(() => parseSweepAxis('dataset.x=1'), /^--set: expected a section among model, train, eval, viz/);
  usage(() => parseSweepAxis('train.lr'), /^--set: expected section\.key=value/);
  usage(() => parseSweepAxis('train.lr=1,,2'), /non-empty values/);
});

test('model kinds: each kind its schema, defaults and rules; training defaults follow the kind', () => {
  assert.deepEqual(resolveModel({ kind: 'gru' }), { kind: 'gru', hidden_size: 128, num_layers: 2, dropout: 0.1 });
  assert.deepEqual(resolveModel({ kind: 'transformer' }), { kind: 'transformer', d_model: 64, nhead: 8, num_layers: 2, dim_feedforward: 128, dropout: 0.01, max_seq_len: 5000 });
  assert.equal(resolveModel({}).kind, 'ring');
  usage(() => resolveModel({ kind: 'lstm' }), /^kind: expected one of ring, gru, transformer \(got "lstm"\)$/);
  usage(() => resolveModel({ kind: 'gru', num_neurons: 10 }), /^num_neurons: expected a known key \(one of kind, hidden_size, num_layers, dropout\)/);
  usage(() => resolveModel({ kind: 'transformer', d_model: 63 }), /^d_model: expected an even integer/);
  usage(() => resolveModel({ kind: 'transformer', d_model: 64, nhead: 6 }), /^nhead: expected a divisor of d_model = 64 \(got 6\)$/);
  assert.equal(resolveTrain({}, 'ring').lr, 1e-3);
  assert.equal(resolveTrain({}, 'gru').lr, 3e-4);
  assert.deepEqual([resolveTrain({}, 'transformer').lr, resolveTrain({}, 'transformer').weight_decay], [3e-4, 1e-5]);
  assert.equal(resolveTrain({ lr: 0.01 }, 'gru').lr, 0.01);
  const flags = modelFlagsSchema().properties;
  for (const key of ['kind', 'num_neurons', 'hidden_size', 'd_model', 'num_layers', 'dropout']) assert.ok(key in flags, key);
  assert.match(String(flags.dropout.description), /gru 0\.1; transformer 0\.01/);
});
