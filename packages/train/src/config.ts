/**
 * The train stage's configuration: defaults (SPEC §4), the snake_case keys of FORMATS.md's run.json
 * `config`, and validation that names the offending field.
 */
import { invalid } from '@ring-attractor/common';
// Types only: resolving a config must not load tfjs, so bad flags fail fast.
import type { Activation, Initialization, ModelConfig } from '@ring-attractor/model';

export type { Activation, Initialization };

/** Every option that changes the trained weights; written verbatim as run.json's `config`. */
export interface TrainConfig {
  steps: number;
  batch_size: number;
  lr: number;
  clip: number;
  bump_weight: number;
  num_neurons: number;
  activation: Activation;
  hidden_gain_neurons: number;
  init: Initialization;
  action_dim: number;
  alpha: number;
  snapshot_every: number;
  checkpoint_every: number;
  seed: number;
}

/** SPEC §4's seed configuration. */
export const DEFAULT_CONFIG: Readonly<TrainConfig> = Object.freeze({
  steps: 1000,
  batch_size: 128,
  lr: 1e-3,
  clip: 1.0,
  bump_weight: 0.2,
  num_neurons: 120,
  activation: 'gelu',
  hidden_gain_neurons: 3,
  init: 'random',
  action_dim: 2,
  alpha: 0.15,
  snapshot_every: 10,
  checkpoint_every: 50,
  seed: 0,
});

/** The keys in their canonical order (run.json, snapshot metadata). */
export const CONFIG_KEYS = Object.keys(DEFAULT_CONFIG) as (keyof TrainConfig)[];

const ACTIVATIONS: readonly Activation[] = ['tanh', 'relu', 'gelu'];
const INITS: readonly Initialization[] = ['random', 'perfect', 'debug_perfect'];

type Check = (field: string, v: unknown) => void;

const positiveInt: Check = (f, v) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) invalid(f, 'a positive integer', v);
};
const nonNegativeInt: Check = (f, v) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) invalid(f, 'an integer in [0, 2^32)', v);
};
const positiveNumber: Check = (f, v) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) invalid(f, 'a finite number > 0', v);
};
const nonNegativeNumber: Check = (f, v) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) invalid(f, 'a finite number >= 0', v);
};
const oneOf =
  (values: readonly string[]): Check =>
  (f, v) => {
    if (typeof v !== 'string' || !values.includes(v)) invalid(f, `one of ${values.join(', ')}`, v);
  };

const CHECKS: Record<keyof TrainConfig, Check> = {
  steps: positiveInt,
  batch_size: positiveInt,
  lr: positiveNumber,
  clip: positiveNumber,
  bump_weight: nonNegativeNumber,
  num_neurons: (f, v) => {
    positiveInt(f, v);
    if ((v as number) < 3) invalid(f, 'an integer >= 3', v);
  },
  activation: oneOf(ACTIVATIONS),
  hidden_gain_neurons: positiveInt,
  // debug_perfect freezes every matrix and has no gain nets: nothing to train.
  init: oneOf(INITS.filter((i) => i !== 'debug_perfect')),
  action_dim: (f, v) => {
    // One rectified channel cannot tell left turns from right turns.
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 2) invalid(f, 'an integer >= 2', v);
  },
  alpha: (f, v) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 1) invalid(f, 'a number in (0, 1]', v);
  },
  snapshot_every: positiveInt,
  checkpoint_every: positiveInt,
  seed: nonNegativeInt,
};

/**
 * Merges defaults ← config file ← flags into a validated config.
 * `file` is the parsed JSON of --config (unknown keys are errors); `flags` holds only the options given.
 */
export function resolveConfig(file: unknown, flags: Partial<Record<keyof TrainConfig, unknown>>): TrainConfig {
  const merged: Record<string, unknown> = { ...DEFAULT_CONFIG };
  if (file !== undefined) {
    if (file === null || typeof file !== 'object' || Array.isArray(file)) invalid('config', 'a JSON object', file);
    for (const [key, value] of Object.entries(file as Record<string, unknown>)) {
      if (!(key in DEFAULT_CONFIG)) invalid(`config.${key}`, `one of the keys ${CONFIG_KEYS.join(', ')}`, key);
      merged[key] = value;
    }
  }
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) merged[key] = value;
  for (const key of CONFIG_KEYS) CHECKS[key](key, merged[key]);
  // perfect matrices exist only for the two-channel (left/right) model.
  if (merged.init !== 'random' && merged.action_dim !== 2) invalid('init', `random when action_dim != 2`, merged.init);
  const out = {} as Record<string, unknown>;
  for (const key of CONFIG_KEYS) out[key] = merged[key];
  return out as unknown as TrainConfig;
}

/** The model package's constructor config for a train config (the fixed constants and the kernel are the model's own). */
export type ModelConfigFields = Omit<ModelConfig, 'J0' | 'J1' | 'kernel'>;

/** The model-relevant part of a train config, in the model package's camelCase. */
export function modelFields(c: TrainConfig): ModelConfigFields {
  return {
    numNeurons: c.num_neurons,
    activation: c.activation,
    hiddenGainNeurons: c.hidden_gain_neurons,
    alpha: c.alpha,
    initialization: c.init,
    actionDim: c.action_dim,
    seed: c.seed,
  };
}
