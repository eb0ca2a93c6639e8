/** The files of a train-stage folder (docs/formats.md), and the metadata key every one of them carries the run's config under. */

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
