/**
 * The pipeline as a user drives it, in a temp copy of the workspace with tiny configs:
 * what nx runs and what it takes from the cache after each kind of edit.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyWorkspace, nx, removeWorkspace, runBin, writeJson, type NxRun } from './workspace.js';

const STAGES = /:(gen|train|viz|compare)$/;
const stagesRan = (run: NxRun): string[] => run.ran.filter((t) => STAGES.test(t)).sort();

let ws = '';

function experiment(name: string, train: Record<string, unknown> = {}, viz: Record<string, unknown> = {}): void {
  const root = join(ws, 'pipelines', 'experiments', name);
  writeJson(join(root, 'project.json'), {
    name: `experiment-${name}`,
    tags: ['experiment'],
    implicitDependencies: ['dataset-tiny'],
    targets: { train: {}, viz: {} },
  });
  writeJson(join(root, 'config.json'), {
    dataset: 'tiny',
    model: { num_neurons: 16, hidden_gain_neurons: 2 },
    train: { steps: 3, batch_size: 4, snapshot_every: 1, checkpoint_every: 2, threads: 1, ...train },
    viz: { formats: 'none', width: 400, ...viz },
  });
}

function editJson(path: string, edit: (v: Record<string, Record<string, unknown>>) => void): void {
  const value = JSON.parse(readFileSync(path, 'utf8'));
  edit(value);
  writeJson(path, value);
}

before(() => {
  ws = copyWorkspace();
  writeJson(join(ws, 'pipelines', 'datasets', 'tiny', 'project.json'), { name: 'dataset-tiny', tags: ['dataset'], targets: { gen: {} } });
  writeJson(join(ws, 'pipelines', 'datasets', 'tiny', 'config.json'), { num_samples: 64, test_samples: 16, seq_len: 12, seed: 5 });
  experiment('a');
  experiment('b', { seed: 1 });
});

after(() => removeWorkspace(ws));

test('1. a fresh full run generates the shared dataset once and trains + plots every experiment', () => {
  const run = nx(ws, ['run', 'pipelines:full']);
  assert.deepEqual(stagesRan(run), ['dataset-tiny:gen', 'experiment-a:train', 'experiment-a:viz', 'experiment-b:train', 'experiment-b:viz', 'pipelines:compare']);
  assert.equal(run.ran.filter((t) => t === 'dataset-tiny:gen').length, 1);
  for (const e of ['a', 'b']) {
    assert.ok(existsSync(join(ws, 'artifacts/pipelines/experiments', e, 'train/model.safetensors')));
    assert.ok(existsSync(join(ws, 'artifacts/pipelines/experiments', e, 'viz/report.html')));
  }
});

test('2. the second run is all cache hits and restores every file after artifacts/ is deleted', () => {
  const listing = (): string[] => readdirSync(join(ws, 'artifacts'), { recursive: true }).map(String).sort();
  const before = listing();
  const again = nx(ws, ['run', 'pipelines:full']);
  assert.deepEqual(stagesRan(again), []);
  assert.deepEqual(again.cached.filter((t) => STAGES.test(t)).sort(), ['dataset-tiny:gen', 'experiment-a:train', 'experiment-a:viz', 'experiment-b:train', 'experiment-b:viz', 'pipelines:compare']);
  const model = readFileSync(join(ws, 'artifacts/pipelines/experiments/a/train/model.safetensors'));
  rmSync(join(ws, 'artifacts'), { recursive: true });
  const restored = nx(ws, ['run', 'pipelines:full']);
  assert.deepEqual(stagesRan(restored), []);
  assert.deepEqual(listing(), before);
  assert.ok(model.equals(readFileSync(join(ws, 'artifacts/pipelines/experiments/a/train/model.safetensors'))));
});

test('3. editing only viz code reruns viz of every experiment (and the comparison); editing one viz section reruns only that viz', () => {
  appendFileSync(join(ws, 'packages/viz/src/cli.ts'), '\n// an edit to viz code\n');
  assert.deepEqual(stagesRan(nx(ws, ['run', 'pipelines:full'])), ['experiment-a:viz', 'experiment-b:viz', 'pipelines:compare']);
  editJson(join(ws, 'pipelines/experiments/a/config.json'), (c) => {
    c.viz.width = 480;
  });
  assert.deepEqual(stagesRan(nx(ws, ['run', 'pipelines:full'])), ['experiment-a:viz']);
});

test('4. editing one experiment\'s train section reruns its train, its viz and the comparison, nothing else', () => {
  editJson(join(ws, 'pipelines/experiments/b/config.json'), (c) => {
    c.train.steps = 4;
  });
  assert.deepEqual(stagesRan(nx(ws, ['run', 'pipelines:full'])), ['experiment-b:train', 'experiment-b:viz', 'pipelines:compare']);
});

test('5. a third experiment added later reuses the cached dataset', () => {
  runBin(ws, 'pipelines/bin/ring-experiment.mjs', ['new', 'c', '--from', 'a']);
  editJson(join(ws, 'pipelines/experiments/c/config.json'), (c) => {
    c.train.seed = 2;
  });
  rmSync(join(ws, 'artifacts/pipelines/datasets'), { recursive: true });
  const run = nx(ws, ['run', 'pipelines:full']);
  assert.deepEqual(stagesRan(run), ['experiment-c:train', 'experiment-c:viz', 'pipelines:compare']);
  assert.ok(run.cached.includes('dataset-tiny:gen'));
  assert.ok(existsSync(join(ws, 'artifacts/pipelines/datasets/tiny/train.arrow')), 'the dataset came back from the cache');
});

test('6. ring-experiment sweep creates runnable experiments and compare includes them', () => {
  const out = runBin(ws, 'pipelines/bin/ring-experiment.mjs', ['sweep', 'a', '--set', 'train.lr=0.001,0.002']);
  assert.match(out, /2 experiments/);
  const run = nx(ws, ['run', 'pipelines:compare']);
  assert.deepEqual(stagesRan(run), ['experiment-a-lr-0p001:train', 'experiment-a-lr-0p002:train', 'pipelines:compare']);
  const report = readFileSync(join(ws, 'artifacts/compare/report.html'), 'utf8');
  for (const name of ['a', 'b', 'c', 'a-lr-0p001', 'a-lr-0p002']) assert.match(report, new RegExp(`>${name}<`));
  assert.ok(existsSync(join(ws, 'artifacts/compare/compare.png')));
});
