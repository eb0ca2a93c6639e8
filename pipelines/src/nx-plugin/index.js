// @ts-check
/**
 * The nx plugin of the pipeline: every `pipelines/datasets/<d>/config.json` is a dataset project
 * `dataset-<d>` (target `gen`), every `pipelines/experiments/<e>/config.json` an experiment project
 * `experiment-<e>` (targets `train`, `viz`), with an edge to every dataset its config names. The
 * stages themselves (commands, outputs, shared inputs) are `targetDefaults` in nx.json; this plugin adds
 * only what differs per project: the dataset a run trains on (its `--data` folder and, in the train
 * task's inputs, that dataset's definition) and the experiments `pipelines:compare` reads.
 * Plain JavaScript, because nx loads it before anything is built. See docs/pipeline.md.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path/posix';
import { DATASETS_DIR, EXPERIMENTS_DIR, artifactsOf, datasetRoot, experimentRoot } from './layout.js';

/**
 * The datasets an experiment config names: the one it trains on (`dataset`), first.
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
  return { train: config.dataset, all: [config.dataset] };
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
                targets: { train: { inputs: trainInputs(train), options: { args: `--data ${artifactsOf(datasetRoot(train))}` } }, viz: {} },
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
