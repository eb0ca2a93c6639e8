/** `ring-eval --run TRAIN_DIR --data DATASET_DIR [--data …] --out DIR [options]`: evaluates a trained model. */
import { hideBin } from 'yargs/helpers';
import { claimOutputFolder, invalid, packageVersion, runMain } from '@ring-attractor/common';
import { checkEval, evalSection, parseStageCli } from '@ring-attractor/config';
import { checkRuntimeOptions, RUNTIME_DEFAULTS, type EvalConfig } from './config.js';

async function main(): Promise<void> {
  const { args, config, json } = await parseStageCli(
    {
      name: 'ring-eval',
      version: packageVersion(import.meta.url),
      usage:
        '$0 --run TRAIN_DIR --data DATASET_DIR [--data DATASET_DIR …] --out DIR [--config FILE] [options]\n\n' +
        'Evaluates a trained ring attractor: error against time step, by speed and by time since the last motion on each\n' +
        "dataset's test split, stationary drift, velocity gain, and the reference's one-sequence trace. Writes Arrow tables\n" +
        'and eval.json into --out (docs/evaluation.md).',
      sections: { eval: evalSection },
      configFile: 'sections',
      options: {
        run: { type: 'string', demandOption: true, describe: 'train-stage folder holding model.safetensors' },
        data: { type: 'string', array: true, demandOption: true, describe: 'ring-datagen dataset folder (repeatable); its test split is evaluated' },
        out: { type: 'string', demandOption: true, describe: 'output folder' },
        backend: { type: 'string', default: 'auto', describe: 'tfjs backend: auto, tfjs-node-gpu, tfjs-node, wasm, cpu' },
        kernel: { type: 'string', choices: ['auto', 'native', 'wasm', 'tfjs'], default: 'auto', describe: 'recurrence kernel (auto: the fastest available)' },
        threads: { type: 'number', describe: 'threads of the native or wasm kernel (default: one per core)' },
        'chunk-size': { type: 'number', describe: `most sequence-steps (B·T) per model run; bounds memory, never changes results (default ${RUNTIME_DEFAULTS.chunk_size})` },
        'max-av': { type: 'number', describe: "trained |av| range in rad/step (default: the training dataset's max_av)" },
      },
      env: { RING_NATIVE_ISA: 'force a lower code path of the native kernel: avx2 or portable' },
    },
    hideBin(process.argv),
  );
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
