/**
 * Every kind of model behind one door: the ring attractor and the reference's two baselines, made from a
 * `model` section of the shared schema (docs/model.md §2, docs/baselines.md).
 */
import type { ModelConfig as ModelSection, ModelKind } from '@ring-attractor/config';
import { CausalTransformer } from './baselines/transformer.js';
import { GruIntegrator } from './baselines/gru.js';
import type { BaselineKernel } from './baselines/config.js';
import { LeakyRingAttractor } from './model.js';
import type { KernelName } from './recurrence.js';

export type { ModelKind } from '@ring-attractor/config';

/** A model of any kind. */
export type AnyModel = LeakyRingAttractor | GruIntegrator | CausalTransformer;

/** What a model needs besides its section: the seed of its weights (and dropout), the data's max_av, the kernel. */
export interface ModelOptions {
  seed: number;
  max_av: number;
  kernel: KernelName;
}

/** The baselines' kernel for a kernel choice: the same name (the tfjs graph, the wasm ops, or the native GRU and head with wasm's other dense layers). */
export function baselineKernel(kernel: KernelName): BaselineKernel {
  return kernel;
}

/** A model of `section.kind` with fresh weights from `opts.seed`. */
export function createModel(section: ModelSection, opts: ModelOptions): AnyModel {
  switch (section.kind) {
    case 'ring':
      return new LeakyRingAttractor({ ...section, seed: opts.seed, max_av: opts.max_av, kernel: opts.kernel });
    case 'gru': {
      const { kind: _, ...c } = section;
      return new GruIntegrator({ ...c, seed: opts.seed, kernel: baselineKernel(opts.kernel) });
    }
    case 'transformer': {
      const { kind: _, ...c } = section;
      return new CausalTransformer({ ...c, seed: opts.seed, kernel: baselineKernel(opts.kernel) });
    }
  }
}

/** The kind of a model. */
export function modelKind(model: AnyModel): ModelKind {
  return model instanceof LeakyRingAttractor ? 'ring' : model instanceof GruIntegrator ? 'gru' : 'transformer';
}

/** What a checkpoint stores of a model's config: its kind and every field it was made with. */
export function storedModelConfig(model: AnyModel): Record<string, unknown> {
  return { kind: modelKind(model), ...model.config };
}

/** Rebuilds a model from a stored config (see storedModelConfig); fields that do not change the weights (the kernel) may be overridden. */
export function modelFromStoredConfig(stored: Record<string, unknown>, kernel?: KernelName): AnyModel {
  const { kind = 'ring', ...c } = stored;
  switch (kind) {
    case 'ring':
      return new LeakyRingAttractor({ ...c, ...(kernel === undefined ? {} : { kernel }) });
    case 'gru':
      return new GruIntegrator({ ...c, ...(kernel === undefined ? {} : { kernel: baselineKernel(kernel) }) });
    case 'transformer':
      return new CausalTransformer({ ...c, ...(kernel === undefined ? {} : { kernel: baselineKernel(kernel) }) });
    default:
      throw new Error(`unknown model kind ${JSON.stringify(kind)} (expected ring, gru or transformer)`);
  }
}
