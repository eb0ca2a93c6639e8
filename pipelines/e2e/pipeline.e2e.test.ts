/**
 * The pipeline as a user drives it, from `git clone` of the current tree with tiny configs: what nx
 * runs and what it takes from the local or the shared (ring-cache) cache after each kind of edit.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { cloneWorkspace, nx, removeWorkspace, runBin, startRingCache, writeJson, type NxRun, type RingCache } from './workspace.js';

const STAGES = /:(gen|train|eval|viz|compare)$/;
const stagesOf = (tasks: string[]): string[] => tasks.filter((t) => STAGES.test(t)).sort();
const stagesRan = (run: NxRun): string[] => stagesOf(run.ran);
const TOKEN = 'e2e-secret';

let ws = '';
let second = '';
let cacheDir = '';
let server: RingCache;
/** nx's environment for the shared cache. */
const remote = (token = TOKEN): Record<string, string> => ({ NX_SELF_HOSTED_REMOTE_CACHE_SERVER: server.url, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token });

function experiment(root: string, name: string, dataset: string, train: Record<string, unknown> = {}, viz: Record<string, unknown> = {}): void {
  writeJson(join(root, 'pipelines', 'experiments', name, 'config.json'), {
    $schema: '../../schema/experiment.schema.json',
    dataset,
    model: { num_neurons: 16, hidden_gain_neurons: 2 },
    train: { steps: 3, batch_size: 4, snapshot_every: 1, checkpoint_every: 2, ...train },
    eval: { datasets: ['tiny-long'], drift_starts: 4, drift_horizons: [10, 20], gain_velocities: 5, gain_settle: 5, gain_window: 10 },
    viz: { formats: [], width: 400, ...viz },
  });
}

function dataset(root: string, name: string, config: Record<string, unknown>): void {
  writeJson(join(root, 'pipelines', 'datasets', name, 'config.json'), { $schema: '../../schema/dataset.schema.json', ...config });
}

/** The tiny pipeline every clone runs in place of the shipped one: experiments a and b on dataset tiny, both evaluated on tiny-long too. */
function tinyPipeline(root: string): void {
  for (const kind of ['datasets', 'experiments']) rmSync(join(root, 'pipelines', kind), { recursive: true, force: true });
  dataset(root, 'tiny', { num_samples: 64, test_samples: 16, seq_len: 12, seed: 5 });
  dataset(root, 'tiny-long', { num_samples: 1, test_samples: 8, seq_len: 30, zero_padding_start_ratio: 0.01, seed: 8 });
  experiment(root, 'a', 'tiny');
  experiment(root, 'b', 'tiny', { seed: 1 });
}

function editJson(path: string, edit: (v: Record<string, Record<string, unknown>> & { dataset: string }) => void): void {
  const value = JSON.parse(readFileSync(path, 'utf8'));
  edit(value);
  writeJson(path, value);
}

/** Every file under a folder with its bytes. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true }).map(String).sort()) {
    const path = join(dir, f);
    try {
      out[f] = readFileSync(path).toString('base64');
    } catch {
      // a folder
    }
  }
  return out;
}

before(async () => {
  cacheDir = join(cloneWorkspace('cache-store'), 'store');
  server = await startRingCache(cacheDir, TOKEN);
  ws = cloneWorkspace('first');
  tinyPipeline(ws);
});

after(async () => {
  await server?.close();
  for (const dir of [ws, second, cacheDir && join(cacheDir, '..')]) if (dir) removeWorkspace(dir);
});

const ALL_STAGES = [
  'dataset-tiny-long:gen', 'dataset-tiny:gen',
  'experiment-a:eval', 'experiment-a:train', 'experiment-a:viz', 'experiment-b:eval', 'experiment-b:train', 'experiment-b:viz',
  'pipelines:compare',
];

test('1. a fresh clone computes every task once; runs 2 and 3 take every one from the cache; deleting artifacts/ restores every file', () => {
  const first = nx(ws, ['run', 'pipelines:full'], remote());
  // Every stage once: the shared datasets are generated once for both experiments.
  assert.deepEqual(stagesRan(first), ALL_STAGES);
  assert.ok(first.ran.includes('model:build') && first.ran.includes('train:build'), 'the packages were built in the clone');
  const everyTask = [...first.ran].sort();
  for (const label of ['second', 'third']) {
    const again = nx(ws, ['run', 'pipelines:full'], remote());
    assert.deepEqual(again.ran, [], `${label} run computed ${again.ran.join(', ')}`);
    assert.deepEqual([...again.cached].sort(), everyTask, `${label} run`);
  }
  const before = contents(join(ws, 'artifacts'));
  rmSync(join(ws, 'artifacts'), { recursive: true });
  const restored = nx(ws, ['run', 'pipelines:full'], remote());
  assert.deepEqual(restored.ran, []);
  assert.deepEqual(contents(join(ws, 'artifacts')), before);
  for (const e of ['a', 'b']) assert.ok(existsSync(join(ws, 'artifacts/pipelines/experiments', e, 'viz/report.html')));
});

test('2. a second clone pointed at the same ring-cache computes nothing: every task comes from [remote cache], byte for byte', () => {
  second = cloneWorkspace('second');
  tinyPipeline(second);
  const run = nx(second, ['run', 'pipelines:full'], remote());
  assert.deepEqual(run.ran, [], `computed ${run.ran.join(', ')}`);
  assert.deepEqual(run.cached, []);
  assert.deepEqual(stagesOf(run.remote), ALL_STAGES);
  assert.deepEqual(contents(join(second, 'artifacts')), contents(join(ws, 'artifacts')));
});

test('3. ring-cache refuses a wrong token and a truncated upload, and nx still completes the run, computing locally', async () => {
  const stored = readdirSync(cacheDir).sort();
  // An upload that stops short of its Content-Length never becomes an entry.
  await new Promise<void>((resolve) => {
    const req = request(`${server.url}/v1/cache/e2e-truncated`, { method: 'PUT', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Length': '1000' } });
    req.on('error', () => resolve());
    req.write(Buffer.alloc(100));
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 200);
  });
  editJson(join(second, 'pipelines/experiments/a/config.json'), (c) => {
    c.viz.width = 440;
  });
  const run = nx(second, ['run', 'pipelines:full'], remote('not-the-token'));
  assert.equal(run.status, 0);
  assert.deepEqual(stagesRan(run), ['experiment-a:viz']);
  // The server's log lines arrive while this process was blocked in nx: let them in.
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.ok(server.log.some((l) => /PUT e2e-truncated aborted/.test(l)), server.log.join('\n'));
  assert.ok(server.log.some((l) => /GET \S+ 404 .*\(the bearer token is not valid\)/.test(l)), server.log.join('\n'));
  assert.ok(server.log.some((l) => /PUT \S+ 403 .*\(the bearer token is not valid\)/.test(l)), server.log.join('\n'));
  assert.deepEqual(readdirSync(cacheDir).filter((f) => !f.startsWith('.')).sort(), stored.filter((f) => !f.startsWith('.')), 'nothing new was stored');
});

test('4. changing an experiment\'s dataset generates that dataset first and retrains only that experiment', () => {
  dataset(ws, 'tiny2', { num_samples: 48, test_samples: 8, seq_len: 10, seed: 6 });
  editJson(join(ws, 'pipelines/experiments/b/config.json'), (c) => {
    c.dataset = 'tiny2';
  });
  // The edge comes from the config: training b alone generates its new dataset first.
  const b = nx(ws, ['run', 'experiment-b:viz']);
  assert.deepEqual(b.ran.filter((t) => STAGES.test(t)), ['dataset-tiny2:gen', 'experiment-b:train', 'experiment-b:eval', 'experiment-b:viz']);
  assert.deepEqual(stagesRan(nx(ws, ['run', 'pipelines:full'])), ['pipelines:compare']);
  const runJson = JSON.parse(readFileSync(join(ws, 'artifacts/pipelines/experiments/b/train/run.json'), 'utf8'));
  assert.equal(runJson.dataset.name, 'tiny2');
  assert.equal(runJson.dataset.seq_len, 10);
});

test('5. changing a dataset\'s config regenerates it and retrains every experiment on it, and no other', () => {
  editJson(join(ws, 'pipelines/datasets/tiny2/config.json'), (c) => {
    (c as unknown as Record<string, unknown>).seed = 7;
  });
  assert.deepEqual(stagesRan(nx(ws, ['run', 'pipelines:full'])), ['dataset-tiny2:gen', 'experiment-b:eval', 'experiment-b:train', 'experiment-b:viz', 'pipelines:compare']);
});

test('5b. changing a dataset experiments are only evaluated on re-evaluates them all, and retrains none', () => {
  editJson(join(ws, 'pipelines/datasets/tiny-long/config.json'), (c) => {
    (c as unknown as Record<string, unknown>).seed = 9;
  });
  assert.deepEqual(stagesRan(nx(ws, ['run', 'pipelines:full'])), [
    'dataset-tiny-long:gen', 'experiment-a:eval', 'experiment-a:viz', 'experiment-b:eval', 'experiment-b:viz', 'pipelines:compare',
  ]);
});

test('5c. editing one experiment\'s eval section reruns its eval, its viz and the comparison only', () => {
  editJson(join(ws, 'pipelines/experiments/a/config.json'), (c) => {
    c.eval.gain_settle = 6;
  });
  assert.deepEqual(stagesRan(nx(ws, ['run', 'pipelines:full'])), ['experiment-a:eval', 'experiment-a:viz', 'pipelines:compare']);
});

test('6. editing viz code reruns every viz and the comparison; editing one viz section reruns only that viz', () => {
  appendFileSync(join(ws, 'packages/viz/src/cli.ts'), '\n// an edit to viz code\n');
  assert.deepEqual(stagesRan(nx(ws, ['run', 'pipelines:full'])), ['experiment-a:viz', 'experiment-b:viz', 'pipelines:compare']);
  editJson(join(ws, 'pipelines/experiments/a/config.json'), (c) => {
    c.viz.width = 480;
  });
  assert.deepEqual(stagesRan(nx(ws, ['run', 'pipelines:full'])), ['experiment-a:viz']);
});

test('7. editing one experiment\'s train section reruns its train, its viz and the comparison, nothing else', () => {
  editJson(join(ws, 'pipelines/experiments/b/config.json'), (c) => {
    c.train.steps = 4;
  });
  assert.deepEqual(stagesRan(nx(ws, ['run', 'pipelines:full'])), ['experiment-b:eval', 'experiment-b:train', 'experiment-b:viz', 'pipelines:compare']);
});

test('8. an experiment added with ring-experiment is a project (a config.json, no project.json) that reuses the cached dataset', () => {
  runBin(ws, 'pipelines/bin/ring-experiment.mjs', ['new', 'c', '--from', 'a']);
  assert.deepEqual(readdirSync(join(ws, 'pipelines/experiments/c')), ['config.json']);
  editJson(join(ws, 'pipelines/experiments/c/config.json'), (c) => {
    c.train.seed = 2;
  });
  rmSync(join(ws, 'artifacts/pipelines/datasets'), { recursive: true });
  const run = nx(ws, ['run', 'pipelines:full']);
  assert.deepEqual(stagesRan(run), ['experiment-c:eval', 'experiment-c:train', 'experiment-c:viz', 'pipelines:compare']);
  assert.ok(run.cached.includes('dataset-tiny:gen'));
  assert.ok(existsSync(join(ws, 'artifacts/pipelines/datasets/tiny/train.arrow')), 'the dataset came back from the cache');
});

test('9. ring-experiment sweep writes runnable experiments and the comparison includes them', () => {
  const out = runBin(ws, 'pipelines/bin/ring-experiment.mjs', ['sweep', 'a', '--set', 'train.lr=0.001,0.002']);
  assert.match(out, /2 experiments/);
  const run = nx(ws, ['run', 'pipelines:compare']);
  assert.deepEqual(stagesRan(run), ['experiment-a-lr-0p001:eval', 'experiment-a-lr-0p001:train', 'experiment-a-lr-0p002:eval', 'experiment-a-lr-0p002:train', 'pipelines:compare']);
  const report = readFileSync(join(ws, 'artifacts/compare/report.html'), 'utf8');
  for (const name of ['a', 'b', 'c', 'a-lr-0p001', 'a-lr-0p002']) assert.match(report, new RegExp(`>${name}<`));
});

test('10. an experiment naming a dataset that does not exist is one clear error from the plugin, before anything runs', () => {
  experiment(ws, 'broken', 'nope');
  const run = nx(ws, ['run', 'pipelines:full'], {}, true);
  assert.notEqual(run.status, 0);
  assert.match(run.output, /pipelines\/experiments\/broken\/config\.json: dataset: expected the name of a dataset under pipelines\/datasets \(one of tiny, tiny-long, tiny2\) \(got "nope"\)/);
  assert.deepEqual(run.ran, []);
  rmSync(join(ws, 'pipelines/experiments/broken'), { recursive: true });
});

test('11. a clone without a C++ compiler (CXX=false) builds no addon, says why in one line, and trains on wasm, saying why', (t) => {
  const addon = join(second, 'packages/model/native/build/ring_native.node');
  // Where this machine built no addon either, the run below is what every run here already does.
  if (!existsSync(addon)) return t.skip('this machine built no native addon');
  // CXX is among build-native's inputs, so a machine without a compiler builds (and caches) its own "no addon".
  const build = nx(second, ['run', 'model:build-native'], { CXX: 'false' });
  assert.deepEqual(build.ran, ['model:build-native']);
  const said = build.output.split('\n').filter((l) => l.startsWith('native kernel:'));
  assert.deepEqual(said, ['native kernel: not built (no C++ compiler: `false --version` did not run); the wasm kernel will be used']);
  assert.equal(existsSync(addon), false);
  const out = 'artifacts/no-compiler';
  const train = spawnSync(process.execPath, ['packages/train/bin/ring-train.mjs', '--config', 'pipelines/experiments/b/config.json', '--data', 'artifacts/pipelines/datasets/tiny', '--out', out], {
    cwd: second,
    encoding: 'utf8',
    env: { ...process.env, RING_WORKSPACE_ROOT: second },
  });
  assert.equal(train.status, 0, train.stderr);
  const why = `${train.stdout}\n${train.stderr}`.split('\n').filter((l) => l.startsWith('kernel:'));
  assert.equal(why.length, 1, why.join('\n'));
  assert.match(why[0], /^kernel: wasm \(skipped native: not built \(no .*ring_native\.node; npx nx run model:build-native builds it where a C\+\+ compiler exists\)/);
  assert.equal(JSON.parse(readFileSync(join(second, out, 'run.json'), 'utf8')).kernel, 'wasm');
  assert.ok(existsSync(join(second, out, 'model.safetensors')));
});
