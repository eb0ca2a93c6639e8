/** `ring-train --data DIR --out DIR [--config FILE] [options]`: trains a network on a dataset folder. */
import { readFile } from 'node:fs/promises';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError, invalid, runMain } from '@ring-attractor/common';
import { CONFIG_KEYS, DEFAULT_CONFIG, resolveConfig, type TrainConfig } from './config.js';

/** Flag name (kebab-case) of a config key. */
function flagOf(key: string): string {
  return key.replace(/_/g, '-');
}

const DESCRIPTIONS: Record<keyof TrainConfig, string> = {
  steps: 'training steps',
  batch_size: 'sequences per batch',
  lr: 'Adam learning rate',
  clip: 'gradient clipping: max global L2 norm',
  bump_weight: 'weight of the bump-amplitude loss',
  num_neurons: 'neurons on the ring (N)',
  activation: 'F: tanh, relu or gelu',
  hidden_gain_neurons: 'hidden units of each gain net (H)',
  init: 'initialisation: random or perfect',
  action_dim: 'action channels (2 = left/right)',
  alpha: 'leak rate (dt/tau)',
  snapshot_every: 'weight snapshot every this many steps',
  checkpoint_every: 'checkpoint every this many steps',
  seed: 'seed of every random draw',
};

/** A flag's raw text as a number when it is one; otherwise unchanged, so the error shows what was typed. */
function numeric(raw: unknown): unknown {
  if (typeof raw === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw.trim())) return Number(raw);
  return raw;
}

async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    invalid('config', 'a readable JSON file', `${path} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  try {
    return JSON.parse(text);
  } catch {
    invalid('config', 'valid JSON', path);
  }
}

async function main(): Promise<void> {
  const parser = yargs(hideBin(process.argv))
    .scriptName('ring-train')
    .usage('$0 --data DIR --out DIR [--config FILE] [options]\n\nTrains a leaky ring-attractor network on a dataset written by ring-datagen.')
    .option('data', { type: 'string', describe: 'dataset folder (ring-datagen output)', demandOption: true })
    .option('out', { type: 'string', describe: 'output folder', demandOption: true })
    .option('config', { type: 'string', describe: 'JSON file of options (snake_case keys); flags override it' })
    .option('backend', { type: 'string', default: 'auto', describe: 'tfjs backend: auto, wasm, cpu, …' })
    .option('kernel', { type: 'string', describe: "recurrence kernel: auto, native, wasm (alias fused) or tfjs (default: auto, the fastest available; on --resume, the checkpoint's)" })
    .option('threads', { type: 'string', describe: 'threads of the native or wasm kernel (default: one per core; on --resume, the checkpoint\'s)' })
    .option('resume', { type: 'boolean', default: false, describe: 'continue from OUT/checkpoint.safetensors' })
    .option('stop-after', { type: 'string', hidden: true, describe: 'debug: exit after this step as if killed' })
    // The pipeline passes model and train sections as flags; a repeated flag means the last one wins.
    .parserConfiguration({ 'duplicate-arguments-array': false })
    .strict()
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg.split('\n')[0]);
    });
  for (const key of CONFIG_KEYS) {
    parser.option(flagOf(key), { type: 'string', describe: `${DESCRIPTIONS[key]} (default ${DEFAULT_CONFIG[key]})` });
  }
  const argv = (await parser.parse()) as Record<string, unknown>;

  const flags: Partial<Record<keyof TrainConfig, unknown>> = {};
  for (const key of CONFIG_KEYS) {
    const raw = argv[flagOf(key)];
    if (raw !== undefined) flags[key] = numeric(raw);
  }
  const file = typeof argv.config === 'string' ? await readConfigFile(argv.config) : undefined;
  const config = resolveConfig(file, flags);

  const threads = argv.threads === undefined ? undefined : numeric(argv.threads);
  if (threads !== undefined && (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > 64)) invalid('threads', 'an integer in [1, 64]', argv.threads);
  const stopAfter = argv['stop-after'] === undefined ? undefined : numeric(argv['stop-after']);
  if (stopAfter !== undefined && (typeof stopAfter !== 'number' || !Number.isInteger(stopAfter) || stopAfter < 1)) invalid('stop-after', 'a positive integer', argv['stop-after']);
  for (const key of ['data', 'out'] as const) if (typeof argv[key] !== 'string' || argv[key] === '') invalid(key, 'a folder path', argv[key]);

  // Loaded only now: tfjs and the model take seconds to import, and bad flags should fail fast.
  const { train } = await import('./train.js');
  await train({
    dataDir: argv.data as string,
    outDir: argv.out as string,
    config,
    backend: argv.backend as string,
    kernel: argv.kernel as string | undefined,
    threads: threads as number | undefined,
    resume: argv.resume === true,
    stopAfter: stopAfter as number | undefined,
    injectNanAtStep: injectNanStep(),
  });
}

/** Test hook: RING_TRAIN_INJECT_NAN_AT_STEP=S puts a NaN into Wo at step S. */
function injectNanStep(): number | undefined {
  const raw = process.env.RING_TRAIN_INJECT_NAN_AT_STEP;
  if (raw === undefined || raw === '') return undefined;
  const s = Number(raw);
  if (!Number.isInteger(s) || s < 1) invalid('RING_TRAIN_INJECT_NAN_AT_STEP', 'a positive integer', raw);
  return s;
}

await runMain(main);
