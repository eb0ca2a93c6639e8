/** `ring-eval`'s command line as data: the CLI parses with it and the README's flag table is generated from it. */
import { packageVersion } from '@ring-attractor/common';
import { evalSection, resolveSection, type EvalSectionConfig, type SectionSpec, type StageCliSpec } from '@ring-attractor/config';
import { RUNTIME_DEFAULTS } from './config.js';

/**
 * The eval section without a `--datasets` flag: on this command line the datasets are folders given by
 * --data (the section's `datasets` are project names, which the pipeline turns into --data). A config
 * file's eval section may still hold them.
 */
const EVAL_SPEC: SectionSpec<EvalSectionConfig> = {
  flags: evalSection.omit({ datasets: true }),
  resolve: (input, label, where) => resolveSection(evalSection, input, label, where),
};

/** The flags of `ring-eval`: the train folder, datasets, output, runtime options, then the eval section's fields. */
export const EVAL_CLI: StageCliSpec<{ eval: typeof EVAL_SPEC }> = {
  name: 'ring-eval',
  version: packageVersion(import.meta.url),
  usage:
    '$0 --run TRAIN_DIR --data DATASET_DIR [--data DATASET_DIR …] --out DIR [--config FILE] [options]\n\n' +
    'Evaluates a trained model (ring, gru or transformer): error against time step, by speed and by time since the last motion on\n' +
    "each dataset's test split, stationary drift, velocity gain, and for a ring the reference's one-sequence trace. Writes Arrow\n" +
    'tables and eval.json into --out (docs/evaluation.md).',
  sections: { eval: EVAL_SPEC },
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
};
