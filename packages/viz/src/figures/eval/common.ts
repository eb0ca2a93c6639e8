/** What the evaluation figures share: decoder colours and legends, and thinning long series. */
import type { ModelKind } from '@ring-attractor/config';
import { DECODERS, type Decoder } from '@ring-attractor/eval/files';
import { decoderLabel } from '../../decoderLabels.js';

/** Each decoder's colour (the colours of performance.ts's decoded-angle panel). */
export const DECODER_COLOUR: Record<Decoder, string> = {
  pv: '#e6550d',
  argmax: '#3182bd',
};

/** The decoders present in `rows`, in table order. */
function presentDecoders(rows: readonly { decoder: Decoder }[]): Decoder[] {
  return DECODERS.filter((d) => rows.some((r) => r.decoder === d));
}

/** A vega expression mapping the decoder code in `ref` to its short label for a `kind` model. */
function labelExpr(decoders: readonly Decoder[], kind: ModelKind, ref: string): string {
  return `{${decoders.map((d) => `'${d}': '${decoderLabel(kind, d).short}'`).join(', ')}}[${ref}]`;
}

/** A colour encoding on the `decoder` field that shows the decoder labels of a `kind` model, for the decoders present in `rows`. */
export function decoderColour(rows: readonly { decoder: Decoder }[], kind: ModelKind): Record<string, unknown> {
  const present = presentDecoders(rows);
  return { field: 'decoder', type: 'nominal', title: 'decoder', sort: present, scale: { domain: present, range: present.map((d) => DECODER_COLOUR[d]) }, legend: decoderLegend(present, kind) };
}

/** The legend of a decoder channel: labels instead of codes (channels with equal legends merge into one). */
function decoderLegend(present: readonly Decoder[], kind: ModelKind): Record<string, unknown> {
  return { labelExpr: labelExpr(present, kind, 'datum.value') };
}

/** A stroke-dash encoding on `decoder` (argmax dashed), so overlapping decoder lines stay distinguishable. */
export function decoderDash(rows: readonly { decoder: Decoder }[], kind: ModelKind): Record<string, unknown> {
  const present = presentDecoders(rows);
  return { field: 'decoder', type: 'nominal', title: 'decoder', sort: present, scale: { domain: present, range: present.map((d) => (d === 'pv' ? [1, 0] : [5, 3])) }, legend: decoderLegend(present, kind) };
}

/** A transform adding `decoder_label` (the short label of each row's decoder) and the tooltip field that shows it. */
export function decoderTooltip(rows: readonly { decoder: Decoder }[], kind: ModelKind): { transform: Record<string, unknown>; field: Record<string, unknown> } {
  return { transform: { calculate: labelExpr(presentDecoders(rows), kind, 'datum.decoder'), as: 'decoder_label' }, field: { field: 'decoder_label', title: 'decoder' } };
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
