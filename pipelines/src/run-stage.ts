/**
 * The command behind the nx `gen`, `train` and `viz` targets: reads a dataset's or experiment's
 * config.json and runs the stage CLI with the right folders, so project.json files stay one line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runMain, UsageError } from '@ring-attractor/common';
import { readExperimentConfig, toFlags } from './experiment-config.js';
import { layout } from './layout.js';

const BINS = {
  gen: 'packages/datagen/bin/ring-datagen.mjs',
  train: 'packages/train/bin/ring-train.mjs',
  viz: 'packages/viz/bin/ring-viz.mjs',
} as const;

type Stage = keyof typeof BINS;

function argsFor(stage: Stage, projectRoot: string): string[] {
  const configPath = join(projectRoot, 'config.json');
  if (!existsSync(configPath)) throw new UsageError(`${configPath}: missing (every ${stage === 'gen' ? 'dataset' : 'experiment'} project needs one)`);
  const out = layout.artifactsFor(projectRoot);
  if (stage === 'gen') return ['--config', configPath, '--out', out];
  const config = readExperimentConfig(configPath);
  if (stage === 'train') {
    const datasetRoot = layout.datasetRoot(config.dataset);
    if (!existsSync(join(datasetRoot, 'project.json'))) {
      throw new UsageError(`${configPath}: dataset: expected a dataset project at ${datasetRoot} (got ${JSON.stringify(config.dataset)})`);
    }
    return ['--data', layout.artifactsFor(datasetRoot), '--out', join(out, 'train'), ...toFlags(config.model), ...toFlags(config.train)];
  }
  return ['--run', join(out, 'train'), '--out', join(out, 'viz'), ...toFlags(config.viz)];
}

async function main(): Promise<void> {
  const [stage, projectRoot] = process.argv.slice(2);
  if (!stage || !(stage in BINS) || !projectRoot) throw new UsageError('usage: run-stage <gen|train|viz> <projectRoot>');
  const args = argsFor(stage as Stage, projectRoot);
  const result = spawnSync(process.execPath, [BINS[stage as Stage], ...args], { stdio: 'inherit' });
  if (result.error) throw result.error;
  process.exitCode = result.status ?? 1;
}

await runMain(main);
