/**
 * Wall time of `ring-eval` on the seed experiment's evaluation workload: the seed dataset's test
 * split (1024 × 120), `long-500` (200 × 500) and `still` (256 × 1000) from their pipelines/datasets/<name>/config.json, 36 drift
 * runs of 1000 steps and a 31-velocity gain sweep, on a seed-configuration model (N = 120, gelu)
 * trained briefly (`--train-steps`, default 100; eval time does not depend on how well it learned).
 * Each ring-eval run is a fresh process, timed from spawn to exit; the output of every run must be
 * byte-identical. Last line: `eval seconds=<median wall> in_process=<median> runs=<n> …`.
 * `--run DIR` times an existing train folder instead of training one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDataset, resolveDatagenConfig } from '@ring-attractor/datagen';
import { resolveRunConfig, train } from '@ring-attractor/train';
import { folderContents } from '../test/helpers.js';

function flag(name: string, fallback: string | undefined): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const runs = Number(flag('--runs', '3'));
const trainSteps = Number(flag('--train-steps', '100'));
const existingRun = flag('--run', undefined);
const BIN = fileURLToPath(new URL('../bin/ring-eval.mjs', import.meta.url));
const repo = fileURLToPath(new URL('../../../', import.meta.url));

async function json(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const root = await mkdtemp(join(tmpdir(), 'ring-bench-eval-'));
try {
  // The seed dataset at full size: ring-eval checks every split's hash, so its size counts.
  const datasets: [string, Record<string, unknown>][] = [];
  for (const name of ['seed', 'long-500', 'still']) {
    // `$schema` is for editors; the CLIs' config reader drops it too.
    const { $schema: _, ...config } = await json(join(repo, `pipelines/datasets/${name}/config.json`));
    datasets.push([name, config]);
  }
  for (const [name, cfg] of datasets) await generateDataset(resolveDatagenConfig(cfg), join(root, name));

  let runDir = existingRun;
  let modelNote = `run=${existingRun}`;
  if (!runDir) {
    runDir = join(root, 'train');
    const t0 = performance.now();
    await train({ dataDir: join(root, 'seed'), outDir: runDir, config: resolveRunConfig({ train: { steps: trainSteps } }), progress: false, log: () => undefined });
    const trained = await json(join(runDir, 'run.json'));
    modelNote = `model=seed-config-trained-${trainSteps}-steps`;
    process.stderr.write(`trained ${trainSteps} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s (${Number(trained.ms_per_step_median).toFixed(1)} ms/step)\n`);
  }

  const walls: number[] = [];
  const inside: number[] = [];
  let reference: Record<string, string> | undefined;
  for (let r = 0; r < runs; r++) {
    const out = join(root, `eval-${r}`);
    const args = [BIN, '--run', runDir, ...datasets.flatMap(([name]) => ['--data', join(root, name)]), '--out', out];
    const t0 = performance.now();
    const res = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, CI: '1' } });
    const wall = (performance.now() - t0) / 1000;
    if (res.status !== 0) throw new Error(`ring-eval failed (exit ${res.status}): ${res.stderr}`);
    const m = /wrote \d+ files to .* in ([\d.]+) s/.exec(res.stderr);
    walls.push(wall);
    inside.push(m ? Number(m[1]) : Number.NaN);
    const files = folderContents(out);
    if (reference && JSON.stringify(files) !== JSON.stringify(reference)) throw new Error(`run ${r} wrote different bytes from run 0`);
    reference = files;
    if (r === 0) process.stderr.write(res.stderr.split('\n').filter((l) => !l.startsWith('eval ')).join('\n'));
    process.stderr.write(`run ${r}: ${wall.toFixed(2)} s wall, ${inside[r].toFixed(2)} s in ring-eval after start-up\n`);
  }
  console.log(`eval identical_runs=${runs} files=${Object.keys(reference ?? {}).length}`);
  console.log(`eval seconds=${median(walls).toFixed(2)} in_process=${median(inside).toFixed(2)} runs=${runs} ${modelNote}`);
} finally {
  await rm(root, { recursive: true, force: true });
}
