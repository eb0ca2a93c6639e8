/** `ring-eval --run TRAIN_DIR --data DATASET_DIR [--data …] --out DIR [options]`: evaluates a trained model. */
import { hideBin } from 'yargs/helpers';
import { claimOutputFolder, invalid, runMain } from '@ring-attractor/common';
import { checkEval, parseStageCli } from '@ring-attractor/config';
import { EVAL_CLI } from './cliSpec.js';
import { checkRuntimeOptions, type EvalConfig } from './config.js';

async function main(): Promise<void> {
  const { args, config, json } = await parseStageCli(EVAL_CLI, hideBin(process.argv));
  checkEval(config.eval, (k) => `--${k.replace(/_/g, '-')}`);
  const runtime = checkRuntimeOptions({ chunk_size: args['chunk-size'], max_av: args['max-av'] }, (k) => `--${k.replace(/_/g, '-')}`);
  const { datasets: _, ...section } = config.eval;
  const evalConfig: EvalConfig = { ...section, ...runtime };
  for (const key of ['run', 'out'] as const) if (typeof args[key] !== 'string' || args[key] === '') invalid(`--${key}`, 'a folder path', args[key]);
  const data = (args.data as unknown[]).map(String);
  if (data.some((d) => d === '')) invalid('--data', 'a folder path', '');
  const threads = args.threads;
  if (threads !== undefined && (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > 64)) invalid('--threads', 'an integer in [1, 64]', threads);
  claimOutputFolder(args.out as string, 'ring-eval');

  // Loaded only now: tfjs and the model take a second to import, and bad flags should fail fast.
  const { runEval } = await import('./evalRun.js');
  const result = await runEval({
    runDir: args.run as string,
    dataDirs: data,
    outDir: args.out as string,
    config: evalConfig,
    backend: args.backend as string,
    kernel: args.kernel as string,
    threads: threads as number | undefined,
  });
  if (json) process.stdout.write(`${JSON.stringify({ out: args.out, files: result.files, seconds: result.seconds, summary: result.summary })}\n`);
}

await runMain(main, 'evaluating');
