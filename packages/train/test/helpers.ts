/** Shared fixtures: tiny datasets made with datagen, a child-process runner for the CLI, folder snapshots. */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDataset, resolveDatagenConfig } from '@ring-attractor/datagen';
import { resolveRunConfig, type RunConfig, type TrainConfig } from '../src/config.js';

const BIN = fileURLToPath(new URL('../bin/ring-train.mjs', import.meta.url));

const created: string[] = [];

/** A fresh temp folder, removed by {@link removeTempDirs}. */
export async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `ring-train-${label}-`));
  created.push(dir);
  return dir;
}

/** Removes every folder {@link tempDir} made in this process. */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** A small dataset folder (96 train, 16 test sequences of length T). */
export async function tinyDataset(seqLen = 12, seed = 3): Promise<string> {
  const dir = join(await tempDir('data'), 'ds');
  await generateDataset(resolveDatagenConfig({ num_samples: 96, test_samples: 16, seq_len: seqLen, seed }), dir);
  return dir;
}

/** The small training config the tests share: N=16, B=8, 12 steps, snapshots every 5, checkpoints every 5. */
export function smallConfig(train: Partial<TrainConfig> = {}, model: Record<string, unknown> = {}): RunConfig {
  return resolveRunConfig({ model: { num_neurons: 16, ...model }, train: { steps: 12, batch_size: 8, snapshot_every: 5, checkpoint_every: 5, ...train } });
}

/** The CLI flags of {@link smallConfig}. */
export const SMALL_FLAGS = ['--steps', '12', '--batch-size', '8', '--num-neurons', '16', '--snapshot-every', '5', '--checkpoint-every', '5', '--backend', 'wasm'];

/** Runs ring-train in a child process. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file of a folder with its bytes (empty if the folder does not exist). */
export async function folderContents(dir: string): Promise<Record<string, string>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const n of names.sort()) out[n] = (await readFile(join(dir, n))).toString('base64');
  return out;
}
