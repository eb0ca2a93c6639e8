/**
 * The eval stage's options: the `eval` section of the shared schema (@ring-attractor/config) without
 * its dataset list (ring-eval is given dataset folders), plus two that are ring-eval's own:
 * `chunk_size` (memory, never results) and `max_av` (the trained range; null: the training dataset's).
 */
import { checkEval, evalSection, resolveSection, sectionDefaults, type EvalSectionConfig, type FieldLabel } from '@ring-attractor/config';
import { invalid } from '@ring-attractor/common';

/** Every option of an evaluation; written into eval.json's `config`. */
export interface EvalConfig extends Omit<EvalSectionConfig, 'datasets'> {
  /** Most sequence-steps (B·T) per model run: bounds memory; results do not depend on it. */
  chunk_size: number;
  /** The trained |av| range (rad/step); null: the training dataset's max_av. */
  max_av: number | null;
}

/** Defaults of the options ring-eval adds to the section. */
export const RUNTIME_DEFAULTS = { chunk_size: 65536, max_av: null } as const;

function withoutDatasets({ datasets: _, ...rest }: EvalSectionConfig): Omit<EvalSectionConfig, 'datasets'> {
  return rest;
}

/** Defaults: 10% late window, 8 speed bins, 36 drift starts to 1000 steps, a 31-point sweep to ±1.5·max_av. */
export const DEFAULT_EVAL_CONFIG: Readonly<EvalConfig> = Object.freeze({ ...withoutDatasets(sectionDefaults(evalSection)), ...RUNTIME_DEFAULTS });

/** Checks ring-eval's own options; errors name `label(key)`. */
export function checkRuntimeOptions(o: { chunk_size?: unknown; max_av?: unknown }, label: FieldLabel = (k) => k): Pick<EvalConfig, 'chunk_size' | 'max_av'> {
  const chunk = o.chunk_size ?? RUNTIME_DEFAULTS.chunk_size;
  if (typeof chunk !== 'number' || !Number.isInteger(chunk) || chunk < 1 || chunk > 2 ** 30) invalid(label('chunk_size'), `an integer in [1, ${2 ** 30}]`, chunk);
  const maxAv = o.max_av ?? null;
  if (maxAv !== null && (typeof maxAv !== 'number' || !Number.isFinite(maxAv) || maxAv <= 0)) invalid(label('max_av'), "a number > 0 (rad/step), or null for the training dataset's", maxAv);
  return { chunk_size: chunk, max_av: maxAv as number | null };
}

/** A full config from a partial one (section keys and the runtime options); errors name `label(key)`. */
export function resolveEvalConfig(input: Record<string, unknown> = {}, label: FieldLabel = (k) => `eval.${k}`): EvalConfig {
  const { chunk_size, max_av, ...section } = input;
  const s = resolveSection(evalSection, section, label, 'eval');
  checkEval(s, label);
  return { ...withoutDatasets(s), ...checkRuntimeOptions({ chunk_size, max_av }, label) };
}
