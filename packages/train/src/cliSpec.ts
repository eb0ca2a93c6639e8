/** `ring-train`'s command line as data: the CLI parses with it and the README's flag table is generated from it. */
import { packageVersion } from '@ring-attractor/common';
import { MODEL_SPEC, TRAIN_SPEC, type StageCliSpec } from '@ring-attractor/config';
import { RUN_FILES } from './formats/names.js';

/** The flags of `ring-train`: folders, backend and kernel, then the model and train sections' fields. */
export const TRAIN_CLI: StageCliSpec<{ model: typeof MODEL_SPEC; train: typeof TRAIN_SPEC }> = {
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
    overwrite: { type: 'boolean', default: false, describe: `replace an earlier run's files in OUT (${Object.values(RUN_FILES).join(', ')}) before the first step` },
    'stop-after': { type: 'number', hidden: true, describe: 'debug: exit after this step as if killed' },
  },
  env: {
    RING_NATIVE_ISA: 'force a lower code path of the native kernel: avx2 or portable',
    RING_NATIVE_ADDON: 'load the native kernel from this file instead of the built one',
    RING_TRAIN_INJECT_NAN_AT_STEP: 'for tests: put a NaN into the first parameter at this step',
    RING_MEMORY_LIMIT_MB: "memory a run may use (default: 90% of the machine's); larger runs are refused before they start",
  },
};
