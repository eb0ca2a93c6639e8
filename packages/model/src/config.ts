/** The model's configuration: defaults, validation (errors name the field), and alpha from tau/dt. */
import { invalid } from '@ring-attractor/common';
import { KERNEL_ALIASES, KERNEL_NAMES, kernelByName, type Activation, type KernelName } from './recurrence.js';

export type Initialization = 'random' | 'perfect' | 'debug_perfect';
export type { KernelName } from './recurrence.js';

/** A fully resolved configuration; `saveModel` stores it as JSON in the checkpoint metadata. */
export interface ModelConfig {
  numNeurons: number;
  activation: Activation;
  hiddenGainNeurons: number;
  alpha: number;
  initialization: Initialization;
  actionDim: number;
  seed: number;
  J0: number;
  J1: number;
  kernel: KernelName;
}

/** What a caller may give: any subset of ModelConfig, plus `tau` and `dt` as an alternative to `alpha`. */
export type ModelConfigInput = Partial<Omit<ModelConfig, 'kernel'>> & { kernel?: KernelName | keyof typeof KERNEL_ALIASES; tau?: number; dt?: number };

export const DEFAULT_CONFIG: ModelConfig = {
  numNeurons: 120,
  activation: 'gelu',
  hiddenGainNeurons: 3,
  alpha: 0.15,
  initialization: 'random',
  actionDim: 2,
  seed: 0,
  J0: -0.1,
  J1: 0.1,
  kernel: 'tfjs',
};

const ACTIVATIONS: readonly Activation[] = ['tanh', 'relu', 'gelu'];
const INITIALIZATIONS: readonly Initialization[] = ['random', 'perfect', 'debug_perfect'];
const KNOWN_FIELDS = new Set<string>([...Object.keys(DEFAULT_CONFIG), 'tau', 'dt']);

function isInt(x: unknown, min: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= min;
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) invalid(field, `one of ${allowed.join(', ')}`, value);
  return value as T;
}

/** alpha is given directly, or as dt/tau; giving both forms is ambiguous and rejected. */
function resolveAlpha(input: ModelConfigInput): number {
  const hasTau = input.tau !== undefined;
  const hasDt = input.dt !== undefined;
  if (input.alpha !== undefined && (hasTau || hasDt)) invalid('alpha', 'either alpha or tau and dt, not both', input.alpha);
  if (hasTau !== hasDt) invalid(hasTau ? 'dt' : 'tau', 'tau and dt given together', hasTau ? input.dt : input.tau);
  let alpha = input.alpha ?? DEFAULT_CONFIG.alpha;
  if (hasTau) {
    if (!isFiniteNumber(input.tau) || input.tau <= 0) invalid('tau', 'a positive number', input.tau);
    if (!isFiniteNumber(input.dt) || input.dt <= 0) invalid('dt', 'a positive number', input.dt);
    alpha = input.dt / input.tau;
  }
  // alpha = 1 replaces the state every step; above it the leak term flips sign.
  if (!isFiniteNumber(alpha) || alpha <= 0 || alpha > 1) invalid(hasTau ? 'dt' : 'alpha', 'a leak rate in (0, 1] (alpha = dt/tau)', alpha);
  return alpha;
}

/** Fills defaults and validates every field; throws a UsageError naming the first bad field. */
export function resolveConfig(input: ModelConfigInput = {}): ModelConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) invalid('config', 'an object', input);
  for (const key of Object.keys(input)) if (!KNOWN_FIELDS.has(key)) invalid(key, `a known model field (${[...KNOWN_FIELDS].join(', ')})`, 'unknown field');
  const c = { ...DEFAULT_CONFIG, ...input };
  if (!isInt(c.numNeurons, 2)) invalid('numNeurons', 'an integer >= 2', c.numNeurons);
  if (!isInt(c.hiddenGainNeurons, 1)) invalid('hiddenGainNeurons', 'an integer >= 1', c.hiddenGainNeurons);
  // One rectified channel cannot tell left turns from right turns.
  if (!isInt(c.actionDim, 2)) invalid('actionDim', 'an integer >= 2', c.actionDim);
  if (!isInt(c.seed, 0) || c.seed > 0xffffffff) invalid('seed', 'an integer in [0, 2^32)', c.seed);
  if (!isFiniteNumber(c.J0)) invalid('J0', 'a finite number', c.J0);
  if (!isFiniteNumber(c.J1)) invalid('J1', 'a finite number', c.J1);
  return {
    numNeurons: c.numNeurons,
    activation: oneOf('activation', c.activation, ACTIVATIONS),
    hiddenGainNeurons: c.hiddenGainNeurons,
    alpha: resolveAlpha(input),
    initialization: oneOf('initialization', c.initialization, INITIALIZATIONS),
    actionDim: c.actionDim,
    seed: c.seed,
    J0: c.J0,
    J1: c.J1,
    kernel: kernelByName(c.kernel) ?? invalid('kernel', `one of ${[...KERNEL_NAMES, ...Object.keys(KERNEL_ALIASES)].join(', ')}`, c.kernel),
  };
}
