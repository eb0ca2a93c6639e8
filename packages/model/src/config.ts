/**
 * The model's configuration: the `model` section of the shared schema (@ring-attractor/config, one
 * spelling of every field from config.json to the checkpoint), plus what the library needs besides:
 * the seed of the initial weights, the recurrence kernel, and the `max_av` the action code was made for.
 */
import { datagenSection, ringModelSection, resolveSection, trainSection, type RingModelConfig as ModelSectionConfig, type ModelSection } from '@ring-attractor/config';
import { invalid } from '@ring-attractor/common';
import { KERNEL_NAMES, kernelByName, type KernelName } from './recurrence.js';

export type { Activation, Initialization } from '@ring-attractor/config';
export type { KernelName } from './recurrence.js';

/** A fully resolved configuration; `saveModel` stores it as JSON in the checkpoint metadata. */
export interface ModelConfig extends ModelSectionConfig {
  /** Seed of the initial weights. */
  seed: number;
  /** Largest |angular velocity| of the data: sets the action code's slices when action_dim > 2 (docs/model.md §2.2). */
  max_av: number;
  /** Which implementation runs the recurrence (not part of the trained result's definition). */
  kernel: KernelName;
}

/** What a caller may give: any subset of ModelConfig. */
export type ModelConfigInput = ModelSection & { seed?: number; max_av?: number; kernel?: KernelName };

const LIBRARY_FIELDS = ['seed', 'max_av', 'kernel'] as const;

/** Fills defaults and validates every field; throws a UsageError naming the first bad field. */
export function resolveConfig(input: ModelConfigInput = {}): ModelConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) invalid('config', 'an object', input);
  const { seed, max_av, kernel, ...section } = input as Record<string, unknown>;
  const model = resolveSection(ringModelSection, section);
  // The seed and max_av fields are the train section's and the dataset's: checked by their schemas.
  const s = resolveSection(trainSection.pick({ seed: true }), seed === undefined ? {} : { seed });
  const m = resolveSection(datagenSection.pick({ max_av: true }), max_av === undefined ? {} : { max_av });
  const k = kernel === undefined ? 'tfjs' : (kernelByName(kernel) ?? invalid('kernel', `one of ${KERNEL_NAMES.join(', ')}`, kernel));
  return { ...model, seed: s.seed, max_av: m.max_av, kernel: k };
}

/** The defaults (the reference's seed model, on the tfjs kernel). */
export const DEFAULT_CONFIG: Readonly<ModelConfig> = Object.freeze(resolveConfig());

/** Fields of a ModelConfig that are the library's, not the model section's. */
export const LIBRARY_CONFIG_FIELDS: readonly string[] = LIBRARY_FIELDS;
