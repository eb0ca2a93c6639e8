/** What the evaluation figures share: decoder names and colours, and thinning long series. */
import { DECODERS, type Decoder } from '@ring-attractor/eval/files';

/** How each decoder is named in legends (the colours of performance.ts's decoded-angle panel). */
export const DECODER_STYLE: Record<Decoder, { label: string; colour: string }> = {
  pv: { label: 'population vector', colour: '#e6550d' },
  argmax: { label: 'argmax', colour: '#3182bd' },
};

/** A colour encoding on the `decoder` field that shows decoder labels, for the decoders present in `rows`. */
export function decoderColour(rows: readonly { decoder: Decoder }[]): Record<string, unknown> {
  const present = DECODERS.filter((d) => rows.some((r) => r.decoder === d));
  return { field: 'decoder', type: 'nominal', title: 'decoder', sort: present, scale: { domain: present, range: present.map((d) => DECODER_STYLE[d].colour) }, legend: decoderLegend(present) };
}

/** The legend of a decoder channel: labels instead of codes (channels with equal legends merge into one). */
function decoderLegend(present: readonly Decoder[]): Record<string, unknown> {
  return { labelExpr: `{${present.map((d) => `'${d}': '${DECODER_STYLE[d].label}'`).join(', ')}}[datum.value]` };
}

/** A stroke-dash encoding on `decoder` (argmax dashed), so overlapping decoder lines stay distinguishable. */
export function decoderDash(rows: readonly { decoder: Decoder }[]): Record<string, unknown> {
  const present = DECODERS.filter((d) => rows.some((r) => r.decoder === d));
  return { field: 'decoder', type: 'nominal', title: 'decoder', sort: present, scale: { domain: present, range: present.map((d) => (d === 'pv' ? [1, 0] : [5, 3])) }, legend: decoderLegend(present) };
}

/** Side of the square gain panels: the figure width less room for axes and legend, within [300, 480]. */
export function squareSide(width: number | undefined): number {
  return Math.max(300, Math.min(480, (width ?? 960) - 340));
}

/** Keeps every k-th step of a long series (and its last), so a figure holds at most about `max` points per line. */
export function thinSteps(steps: number, max: number): (step: number) => boolean {
  const k = Math.max(1, Math.ceil(steps / max));
  return (s) => s % k === 0 || s === steps || s === 1;
}

/** `x` with `digits` significant digits, or 'n/a'. */
export function num(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : Number(x.toPrecision(digits)).toString();
}

/** The schema URL every figure carries. */
export const VL_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
