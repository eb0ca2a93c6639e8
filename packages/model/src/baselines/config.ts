/**
 * Configurations of the two baseline models, with the reference's snake_case field names
 * (GRU_Integrator and CausalTransformer keyword arguments) plus `seed` and, for the GRU, `kernel`.
 * Resolving fills defaults and rejects bad input with a one-line error naming the field.
 */
import { invalid } from '@ring-attractor/common';

/**
 * Which implementation runs a baseline's dense layers and recurrence: the tfjs graph, the fused wasm
 * ops, or the native addon (the GRU stack and its output head in C++, the other dense layers as
 * wasm); the fused ones on CPU backends.
 */
export type BaselineKernel = 'tfjs' | 'wasm' | 'native';

/** The GRU baseline: hidden width, stacked layers, dropout probability, init/dropout seed, recurrence kernel. */
export interface GruConfig {
  hidden_size: number;
  num_layers: number;
  dropout: number;
  seed: number;
  /** Which implementation runs the GRU stack and the dense layers: the tfjs graph, the fused wasm kernel, or the native GRU (CPU backends). */
  kernel: BaselineKernel;
}

/** The causal-transformer baseline (post-norm encoder layers with GELU and a causal mask). */
export interface TransformerConfig {
  d_model: number;
  nhead: number;
  num_layers: number;
  dim_feedforward: number;
  dropout: number;
  /** Rows of the reference's sinusoidal table (`pos_encoder.pe`): the longest sequence + 1 the model accepts. */
  max_seq_len: number;
  seed: number;
  /** Which implementation runs the dense layers: the tfjs graph, or the fused wasm ops (CPU backends). */
  kernel: BaselineKernel;
}

/** The reference's GRU defaults (hidden 128, 2 layers, dropout 0.1). */
export const DEFAULT_GRU_CONFIG: Readonly<GruConfig> = Object.freeze({
  hidden_size: 128,
  num_layers: 2,
  dropout: 0.1,
  seed: 0,
  kernel: 'tfjs',
});

/**
 * The reference's training size (d 64, 8 heads, 8 layers, FF 128, dropout 0.01). About 10× the
 * shipped default's cost per step; kept as a documented configuration.
 */
export const REFERENCE_TRANSFORMER_CONFIG: Readonly<TransformerConfig> = Object.freeze({
  d_model: 64,
  nhead: 8,
  num_layers: 8,
  dim_feedforward: 128,
  dropout: 0.01,
  max_seq_len: 5000,
  seed: 0,
  kernel: 'tfjs',
});

/**
 * The shipped default: the reference's width, heads and feed-forward with 2 layers instead of 8,
 * so 1000 training steps at B = 128, T = 60 take a few minutes on two cores (see bench/baselines.ts).
 */
export const DEFAULT_TRANSFORMER_CONFIG: Readonly<TransformerConfig> = Object.freeze({
  ...REFERENCE_TRANSFORMER_CONFIG,
  num_layers: 2,
});

/** Loss weights of the reference's losses (integration_aware_loss, transformer_loss). */
export const GRU_LOSS_WEIGHTS = Object.freeze({ lambda_smooth: 0.1 });
export const TRANSFORMER_LOSS_WEIGHTS = Object.freeze({ lambda_smooth: 0.05, lambda_norm: 0.1, lambda_cumsum: 0.3 });

/** Optimiser settings the reference trains each baseline with (global-norm clip 1 for both). */
export const GRU_OPTIMIZER = Object.freeze({ kind: 'adam' as const, lr: 3e-4, weight_decay: 0, clip: 1 });
export const TRANSFORMER_OPTIMIZER = Object.freeze({ kind: 'adamw' as const, lr: 3e-4, weight_decay: 1e-5, clip: 1 });

/** Every baseline kernel name. */
export const BASELINE_KERNELS: readonly BaselineKernel[] = ['tfjs', 'wasm', 'native'];

function checkObject(input: unknown, known: readonly string[]): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) invalid('config', 'an object', input);
  for (const key of Object.keys(input)) if (!known.includes(key)) invalid(key, `a known field (${known.join(', ')})`, 'unknown field');
  return input as Record<string, unknown>;
}

function int(field: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) invalid(field, `an integer in [${min}, ${max}]`, v);
  return v;
}

function probability(field: string, v: unknown): number {
  // p = 1 would drop everything and scale by 1/0.
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) invalid(field, 'a dropout probability in [0, 1)', v);
  return v;
}

function seed(v: unknown): number {
  return int('seed', v, 0, 0xffffffff);
}

function kernel(v: unknown): BaselineKernel {
  return BASELINE_KERNELS.includes(v as BaselineKernel) ? (v as BaselineKernel) : invalid('kernel', `one of ${BASELINE_KERNELS.join(', ')}`, v);
}

/** Fills GRU defaults and validates every field; throws a UsageError naming the first bad one. */
export function resolveGruConfig(input: Partial<GruConfig> = {}): GruConfig {
  const c = { ...DEFAULT_GRU_CONFIG, ...checkObject(input, Object.keys(DEFAULT_GRU_CONFIG)) } as Record<string, unknown>;
  const hidden = int('hidden_size', c.hidden_size, 2, 4096);
  // output_proj is Linear(H, H // 2): H = 1 would leave it no units.
  return {
    hidden_size: hidden,
    num_layers: int('num_layers', c.num_layers, 1, 16),
    dropout: probability('dropout', c.dropout),
    seed: seed(c.seed),
    kernel: kernel(c.kernel),
  };
}

/** Fills transformer defaults and validates every field; throws a UsageError naming the first bad one. */
export function resolveTransformerConfig(input: Partial<TransformerConfig> = {}): TransformerConfig {
  const c = { ...DEFAULT_TRANSFORMER_CONFIG, ...checkObject(input, Object.keys(DEFAULT_TRANSFORMER_CONFIG)) } as Record<string, unknown>;
  // The sinusoidal table interleaves sin/cos pairs, so d_model must be even.
  const d = int('d_model', c.d_model, 2, 4096);
  if (d % 2 !== 0) invalid('d_model', 'an even integer (sin/cos pairs of the positional encoding)', d);
  const nhead = int('nhead', c.nhead, 1, d);
  if (d % nhead !== 0) invalid('nhead', `a divisor of d_model = ${d}`, nhead);
  return {
    d_model: d,
    nhead,
    num_layers: int('num_layers', c.num_layers, 1, 64),
    dim_feedforward: int('dim_feedforward', c.dim_feedforward, 1, 65536),
    dropout: probability('dropout', c.dropout),
    max_seq_len: int('max_seq_len', c.max_seq_len, 2, 1 << 20),
    seed: seed(c.seed),
    kernel: kernel(c.kernel),
  };
}
