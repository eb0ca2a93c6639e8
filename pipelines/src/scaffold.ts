import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError, invalid, writeFileAtomic } from '@ring-attractor/common';
import { readExperimentConfig, type ExperimentConfig } from './experiment-config.js';
import { layout } from './layout.js';

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Throws unless `name` can be an nx project and a folder name. */
export function checkName(field: string, name: string): void {
  if (!NAME.test(name)) invalid(field, 'lower-case letters, digits and dashes, starting with a letter or digit (at most 64)', name);
}

/** The project.json of an experiment: its stages come from nx.json's targetDefaults. */
export function experimentProject(name: string, dataset: string): object {
  return {
    name: `experiment-${name}`,
    $schema: '../../../node_modules/nx/schemas/project-schema.json',
    tags: ['experiment'],
    implicitDependencies: [`dataset-${dataset}`],
    targets: { train: {}, viz: {} },
  };
}

/** Reads an existing experiment's config, or fails naming it. */
export function loadExperiment(root: string, name: string): ExperimentConfig {
  const path = join(root, layout.experimentRoot(name), 'config.json');
  if (!existsSync(path)) throw new UsageError(`experiment ${JSON.stringify(name)}: not found (no ${path})`);
  return readExperimentConfig(path);
}

/** Writes an experiment project (project.json + config.json); refuses to overwrite one unless `force`. */
export async function writeExperiment(root: string, name: string, config: ExperimentConfig, force: boolean): Promise<string> {
  checkName('name', name);
  const dir = join(root, layout.experimentRoot(name));
  if (existsSync(dir) && !force) throw new UsageError(`experiment ${JSON.stringify(name)}: already exists at ${dir} (pass --force to overwrite)`);
  const datasetProject = join(root, layout.datasetRoot(config.dataset), 'project.json');
  if (!existsSync(datasetProject)) invalid('dataset', `a dataset project at ${layout.datasetRoot(config.dataset)}`, config.dataset);
  const datasetName = (JSON.parse(readFileSync(datasetProject, 'utf8')) as { name: string }).name.replace(/^dataset-/, '');
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, 'project.json'), JSON.stringify(experimentProject(name, datasetName), null, 2) + '\n');
  await writeFileAtomic(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  return dir;
}
