// @ts-check
/**
 * Where the pipeline keeps things, relative to the workspace root: the one place the nx plugin,
 * `ring-experiment` and nx.json's outputs (`artifacts/{projectRoot}`) agree on. Plain JavaScript,
 * because nx loads the plugin before anything is built.
 */

/** Dataset projects: `pipelines/datasets/<name>/config.json`. */
export const DATASETS_DIR = 'pipelines/datasets';
/** Experiment projects: `pipelines/experiments/<name>/config.json`. */
export const EXPERIMENTS_DIR = 'pipelines/experiments';
/** Every stage writes under `artifacts/<project root>` (nx.json's outputs say the same with tokens). */
export const ARTIFACTS_DIR = 'artifacts';
/** The JSON Schema files every config.json points at. */
export const SCHEMA_DIR = 'pipelines/schema';

/** @param {string} name @returns {string} the project root of dataset `name` */
export const datasetRoot = (name) => `${DATASETS_DIR}/${name}`;
/** @param {string} name @returns {string} the project root of experiment `name` */
export const experimentRoot = (name) => `${EXPERIMENTS_DIR}/${name}`;
/** @param {string} projectRoot @returns {string} where that project's stages write */
export const artifactsOf = (projectRoot) => `${ARTIFACTS_DIR}/${projectRoot}`;
