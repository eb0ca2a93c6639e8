// @ts-check
/**
 * The nx plugin of the pipeline: every `pipelines/datasets/<d>/config.json` is a dataset project
 * `dataset-<d>` (target `gen`), every `pipelines/experiments/<e>/config.json` an experiment project
 * `experiment-<e>` (targets `train`, `eval`, `viz`), with an edge to every dataset its config names.
 * The stages themselves (commands, outputs, dependencies) are `targetDefaults` in nx.json; this plugin
 * adds only what differs per project: the datasets a run trains and is evaluated on (their `--data`
 * folders and, in the train and eval tasks' inputs, those datasets' definitions) and the experiments
 * `pipelines:compare` reads.
 * Plain JavaScript, because nx loads it before anything is built. See docs/pipeline.md.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path/posix';
import { DATASETS_DIR, EXPERIMENTS_DIR, artifactsOf, datasetRoot, experimentRoot } from './layout.js';

/**
 * The datasets an experiment config names: the one it trains on (`dataset`), first, then the ones it
 * is evaluated on besides (`eval.datasets`).
 * @param {string} file
 * @param {string} workspaceRoot
 * @returns {{ train: string, all: string[] }}
 */
function datasetsOf(file, workspaceRoot) {
  let config;
  try {
    config = JSON.parse(readFileSync(join(workspaceRoot, file), 'utf8'));
  } catch (err) {
    throw new Error(`${file}: expected a readable JSON file (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
  if (typeof config !== 'object' || config === null || typeof config.dataset !== 'string') {
    throw new Error(`${file}: dataset: expected the name of a dataset under ${DATASETS_DIR} (got ${JSON.stringify(config?.dataset)})`);
  }
  const extra = config.eval?.datasets ?? [];
  if (!Array.isArray(extra) || !extra.every((d) => typeof d === 'string')) {
    throw new Error(`${file}: eval.datasets: expected a list of dataset names under ${DATASETS_DIR} (got ${JSON.stringify(extra)})`);
  }
  return { train: config.dataset, all: [...new Set([config.dataset, ...extra])] };
}

/** @param {string} file @returns {string} the folder of its kind of project (DATASETS_DIR, EXPERIMENTS_DIR, …) */
const kindOf = (file) => dirname(dirname(file));
/** @param {string} file */
const nameOf = (file) => basename(dirname(file));

/**
 * The train task's inputs: the train package's code and its dependencies', the config sections that
 * shape the run, and the definition of the dataset it trains on (not of the datasets it is only
 * evaluated on, whose changes must not retrain it).
 * @param {string} dataset
 */
function trainInputs(dataset) {
  return [
    { input: 'production', projects: 'train' },
    { input: 'production', projects: 'train', dependencies: true },
    'tsconfig',
    { json: '{projectRoot}/config.json', fields: ['dataset', 'model', 'train'] },
    { input: 'datasetDefinition', projects: `dataset-${dataset}` },
  ];
}

/**
 * The eval task's inputs: the eval package's code and its dependencies', the eval section, the trained
 * model (the train task's output), and the definitions of every dataset it is evaluated on.
 * @param {string[]} datasets
 */
function evalInputs(datasets) {
  return [
    { input: 'production', projects: 'eval' },
    { input: 'production', projects: 'eval', dependencies: true },
    'tsconfig',
    { json: '{projectRoot}/config.json', fields: ['dataset', 'eval'] },
    { dependentTasksOutputFiles: '**/model.safetensors' },
    ...datasets.map((d) => ({ input: 'datasetDefinition', projects: `dataset-${d}` })),
  ];
}

/** @type {import('nx/src/project-graph/plugins').CreateNodesV2} */
export const createNodesV2 = [
  `${dirname(DATASETS_DIR)}/*/*/config.json`,
  async (files, _options, context) => {
    const datasets = new Set(files.filter((f) => kindOf(f) === DATASETS_DIR).map(nameOf));
    const experiments = [];
    /** @type {import('nx/src/project-graph/plugins').CreateNodesResultV2} */
    const results = [];
    for (const file of files) {
      const root = dirname(file);
      const name = nameOf(file);
      if (kindOf(file) === DATASETS_DIR) {
        results.push([file, { projects: { [root]: { name: `dataset-${name}`, tags: ['dataset'], targets: { gen: {} } } } }]);
      } else if (kindOf(file) === EXPERIMENTS_DIR) {
        const { train, all } = datasetsOf(file, context.workspaceRoot);
        for (const d of all) {
          if (!datasets.has(d)) {
            throw new Error(`${file}: dataset: expected the name of a dataset under ${DATASETS_DIR} (one of ${[...datasets].sort().join(', ') || 'none'}) (got ${JSON.stringify(d)})`);
          }
        }
        experiments.push(name);
        results.push([
          file,
          {
            projects: {
              [root]: {
                name: `experiment-${name}`,
                tags: ['experiment'],
                targets: {
                  train: { inputs: trainInputs(train), options: { args: `--data ${artifactsOf(datasetRoot(train))}` } },
                  eval: { inputs: evalInputs(all), options: { args: all.map((d) => `--data ${artifactsOf(datasetRoot(d))}`).join(' ') } },
                  viz: {},
                },
              },
            },
          },
        ]);
      }
    }
    // pipelines:compare reads every experiment's folder (its project.json defines the rest of the target).
    const runs = experiments.sort().map((e) => artifactsOf(experimentRoot(e)));
    if (runs.length > 0) results.push([`${experimentRoot(experiments[0])}/config.json`, { projects: { pipelines: { targets: { compare: { options: { args: `--runs ${runs.join(' ')}` } } } } } }]);
    return results;
  },
];

/** @type {import('nx/src/project-graph/plugins').CreateDependencies} */
export const createDependencies = (_options, context) => {
  /** @type {Awaited<ReturnType<import('nx/src/project-graph/plugins').CreateDependencies>>} */
  const deps = [];
  for (const project of Object.values(context.projects)) {
    if (dirname(project.root) !== EXPERIMENTS_DIR) continue;
    const file = `${project.root}/config.json`;
    for (const d of datasetsOf(file, context.workspaceRoot).all) {
      deps.push({ source: /** @type {string} */ (project.name), target: `dataset-${d}`, type: /** @type {import('nx/src/config/project-graph').DependencyType} */ ('static'), sourceFile: file });
    }
  }
  return deps;
};
