/**
 * Accuracy of the seed configuration (docs/model.md §4.1): generates the seed-default dataset (128000 train
 * sequences, T = 120, seed 0) into a temp folder, trains 1000 steps of N = 120, gelu, H = 3, random
 * init, evaluates it (the eval stage, default options), and prints as its last line
 * `accuracy pv_deg=<x> argmax_deg=<y> train_s=<z>`: mean errors on the test split.
 * `--steps N` shortens the run for a smoke test (the pool stays the seed's).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DATAGEN_CONFIG, generateDataset, resolveDatagenConfig } from '@ring-attractor/datagen';
import { resolveRunConfig, train } from '@ring-attractor/train';
import { DEFAULT_EVAL_CONFIG } from '../src/config.js';
import { runEval } from '../src/evalRun.js';

const stepsFlag = process.argv.indexOf('--steps');
const steps = stepsFlag >= 0 ? Number(process.argv[stepsFlag + 1]) : 1000;
const root = await mkdtemp(join(tmpdir(), 'ring-bench-accuracy-'));
try {
  const data = join(root, 'data');
  const t0 = performance.now();
  await generateDataset(resolveDatagenConfig({ ...DEFAULT_DATAGEN_CONFIG }), data);
  process.stderr.write(`dataset: ${DEFAULT_DATAGEN_CONFIG.num_samples} sequences in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  const out = join(root, 'train');
  await train({ dataDir: data, outDir: out, config: resolveRunConfig({ train: { steps } }) });
  const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
  const { summary } = await runEval({ runDir: out, dataDirs: [data], outDir: join(root, 'eval'), config: { ...DEFAULT_EVAL_CONFIG }, progress: false });
  const test = summary.datasets[0].decoders;
  console.log(`backend=${run.backend} kernel=${run.kernel} (${run.kernel_isa}) threads=${run.threads} steps=${run.steps} ms_per_step_median=${run.ms_per_step_median.toFixed(1)}`);
  console.log(`accuracy pv_deg=${test.pv!.mean_deg!.toFixed(3)} argmax_deg=${test.argmax!.mean_deg!.toFixed(3)} train_s=${run.train_seconds.toFixed(1)}`);
} finally {
  await rm(root, { recursive: true, force: true });
}
