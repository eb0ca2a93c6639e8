/** Error against time step (the drift curve) of one dataset: a mean line and a median-to-p90 band per decoder. */
import type { ModelKind } from '@ring-attractor/config';
import { DECODERS, type ErrorByStepRow } from '@ring-attractor/eval/files';
import { decoderLabel } from '../../decoderLabels.js';
import { BASE_CONFIG, type VlSpec } from '../../render.js';
import { DECODER_COLOUR, VL_SCHEMA } from './common.js';

/** Options of {@link errorByStepSpec}. */
export interface ErrorByStepOptions {
  /** Dataset name, for the title. */
  dataset: string;
  /** Sequence length the model was trained on: a rule marks where extrapolation begins (null: none). */
  trainSeqLen: number | null;
  /** The model's kind (run.json config.model.kind): names its decoders. */
  kind: ModelKind;
  width?: number;
}

/**
 * Circular error (degrees) against time step t, one panel per decoder on a shared y scale (the
 * decoders are often within a fraction of a degree, so overlaid they hide each other), with the
 * training length marked.
 */
export function errorByStepSpec(rows: readonly ErrorByStepRow[], opts: ErrorByStepOptions): VlSpec {
  const decoders = DECODERS.filter((d) => rows.some((r) => r.decoder === d));
  const T = rows.reduce((m, r) => Math.max(m, r.t + 1), 0);
  const width = Math.max(240, Math.floor(((opts.width ?? 960) - 120 - 40 * (decoders.length - 1)) / Math.max(1, decoders.length)));
  const x = { field: 't', type: 'quantitative', title: 'time step t', scale: { domain: [0, Math.max(1, T - 1)], nice: false } };
  const marked = opts.trainSeqLen !== null && opts.trainSeqLen < T;
  const panels = decoders.map((d): VlSpec => {
    const colour = DECODER_COLOUR[d];
    const layers: VlSpec[] = [
      { mark: { type: 'area', opacity: 0.2, color: colour }, encoding: { x, y: { field: 'median_deg', type: 'quantitative' }, y2: { field: 'p90_deg' } } },
      {
        mark: { type: 'line', strokeWidth: 1.8, color: colour },
        encoding: {
          x,
          y: { field: 'mean_deg', type: 'quantitative', title: 'circular error (°)' },
          tooltip: [
            { field: 't', type: 'quantitative' },
            { field: 'mean_deg', type: 'quantitative', format: '.2f', title: 'mean (°)' },
            { field: 'median_deg', type: 'quantitative', format: '.2f', title: 'median (°)' },
            { field: 'p90_deg', type: 'quantitative', format: '.2f', title: 'p90 (°)' },
          ],
        },
      },
    ];
    if (marked) {
      const marker = { data: { values: [{ t: opts.trainSeqLen, label: `trained length ${opts.trainSeqLen}` }] } };
      layers.push(
        { ...marker, mark: { type: 'rule', strokeDash: [6, 4], color: '#555' }, encoding: { x: { field: 't', type: 'quantitative' } } },
        { ...marker, mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 4, fontSize: 11, color: '#555' }, encoding: { x: { field: 't', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } } },
      );
    }
    return { title: decoderLabel(opts.kind, d).long, width, height: 260, data: { values: rows.filter((r) => r.decoder === d) }, layer: layers };
  });
  return {
    $schema: VL_SCHEMA,
    title: { text: `Error against time step: ${opts.dataset}`, subtitle: 'line: mean over sequences; band: median to 90th percentile', anchor: 'start', fontSize: 16 },
    padding: 16,
    hconcat: panels,
    spacing: 40,
    resolve: { scale: { y: 'shared' } },
    config: BASE_CONFIG,
  };
}
