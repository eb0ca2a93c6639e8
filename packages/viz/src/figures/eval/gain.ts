/** Velocity gain: decoded angular speed against the true constant velocity, with the identity line and the fit. */
import type { ModelKind } from '@ring-attractor/config';
import { DECODERS, type Decoder, type GainRow } from '@ring-attractor/eval/files';
import { decoderLabel } from '../../decoderLabels.js';
import { BASE_CONFIG, type VlSpec } from '../../render.js';
import { decoderColour, decoderDash, decoderTooltip, num, squareSide, VL_SCHEMA } from './common.js';

/** A fitted line (eval.json gain.fit[decoder]). */
export interface GainFit {
  slope: number | null;
  intercept: number | null;
  r2: number | null;
}

/** Options of {@link gainSpec}. */
export interface GainOptions {
  /** The trained range ±max_av (eval.json config.max_av), shaded. */
  maxAv: number;
  /** Fits over the trained range by decoder (eval.json gain.fit). */
  fit: Partial<Record<Decoder, GainFit>>;
  /** The model's kind (run.json config.model.kind): names its decoders. */
  kind: ModelKind;
  width?: number;
}

/** Decoded speed against true velocity (rad/step) for every decoder; shaded: the trained range; dashed: identity and fits. */
export function gainSpec(rows: readonly GainRow[], opts: GainOptions): VlSpec {
  const width = squareSide(opts.width);
  const extent = rows.reduce((m, r) => Math.max(m, Math.abs(r.velocity)), opts.maxAv);
  const x = { field: 'velocity', type: 'quantitative', title: 'true angular velocity (rad/step)', scale: { domain: [-extent, extent], nice: false } };
  const y = { field: 'speed', type: 'quantitative', title: 'decoded angular speed (rad/step)' };
  const colour = decoderColour(rows, opts.kind);
  const tooltip = decoderTooltip(rows, opts.kind);
  const present = DECODERS.filter((d) => rows.some((r) => r.decoder === d));
  const fitLines = present.flatMap((d) => {
    const f = opts.fit[d];
    if (!f || f.slope === null || f.intercept === null) return [];
    return [-opts.maxAv, opts.maxAv].map((v) => ({ decoder: d, velocity: v, speed: (f.slope as number) * v + (f.intercept as number) }));
  });
  const fits = present.map((d) => `${decoderLabel(opts.kind, d).long}: slope ${num(opts.fit[d]?.slope)}, intercept ${num(opts.fit[d]?.intercept, 2)}, R² ${num(opts.fit[d]?.r2, 4)}`);
  return {
    $schema: VL_SCHEMA,
    title: { text: 'Velocity gain', subtitle: [`least-squares fit over the trained range |v| ≤ max_av = ${num(opts.maxAv)} (shaded); dotted: identity`, ...fits], anchor: 'start', fontSize: 16 },
    padding: 16,
    width,
    height: width,
    layer: [
      { data: { values: [{ lo: -opts.maxAv, hi: opts.maxAv }] }, mark: { type: 'rect', color: '#000', opacity: 0.05 }, encoding: { x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } } },
      {
        data: { values: [{ velocity: -extent, speed: -extent }, { velocity: extent, speed: extent }] },
        mark: { type: 'line', strokeDash: [2, 3], color: '#888', strokeWidth: 1 },
        encoding: { x, y },
      },
      { data: { values: fitLines }, mark: { type: 'line', strokeDash: [7, 4], strokeWidth: 1.2 }, encoding: { x, y, color: colour } },
      {
        data: { values: rows },
        transform: [tooltip.transform],
        mark: { type: 'line', point: { filled: true, size: 30 }, strokeWidth: 1.5 },
        encoding: {
          x,
          y,
          color: colour,
          strokeDash: decoderDash(rows, opts.kind),
          tooltip: [
            tooltip.field,
            { field: 'velocity', type: 'quantitative', format: '.4f', title: 'true (rad/step)' },
            { field: 'speed', type: 'quantitative', format: '.4f', title: 'decoded (rad/step)' },
            { field: 'gain', type: 'quantitative', format: '.3f' },
          ],
        },
      },
    ],
    config: BASE_CONFIG,
  };
}
