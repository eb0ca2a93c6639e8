/** `ring-experiment sweep` in a scratch workspace: every combination is checked before any experiment is written. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/ring-experiment.mjs', import.meta.url));

/** A workspace with dataset `seed` and experiment `seed` (a ring with a non-default activation). */
function workspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'sweep-'));
  mkdirSync(join(root, 'pipelines/datasets/seed'), { recursive: true });
  mkdirSync(join(root, 'pipelines/experiments/seed'), { recursive: true });
  writeFileSync(join(root, 'pipelines/datasets/seed/config.json'), JSON.stringify({ seq_len: 20 }));
  writeFileSync(join(root, 'pipelines/experiments/seed/config.json'), JSON.stringify({ dataset: 'seed', model: { activation: 'relu' } }));
  return root;
}

function sweep(root: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'sweep', 'seed', ...args], { encoding: 'utf8', env: { ...process.env, RING_WORKSPACE_ROOT: root } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const experiments = (root: string): string[] => readdirSync(join(root, 'pipelines/experiments')).sort();

for (const [name, args, error] of [
  ['values that map to one folder name (0.1,0p1): 0p1 is no number', ['--set', 'train.lr=0.1,0p1'], /^error: --set train\.lr\[1\]: expected a finite number > 0 \(got "0p1"\)\n$/],
  ['values that map to one folder name (0.1,1e-1), even with --force', ['--set', 'train.lr=0.1,1e-1', '--force'], /^error: --set: expected values that give distinct experiment names/],
  ['one key swept twice (the names would say values the configs do not hold)', ['--set', 'train.lr=0.1', '--set', 'train.lr=0.2,0.3'], /^error: --set train\.lr: expected each key in one --set only \(give all its values there: train\.lr=a,b\)\n$/],
  ['a combination the schema refuses (a GRU with the ring’s activation)', ['--set', 'model.kind=ring,gru'], /^error: sweep experiment seed-kind-gru: model\.activation: expected a known key/],
] as const) {
  test(`sweep refuses ${name} before writing anything`, () => {
    const root = workspace();
    const r = sweep(root, [...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, error);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.deepEqual(experiments(root), ['seed'], 'no experiment written');
  });
}

test('sweep values are typed by the schema in the written configs', () => {
  const root = workspace();
  const r = sweep(root, ['--set', 'train.lr=1e-3,0.003', '--set', 'viz.formats=mp4+gif,none', '--set', 'viz.reverse_scheme=false']);
  assert.equal(r.code, 0, r.stderr);
  const names = experiments(root).filter((n) => n !== 'seed');
  assert.deepEqual(names, [
    'seed-lr-0p001-formats-mp4-gif-reverse-scheme-false',
    'seed-lr-0p001-formats-none-reverse-scheme-false',
    'seed-lr-0p003-formats-mp4-gif-reverse-scheme-false',
    'seed-lr-0p003-formats-none-reverse-scheme-false',
  ]);
  const config = JSON.parse(readFileSync(join(root, 'pipelines/experiments', names[1], 'config.json'), 'utf8'));
  assert.deepEqual(config.train, { lr: 0.001 });
  assert.deepEqual(config.viz, { formats: [], reverse_scheme: false });
  assert.deepEqual(config.model, { activation: 'relu' });
});
