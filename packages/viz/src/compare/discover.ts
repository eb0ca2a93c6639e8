import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { invalid } from '@ring-attractor/common';

// The same places as pipelines/src/layout.ts (viz does not depend on the pipelines package).
const PROJECTS_DIR = join('pipelines', 'experiments');
const ARTIFACTS_DIR = join('artifacts', 'pipelines', 'experiments');

/** One run to compare: its display name and its train-stage folder. */
export interface RunRef {
  name: string;
  dir: string;
}

/** What discovery found: the trained experiments, and the experiment projects without a train folder. */
export interface Discovery {
  runs: RunRef[];
  untrained: string[];
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** True when `<dir>/project.json` is an nx project tagged `experiment`. */
function isExperimentProject(dir: string): boolean {
  try {
    const project = JSON.parse(readFileSync(join(dir, 'project.json'), 'utf8')) as { tags?: unknown };
    return Array.isArray(project.tags) && project.tags.includes('experiment');
  } catch {
    return false;
  }
}

/**
 * Every `artifacts/pipelines/experiments/<name>/train` folder of `workspace` whose `<name>` is an
 * experiment project (`pipelines/experiments/<name>/project.json`, tag `experiment`), sorted by name.
 * Folders left behind by deleted experiments are ignored.
 */
export function discoverRuns(workspace: string): Discovery {
  if (!isDir(workspace)) invalid('--workspace', 'the workspace root folder', workspace);
  const projects = join(workspace, PROJECTS_DIR);
  const names = isDir(projects) ? readdirSync(projects).filter((n) => isExperimentProject(join(projects, n))).sort() : [];
  const runs: RunRef[] = [];
  const untrained: string[] = [];
  for (const name of names) {
    const dir = join(workspace, ARTIFACTS_DIR, name, 'train');
    if (isDir(dir)) runs.push({ name, dir });
    else untrained.push(name);
  }
  return { runs, untrained };
}
