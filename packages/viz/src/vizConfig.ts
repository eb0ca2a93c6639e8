/**
 * The `viz` section (its schema lives in @ring-attractor/config), plus the one rule a schema cannot
 * hold: the colour scheme must be one vega knows.
 */
import * as vega from 'vega';
import { invalid } from '@ring-attractor/common';
import { resolveSection, sectionDefaults, vizSection, type FieldLabel, type VizConfig } from '@ring-attractor/config';

export type { VizConfig, MovieFormat } from '@ring-attractor/config';

/** Defaults: the seed's look, 10 fps, both movies. */
export const DEFAULT_VIZ_CONFIG: Readonly<VizConfig> = Object.freeze(sectionDefaults(vizSection));

/** Throws unless vega has a continuous colour scheme of that name. */
export function checkScheme(scheme: string, field = 'scheme'): void {
  if (typeof vega.scheme(scheme) !== 'function') invalid(field, "a continuous vega colour scheme such as 'redblue', 'blueorange', 'purplegreen'", scheme);
}

/** Validates a partial viz config (unknown keys rejected) and fills in the defaults; movie formats come out without duplicates. */
export function resolveVizConfig(input: unknown, label: FieldLabel = (k) => `viz.${k}`): VizConfig {
  const c = resolveSection(vizSection, input, label, 'viz');
  checkScheme(c.scheme, label('scheme'));
  return { ...c, formats: [...new Set(c.formats)] };
}
