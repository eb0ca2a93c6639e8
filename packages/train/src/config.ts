/**
 * What a training run is: the `model` and `train` sections of the shared schema (@ring-attractor/config).
 * This file holds no rules of its own beyond putting the two together; run.json's `config` is a RunConfig.
 */
import { checkTraining, resolveModel, resolveTrain, type FieldLabel, type ModelConfig, type TrainConfig } from '@ring-attractor/config';
// Types only: resolving a config must not load tfjs, so bad flags fail fast.
import type { KernelName, ModelOptions } from '@ring-attractor/model';

export type { ModelConfig, TrainConfig } from '@ring-attractor/config';

/** Everything that shapes a training run's result. */
export interface RunConfig {
  model: ModelConfig;
  train: TrainConfig;
}

/** A run config as written: either section may be partial or missing. */
export interface RunConfigInput {
  model?: Record<string, unknown>;
  train?: Record<string, unknown>;
}

/** Fills every default (the train section's per model kind) and checks both sections and the rules between them; errors name the field. */
export function resolveRunConfig(input: RunConfigInput = {}, label: (section: string) => FieldLabel = (s) => (k) => `${s}.${k}`): RunConfig {
  const model = resolveModel(input.model ?? {}, label('model'), 'model');
  const train = resolveTrain(input.train ?? {}, model.kind, label('train'), 'train');
  checkTraining(model, label('model'));
  return { model, train };
}

/** What the model needs besides its section: the run's seed, the data's max_av, the kernel. */
export function modelOptions(run: RunConfig, maxAv: number, kernel: KernelName): ModelOptions {
  return { seed: run.train.seed, max_av: maxAv, kernel };
}
