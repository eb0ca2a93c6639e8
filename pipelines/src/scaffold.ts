/** Experiment projects on disk: an experiment is a folder holding one config.json (the nx plugin makes the project). */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { UsageError, invalid, readJsonObject, writeFileAtomic } from '@ring-attractor/common';
import { checkName, resolveExperiment } from '@ring-attractor/config';
import { SCHEMA_DIR, datasetRoot, experimentRoot } from './nx-plugin/layout.js';

/** An experiment's config.json as written: only what differs from the defaults, plus `$schema` and `dataset`. */
export type ExperimentFile = Record<string, unknown> & { dataset: string };

/** The `$schema` reference of an experiment's config.json, relative to its folder. */
export function schemaRef(): string {
  return relative(experimentRoot('x'), join(SCHEMA_DIR, 'experiment.schema.json')).split('\\').join('/');
}

/** Reads an existing experiment's config.json as written (checked against the schema), or fails naming it. */
export function loadExperiment(root: string, name: string): ExperimentFile {
  checkName('experiment', name);
  const path = join(root, experimentRoot(name), 'config.json');
  if (!existsSync(path)) throw new UsageError(`experiment ${JSON.stringify(name)}: not found (no ${path})`);
  const obj = readJsonObject(path, path);
  resolveExperiment(obj, path);
  return obj as ExperimentFile;
}

/** Throws unless `dataset` is a dataset project of the workspace at `root`. */
export function checkDataset(root: string, dataset: string): void {
  checkName('--dataset', dataset);
  if (!existsSync(join(root, datasetRoot(dataset), 'config.json'))) invalid('dataset', `a dataset project at ${datasetRoot(dataset)}/config.json`, dataset);
}

/** True when an experiment of that name exists. */
export function experimentExists(root: string, name: string): boolean {
  return existsSync(join(root, experimentRoot(name)));
}

/** Writes `pipelines/experiments/<name>/config.json` (checked first); refuses to overwrite one unless `force`. */
export async function writeExperiment(root: string, name: string, config: ExperimentFile, force: boolean): Promise<string> {
  checkName('name', name);
  const dir = join(root, experimentRoot(name));
  if (existsSync(dir) && !force) throw new UsageError(`experiment ${JSON.stringify(name)}: already exists at ${dir} (pass --force to overwrite)`);
  checkDataset(root, config.dataset);
  const file = { $schema: schemaRef(), ...config };
  resolveExperiment(file, `experiment ${name}`);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(file, null, 2)}\n`);
  return dir;
}
