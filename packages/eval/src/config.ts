/**
 * The eval stage's options: one typed object with snake_case keys (as in an experiment's `eval`
 * section), the defaults, and validation that names the offending field.
 */
import { invalid } from '@ring-attractor/common';

/** Every option of an evaluation; written verbatim into eval.json's `config`. */
export interface EvalConfig {
  /** Most sequence-steps (B·T) per model run: bounds memory; results do not depend on it. */
  chunk_size: number;
  /** The "late error" window of each dataset: the last ceil(fraction·T) steps. */
  last_fraction: number;
  /** Equal-width bins of |av| over (0, max_av] (plus a bin for exactly 0). */
  speed_bins: number;
  /** Start angles of the stationary-drift runs, evenly around the ring (2πk/K). */
  drift_starts: number;
  /** Steps after which the stationary drift is reported; the runs last max(horizons) steps. */
  drift_horizons: number[];
  /** A bump survives while its amplitude Σ|r| stays at least this fraction of its value after step 1. */
  survival_ratio: number;
  /** Constant velocities of the gain sweep, evenly spaced over ±gain_extent·max_av (odd, so 0 is one). */
  gain_velocities: number;
  /** The sweep reaches ±gain_extent·max_av; beyond max_av it shows extrapolation. */
  gain_extent: number;
  /** Steps each constant-velocity run settles before its speed is measured. */
  gain_settle: number;
  /** Steps over which the decoded angle's slope is fitted. */
  gain_window: number;
  /** The trained |av| range (rad/step); null: the training dataset's max_av (see README). */
  max_av: number | null;
}

/** Defaults: 10% late window, 8 speed bins, 36 drift starts to 1000 steps, a 31-point sweep to ±1.5·max_av. */
export const DEFAULT_EVAL_CONFIG: Readonly<EvalConfig> = Object.freeze({
  chunk_size: 65536,
  last_fraction: 0.1,
  speed_bins: 8,
  drift_starts: 36,
  drift_horizons: [100, 500, 1000],
  survival_ratio: 0.5,
  gain_velocities: 31,
  gain_extent: 1.5,
  gain_settle: 100,
  gain_window: 200,
  max_av: null,
});

/** The keys in their canonical order. */
export const EVAL_CONFIG_KEYS = Object.keys(DEFAULT_EVAL_CONFIG) as (keyof EvalConfig)[];

/** Longest run of the drift and gain probes: keeps their B·T·N bump histories small. */
const MAX_PROBE_STEPS = 100_000;

type Check = (field: string, v: unknown) => void;

function intIn(min: number, max: number): Check {
  return (f, v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) invalid(f, `an integer in [${min}, ${max}]`, v);
  };
}

const positiveFraction: Check = (f, v) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 1) invalid(f, 'a number in (0, 1]', v);
};

const CHECKS: Record<keyof EvalConfig, Check> = {
  chunk_size: intIn(1, 2 ** 30),
  last_fraction: positiveFraction,
  speed_bins: intIn(1, 1000),
  drift_starts: intIn(1, 10_000),
  drift_horizons: (f, v) => {
    if (!Array.isArray(v) || v.length === 0) invalid(f, 'a non-empty list of increasing step counts', v);
    v.forEach((h, i) => intIn(1, MAX_PROBE_STEPS)(`${f}[${i}]`, h));
    for (let i = 1; i < v.length; i++) if (v[i] <= v[i - 1]) invalid(f, 'strictly increasing step counts', v);
  },
  survival_ratio: positiveFraction,
  gain_velocities: (f, v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 3 || v > 10_001 || v % 2 === 0) invalid(f, 'an odd integer in [3, 10001] (so 0 is one of the velocities)', v);
  },
  gain_extent: (f, v) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 1 || v > 100) invalid(f, 'a number in [1, 100] (the sweep covers at least the trained range)', v);
  },
  gain_settle: intIn(0, MAX_PROBE_STEPS),
  gain_window: intIn(2, MAX_PROBE_STEPS),
  max_av: (f, v) => {
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)) invalid(f, 'a number > 0 (rad/step), or null for the training dataset\'s', v);
  },
};

/**
 * Merges defaults ← `file` (an object of snake_case keys; unknown keys are errors) ← `flags`
 * (only the options given) into a validated config. Errors name `${where}.${key}` for a value from
 * the file or the defaults, and `flagName(key)` for a value from the flags.
 */
export function resolveEvalConfig(
  file: unknown,
  flags: Partial<Record<keyof EvalConfig, unknown>> = {},
  where = 'eval',
  flagName: (key: keyof EvalConfig) => string = (key) => `${where}.${key}`,
): EvalConfig {
  const merged: Record<string, unknown> = { ...DEFAULT_EVAL_CONFIG, drift_horizons: [...DEFAULT_EVAL_CONFIG.drift_horizons] };
  if (file !== undefined) {
    if (file === null || typeof file !== 'object' || Array.isArray(file)) invalid(where, 'a JSON object', file);
    for (const [key, value] of Object.entries(file as Record<string, unknown>)) {
      if (!(key in DEFAULT_EVAL_CONFIG)) invalid(`${where}.${key}`, `one of the keys ${EVAL_CONFIG_KEYS.join(', ')}`, key);
      merged[key] = value;
    }
  }
  const fromFlag = new Set<string>();
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_EVAL_CONFIG)) throw new Error(`resolveEvalConfig: unknown flag key ${key}`);
    merged[key] = value;
    fromFlag.add(key);
  }
  for (const key of EVAL_CONFIG_KEYS) CHECKS[key](fromFlag.has(key) ? flagName(key) : `${where}.${key}`, merged[key]);
  const out = {} as Record<string, unknown>;
  for (const key of EVAL_CONFIG_KEYS) out[key] = key === 'drift_horizons' ? [...(merged[key] as number[])] : merged[key];
  return out as unknown as EvalConfig;
}
