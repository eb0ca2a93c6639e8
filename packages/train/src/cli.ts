/** `ring-train --data DIR --out DIR [--config FILE] [options]`: trains a network on a dataset folder. */
import { hideBin } from 'yargs/helpers';
import { claimOutputFolder, invalid, runMain } from '@ring-attractor/common';
import { checkTraining, parseStageCli } from '@ring-attractor/config';
import { TRAIN_CLI } from './cliSpec.js';

/** Test hook: RING_TRAIN_INJECT_NAN_AT_STEP=S puts a NaN into the first parameter at step S. */
function injectNanStep(): number | undefined {
  const raw = process.env.RING_TRAIN_INJECT_NAN_AT_STEP;
  if (raw === undefined || raw === '') return undefined;
  const s = Number(raw);
  if (!Number.isInteger(s) || s < 1) invalid('RING_TRAIN_INJECT_NAN_AT_STEP', 'a positive integer', raw);
  return s;
}

function positiveInt(flag: string, v: unknown, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) invalid(flag, `an integer in [1, ${max}]`, v);
  return v;
}

async function main(): Promise<void> {
  const { args, config, json } = await parseStageCli(TRAIN_CLI, hideBin(process.argv));
  checkTraining(config.model, (k) => `--${k}`);
  for (const key of ['data', 'out'] as const) if (typeof args[key] !== 'string' || args[key] === '') invalid(`--${key}`, 'a folder path', args[key]);
  const threads = positiveInt('--threads', args.threads, 64);
  const stopAfter = positiveInt('--stop-after', args['stop-after']);
  const injectNanAtStep = injectNanStep();
  claimOutputFolder(args.out as string, 'ring-train');

  // Loaded only now: tfjs and the model take a second to import, and bad flags should fail fast.
  const { train } = await import('./train.js');
  const result = await train({
    dataDir: args.data as string,
    outDir: args.out as string,
    config,
    backend: args.backend as string,
    kernel: args.kernel as string | undefined,
    threads,
    resume: args.resume === true,
    overwrite: args.overwrite === true,
    stopAfter,
    injectNanAtStep,
  });
  if (json) process.stdout.write(`${JSON.stringify({ out: args.out, step: result.step, stopped: result.stopped })}\n`);
}

await runMain(main, 'training');
