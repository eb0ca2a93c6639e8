import { join } from 'node:path';

/** Where the pipeline keeps things, relative to the workspace root: one place, so the nx outputs and the runner agree. */
export const layout = {
  datasetsDir: join('pipelines', 'datasets'),
  experimentsDir: join('pipelines', 'experiments'),
  /** nx caches `{workspaceRoot}/artifacts/{projectRoot}`: a shared dataset lives outside every experiment. */
  artifactsFor(projectRoot: string): string {
    return join('artifacts', projectRoot);
  },
  datasetRoot(name: string): string {
    return join('pipelines', 'datasets', name);
  },
  experimentRoot(name: string): string {
    return join('pipelines', 'experiments', name);
  },
};
