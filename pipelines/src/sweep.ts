/** Sweeps: one experiment per combination of `--set section.key=v1,v2` values, named after the values. */
import { UsageError, invalid } from '@ring-attractor/common';
import { checkName, parseSweepAxis, resolveExperiment, type SweepAxis } from '@ring-attractor/config';
import type { ExperimentFile } from './scaffold.js';

export { parseSweepAxis, type SweepAxis };

/** A value as it may appear in a project name: `0.003` → `0p003`, `1e-3` → `1e-3`, `[mp4, gif]` → `mp4-gif`, `[]` → `none`. */
export function nameValue(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map(nameValue).join('-');
  return String(v).toLowerCase().replace(/\./g, 'p').replace(/[^a-z0-9-]+/g, '');
}

/**
 * Every combination of the axes applied to `base`, each named after `baseName` and its values.
 * Before anything is written: a key swept twice, two combinations that would share a name, and a
 * combination the schema refuses (e.g. a field of another model kind) are errors.
 */
export function expandSweep(baseName: string, base: ExperimentFile, axes: SweepAxis[]): Array<{ name: string; config: ExperimentFile }> {
  const keys = new Set<string>();
  for (const { section, key } of axes) {
    // A later axis would overwrite the earlier one's value while the name still showed both.
    if (keys.has(`${section}.${key}`)) throw new UsageError(`--set ${section}.${key}: expected each key in one --set only (give all its values there: ${section}.${key}=a,b)`);
    keys.add(`${section}.${key}`);
  }
  let combos: Array<{ name: string; config: ExperimentFile }> = [{ name: baseName, config: structuredClone(base) }];
  for (const axis of axes) {
    combos = combos.flatMap(({ name, config }) =>
      axis.values.map((value) => {
        const next = structuredClone(config);
        const section = (next[axis.section] ?? {}) as Record<string, unknown>;
        next[axis.section] = { ...section, [axis.key]: value };
        return { name: `${name}-${axis.key.replace(/_/g, '-')}-${nameValue(value)}`, config: next };
      }),
    );
  }
  const seen = new Map<string, string>();
  for (const { name, config } of combos) {
    checkName('sweep experiment name', name);
    resolveExperiment(config, `sweep experiment ${name}`);
    const values = JSON.stringify(axes.map((a) => (config[a.section] as Record<string, unknown>)[a.key]));
    const other = seen.get(name);
    if (other !== undefined) invalid('--set', `values that give distinct experiment names (${other} and ${values} both give ${JSON.stringify(name)})`, values);
    seen.set(name, values);
  }
  return combos;
}
