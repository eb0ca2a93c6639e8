/** `ring-train --data DIR --out DIR [--config FILE] [options]`: trains a network on a dataset folder. */
import { hideBin } from 'yargs/helpers';
import { claimOutputFolder, invalid, packageVersion, runMain } from '@ring-attractor/common';
import { MODEL_SPEC, TRAIN_SPEC, checkTraining, parseStageCli } from '@ring-attractor/config';

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
  const { args, config, json } = await parseStageCli(
    {
      name: 'ring-train',
      version: packageVersion(import.meta.url),
      usage: '$0 --data DIR --out DIR [--config FILE] [options]\n\nTrains a model (the leaky ring attractor, or --kind gru / transformer) on a dataset folder written by ring-datagen.',
      sections: { model: MODEL_SPEC, train: TRAIN_SPEC },
      configFile: 'sections',
      options: {
        data: { type: 'string', demandOption: true, describe: 'dataset folder (ring-datagen output)' },
        out: { type: 'string', demandOption: true, describe: 'output folder' },
        backend: { type: 'string', default: 'auto', describe: 'tfjs backend: auto, tfjs-node-gpu, tfjs-node, wasm, cpu' },
        kernel: { type: 'string', choices: ['auto', 'native', 'wasm', 'tfjs'], describe: "recurrence kernel (default: auto, the fastest available; on --resume, the checkpoint's)" },
        threads: { type: 'number', describe: "threads of the native or wasm kernel (default: one per core; on --resume, the checkpoint's)" },
        resume: { type: 'boolean', default: false, describe: 'continue from OUT/checkpoint.safetensors' },
        'stop-after': { type: 'number', hidden: true, describe: 'debug: exit after this step as if killed' },
      },
      env: {
        RING_NATIVE_ISA: 'force a lower code path of the native kernel: avx2 or portable',
        RING_NATIVE_ADDON: 'load the native kernel from this file instead of the built one',
        RING_TRAIN_INJECT_NAN_AT_STEP: 'for tests: put a NaN into the first parameter at this step',
        RING_MEMORY_LIMIT_MB: "memory a run may use (default: 90% of the machine's); larger runs are refused before they start",
      },
    },
    hideBin(process.argv),
  );
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
    stopAfter,
    injectNanAtStep,
  });
  if (json) process.stdout.write(`${JSON.stringify({ out: args.out, step: result.step, stopped: result.stopped })}\n`);
}

await runMain(main, 'training');
