import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readExperimentConfig, toFlags } from '../src/experiment-config.js';

test('toFlags maps snake_case options to the stage CLI flags', () => {
  assert.deepEqual(toFlags({ batch_size: 128, lr: 0.001, formats: ['mp4', 'gif'], resume: true }), [
    '--batch-size', '128', '--lr', '0.001', '--formats', 'mp4,gif', '--resume',
  ]);
});

async function configFile(content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'exp-'));
  const path = join(dir, 'config.json');
  await writeFile(path, JSON.stringify(content));
  return path;
}

test('readExperimentConfig fills missing sections and rejects unknown ones', async () => {
  const ok = readExperimentConfig(await configFile({ dataset: 'seed', train: { steps: 3 } }));
  assert.deepEqual(ok, { dataset: 'seed', model: {}, train: { steps: 3 }, viz: {} });
  assert.throws(() => readExperimentConfig(readExperimentConfigPath), /config\.json/);
  await assert.rejects(async () => readExperimentConfig(await configFile({ dataset: 'seed', trian: {} })), /trian: expected one of dataset, model, train, viz/);
  await assert.rejects(async () => readExperimentConfig(await configFile({ dataset: 'Bad Name' })), /dataset: expected the name of a dataset/);
  await assert.rejects(async () => readExperimentConfig(await configFile({ dataset: 'seed', train: [1] })), /train: expected an object/);
});

const readExperimentConfigPath = join(tmpdir(), 'does-not-exist', 'config.json');
