/** The files of a train-stage folder (docs/formats.md), and the metadata keys under which they record which run they belong to. */

/** File names of a train-stage output folder. */
export const RUN_FILES = {
  run: 'run.json',
  model: 'model.safetensors',
  checkpoint: 'checkpoint.safetensors',
  snapshots: 'snapshots.arrow',
  metrics: 'metrics.arrow',
} as const;

/** A file of a train-stage folder, by role. */
export type RunFile = keyof typeof RUN_FILES;

/** Metadata key (Arrow schema metadata, safetensors `__metadata__`) holding the run's config ({model, train}) as JSON. */
export const CONFIG_KEY = 'ring_attractor.config';

/** Metadata key (Arrow schema metadata, safetensors `__metadata__`) holding the sha256 of the dataset's train.arrow the run trained on. */
export const DATASET_KEY = 'dataset_sha256';

/** safetensors `__metadata__` key holding the step a model or checkpoint file was written at. */
export const STEP_KEY = 'step';
