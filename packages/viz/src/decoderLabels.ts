/**
 * What each decoder's angle is called, by model kind: the one place figures, tables and reports get
 * it from. The eval stage records a model's angle under the `pv` key whatever the model: the ring's
 * is the population vector over its neurons (packages/eval/src/ringAdapter.ts), a baseline's
 * (GRU, transformer) is atan2 of its (sin, cos) output, as it has no bump to decode
 * (packages/eval/src/baselineAdapter.ts). `argmax` exists for the ring only.
 */
import type { ModelKind } from '@ring-attractor/config';
import type { Decoder } from '@ring-attractor/eval/files';

/** A decoder's names: `short` for legends, axes and tooltips, `long` where a title or a sentence has room, `abbrev` for table headings. */
export interface DecoderLabel {
  short: string;
  long: string;
  abbrev: string;
}

const POPULATION_VECTOR: DecoderLabel = { short: 'population vector', long: 'population vector', abbrev: 'PV' };
const SIN_COS: DecoderLabel = { short: 'sin/cos output', long: 'atan2 of the (sin, cos) output', abbrev: 'sin/cos' };
const ARGMAX: DecoderLabel = { short: 'argmax', long: 'argmax', abbrev: 'argmax' };

/** The names of `decoder`'s angle for a model of kind `kind`. */
export function decoderLabel(kind: ModelKind, decoder: Decoder): DecoderLabel {
  if (decoder === 'argmax') return ARGMAX;
  switch (kind) {
    case 'ring':
      return POPULATION_VECTOR;
    case 'gru':
    case 'transformer':
      return SIN_COS;
  }
}

/** The distinct labels of `decoder` over several runs, in first-seen order, each with the names of the runs it labels. */
export function labelGroups(runs: readonly { name: string; kind: ModelKind }[], decoder: Decoder): { label: DecoderLabel; names: string[] }[] {
  const groups: { label: DecoderLabel; names: string[] }[] = [];
  for (const r of runs) {
    const label = decoderLabel(r.kind, decoder);
    const group = groups.find((g) => g.label === label);
    if (group) group.names.push(r.name);
    else groups.push({ label, names: [r.name] });
  }
  return groups;
}

/** What `decoder`'s angle is across runs, for a subtitle or a sentence: one long label, or each with the runs it applies to when they differ. */
export function decodedAngleOf(runs: readonly { name: string; kind: ModelKind }[], decoder: Decoder): string {
  const groups = labelGroups(runs, decoder);
  if (groups.length === 1) return groups[0].label.long;
  return groups.map((g) => `${g.label.long} (${g.names.join(', ')})`).join('; ');
}
