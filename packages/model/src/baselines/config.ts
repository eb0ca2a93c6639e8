/**
 * Configurations of the two baseline models: the `model` sections of the shared schema
 * (@ring-attractor/config, the reference's GRU_Integrator and CausalTransformer keyword arguments),
 * plus what the library needs besides: the seed of the weights and dropout, and the kernel.
 */
import { invalid } from '@ring-attractor/common';
import { TRAIN_DEFAULTS, resolveModel, resolveSection, trainSection, type GruModelConfig, type TransformerModelConfig } from '@ring-attractor/config';

/**
 * Which implementation runs a baseline's dense layers and recurrence: the tfjs graph, the fused wasm
 * ops, or the native addon (the GRU stack and its output head in C++, the other dense layers as
 * wasm); the fused ones on CPU backends.
 */
export type BaselineKernel = 'tfjs' | 'wasm' | 'native';

/** What the library adds to a model section: the seed of the weights and dropout masks, and the kernel. */
interface LibraryFields {
  seed: number;
  /** Which implementation runs the GRU stack and the dense layers: the tfjs graph, the fused wasm kernel, or the native GRU (CPU backends). */
  kernel: BaselineKernel;
}

/** The GRU baseline: hidden width, stacked layers, dropout probability, seed, kernel. */
export type GruConfig = Omit<GruModelConfig, 'kind'> & LibraryFields;

/** The causal-transformer baseline (post-norm encoder layers with GELU and a causal mask). */
export type TransformerConfig = Omit<TransformerModelConfig, 'kind'> & LibraryFields;

/** Every baseline kernel name. */
export const BASELINE_KERNELS: readonly BaselineKernel[] = ['tfjs', 'wasm', 'native'];

function resolveLibraryFields(input: unknown, kind: 'gru' | 'transformer'): { section: Record<string, unknown>; lib: LibraryFields } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) invalid('config', 'an object', input);
  const { seed, kernel, kind: k, ...section } = input as Record<string, unknown>;
  if (k !== undefined && k !== kind) invalid('kind', kind, k);
  // The seed is the train section's field: its schema checks it.
  const s = resolveSection(trainSection.pick({ seed: true }), seed === undefined ? {} : { seed });
  const kern = kernel === undefined ? 'tfjs' : BASELINE_KERNELS.includes(kernel as BaselineKernel) ? (kernel as BaselineKernel) : invalid('kernel', `one of ${BASELINE_KERNELS.join(', ')}`, kernel);
  return { section: { ...section, kind }, lib: { seed: s.seed, kernel: kern } };
}

function withoutKind<T extends { kind: string }>(c: T): Omit<T, 'kind'> {
  const { kind: _, ...rest } = c;
  return rest;
}

/** Fills GRU defaults and validates every field; throws a UsageError naming the first bad one. */
export function resolveGruConfig(input: Partial<GruConfig> = {}): GruConfig {
  const { section, lib } = resolveLibraryFields(input, 'gru');
  return { ...withoutKind(resolveModel(section) as GruModelConfig), ...lib };
}

/** Fills transformer defaults and validates every field (even d_model, nhead dividing it); throws a UsageError naming the first bad one. */
export function resolveTransformerConfig(input: Partial<TransformerConfig> = {}): TransformerConfig {
  const { section, lib } = resolveLibraryFields(input, 'transformer');
  return { ...withoutKind(resolveModel(section) as TransformerModelConfig), ...lib };
}

/** The reference's GRU defaults (hidden 128, 2 layers, dropout 0.1). */
export const DEFAULT_GRU_CONFIG: Readonly<GruConfig> = Object.freeze(resolveGruConfig());

/**
 * The shipped default: the reference's width, heads and feed-forward with 2 layers instead of 8,
 * so 1000 training steps at B = 128, T = 60 take minutes on two cores (see bench/baselines.ts).
 */
export const DEFAULT_TRANSFORMER_CONFIG: Readonly<TransformerConfig> = Object.freeze(resolveTransformerConfig());

/** The reference's training size (8 layers): several times the shipped default's cost per step (npm run bench:baselines prints both). */
export const REFERENCE_TRANSFORMER_CONFIG: Readonly<TransformerConfig> = Object.freeze(resolveTransformerConfig({ num_layers: 8 }));

/** Loss weights of the reference's losses (integration_aware_loss, transformer_loss). */
export const GRU_LOSS_WEIGHTS = Object.freeze({ lambda_smooth: 0.1 });
export const TRANSFORMER_LOSS_WEIGHTS = Object.freeze({ lambda_smooth: 0.05, lambda_norm: 0.1, lambda_cumsum: 0.3 });

/** Optimiser settings the reference trains each baseline with: the train section's per-kind defaults (global-norm clip 1 for both). */
export const GRU_OPTIMIZER = Object.freeze({ ...TRAIN_DEFAULTS.gru });
export const TRANSFORMER_OPTIMIZER = Object.freeze({ ...TRAIN_DEFAULTS.transformer });
