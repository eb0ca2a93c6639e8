/** `ring-eval --run TRAIN_DIR --data DATASET_DIR [--data …] --out DIR [options]`: evaluates a trained model. */
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { invalid, readJsonObject, runMain, yargsFail } from '@ring-attractor/common';
import { DEFAULT_EVAL_CONFIG, EVAL_CONFIG_KEYS, resolveEvalConfig, type EvalConfig } from './config.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const DESCRIPTIONS: Record<keyof EvalConfig, string> = {
  chunk_size: 'most sequence-steps (B·T) per model run; bounds memory, never changes results',
  last_fraction: 'late-error window: the last ceil(fraction·T) steps of each dataset',
  speed_bins: 'equal |av| bins over (0, max_av], besides the bin for exactly 0',
  drift_starts: 'zero-input runs from the bump at 2πk/K, k < K',
  drift_horizons: 'comma list of steps at which stationary drift is reported',
  survival_ratio: 'a bump survives while Σ|r| ≥ this × its value after step 1',
  gain_velocities: 'constant velocities swept (odd, so 0 is one)',
  gain_extent: 'the sweep spans ±extent·max_av',
  gain_settle: 'steps each constant-velocity run settles before measuring',
  gain_window: 'steps over which the decoded angle\'s slope is fitted',
  max_av: "trained |av| range in rad/step (default: the training dataset's max_av)",
};

function flagOf(key: string): string {
  return key.replace(/_/g, '-');
}

/** A flag's text as a number when it is one, else unchanged (so the error shows what was typed). */
function numeric(raw: unknown): unknown {
  if (typeof raw === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw.trim())) return Number(raw);
  return raw;
}

/** Reads --config: an eval section itself, or a whole experiment config (its `eval` section is used). */
function readConfigFile(path: string): Record<string, unknown> {
  const obj = readJsonObject(path);
  if ('eval' in obj && typeof obj.eval === 'object' && obj.eval !== null && !Array.isArray(obj.eval)) return obj.eval as Record<string, unknown>;
  return obj;
}

/** " (default …)" for the help text; a null default is described by the option itself. */
function shownDefault(key: keyof EvalConfig): string {
  const v = DEFAULT_EVAL_CONFIG[key];
  return v === null ? '' : ` (default ${Array.isArray(v) ? v.join(',') : String(v)})`;
}

async function main(): Promise<void> {
  const parser = yargs(hideBin(process.argv))
    .scriptName('ring-eval')
    .usage(
      '$0 --run TRAIN_DIR --data DATASET_DIR [--data DATASET_DIR …] --out DIR [options]\n\n' +
        'Evaluates a trained ring attractor: error against time step, by speed and by time since the last motion on each\n' +
        "dataset's test split, stationary drift, and velocity gain. Writes Arrow tables and eval.json into --out.",
    )
    .option('run', { type: 'string', demandOption: true, describe: 'train-stage folder holding model.safetensors' })
    .option('data', { type: 'string', array: true, demandOption: true, describe: 'ring-datagen dataset folder (repeatable); its test split is evaluated' })
    .option('out', { type: 'string', demandOption: true, describe: 'output folder' })
    .option('config', { type: 'string', describe: "JSON eval options (snake_case keys, or an experiment config with an 'eval' section); flags override it" })
    .option('backend', { type: 'string', default: 'auto', describe: 'tfjs backend: auto, wasm, cpu, tfjs-node, tfjs-node-gpu' })
    .option('kernel', { type: 'string', describe: 'recurrence kernel: fused or tfjs (default: fused on CPU backends, tfjs on the GPU)' })
    .option('threads', { type: 'string', describe: 'worker threads of the fused kernel (default: one per core)' })
    .strict()
    .help()
    .version(VERSION)
    .wrap(Math.min(120, process.stdout.columns ?? 120))
    .fail(yargsFail);
  for (const key of EVAL_CONFIG_KEYS) parser.option(flagOf(key), { type: 'string', describe: `${DESCRIPTIONS[key]}${shownDefault(key)}` });
  const argv = (await parser.parse()) as Record<string, unknown>;

  const flags: Partial<Record<keyof EvalConfig, unknown>> = {};
  for (const key of EVAL_CONFIG_KEYS) {
    const raw = argv[flagOf(key)];
    if (raw === undefined) continue;
    if (key === 'drift_horizons') flags[key] = String(raw).split(',').map((s) => numeric(s.trim()));
    else if (key === 'max_av' && raw === 'null') flags[key] = null;
    else flags[key] = numeric(raw);
  }
  const file = typeof argv.config === 'string' ? readConfigFile(argv.config) : undefined;
  const config = resolveEvalConfig(file, flags, typeof argv.config === 'string' ? `--config ${argv.config}: eval` : 'eval', (key) => `--${flagOf(key)}`);
  for (const key of ['run', 'out'] as const) if (typeof argv[key] !== 'string' || argv[key] === '') invalid(`--${key}`, 'a folder path', argv[key]);
  const data = (argv.data as unknown[]).map(String);
  if (data.some((d) => d === '')) invalid('--data', 'a folder path', '');
  const threads = argv.threads === undefined ? undefined : numeric(argv.threads);
  if (threads !== undefined && (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > 64)) invalid('--threads', 'an integer in [1, 64]', argv.threads);

  // Loaded only now: tfjs and the model take seconds to import, and bad flags should fail fast.
  const { runEval } = await import('./evalRun.js');
  await runEval({
    runDir: argv.run as string,
    dataDirs: data,
    outDir: argv.out as string,
    config,
    backend: argv.backend as string,
    kernel: argv.kernel as string | undefined,
    threads: threads as number | undefined,
  });
}

await runMain(main);
