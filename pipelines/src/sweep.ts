import { invalid } from '@ring-attractor/common';
import type { ExperimentConfig } from './experiment-config.js';

/** One `--set section.key=v1,v2` option of a sweep. */
export interface SweepAxis {
  section: 'model' | 'train' | 'viz';
  key: string;
  values: Array<string | number | boolean>;
}

const SECTIONS = ['model', 'train', 'viz'];

function parseValue(text: string): string | number | boolean {
  if (text === 'true' || text === 'false') return text === 'true';
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

/** Parses `train.lr=1e-3,3e-3` into a {@link SweepAxis}. */
export function parseAxis(spec: string): SweepAxis {
  const m = /^([a-z]+)\.([a-z0-9_]+)=(.+)$/.exec(spec);
  if (!m) invalid('--set', 'section.key=value[,value…], e.g. train.lr=1e-3,3e-3', spec);
  const [, section, key, list] = m;
  if (!SECTIONS.includes(section)) invalid('--set', `a section among ${SECTIONS.join(', ')}`, section);
  const values = list.split(',').map((v) => v.trim());
  if (values.some((v) => v === '')) invalid('--set', 'non-empty values', spec);
  return { section: section as SweepAxis['section'], key, values: values.map(parseValue) };
}

/** A value as it may appear in a project name: `0.003` → `0p003`, `1e-3` → `1e-3`. */
function nameValue(v: string | number | boolean): string {
  return String(v).toLowerCase().replace(/\./g, 'p').replace(/[^a-z0-9-]+/g, '');
}

/** Every combination of the axes applied to `base`, each with a name derived from `baseName`. */
export function expandSweep(baseName: string, base: ExperimentConfig, axes: SweepAxis[]): Array<{ name: string; config: ExperimentConfig }> {
  let combos: Array<{ name: string; config: ExperimentConfig }> = [{ name: baseName, config: structuredClone(base) }];
  for (const axis of axes) {
    combos = combos.flatMap(({ name, config }) =>
      axis.values.map((value) => {
        const next = structuredClone(config);
        next[axis.section] = { ...next[axis.section], [axis.key]: value };
        return { name: `${name}-${axis.key.replace(/_/g, '-')}-${nameValue(value)}`, config: next };
      }),
    );
  }
  return combos;
}
