import * as vega from 'vega';
import { DECODERS } from '@ring-attractor/eval/files';
import { decoderLabel } from '../decoderLabels.js';
import { strideIndices } from '../figures/loss.js';
import { BASE_CONFIG, type VlSpec } from '../render.js';
import { testErrors, type RunSummary } from './runSummary.js';

/** Most loss points drawn per experiment (the curves are smooth; more only inflates the spec). */
const MAX_LOSS_POINTS = 2000;

/** One colour per experiment, in run order (tableau10, tableau20 beyond 10 runs; repeats beyond 20). */
export function experimentColours(count: number): string[] {
  const scheme = vega.scheme(count <= 10 ? 'tableau10' : 'tableau20') as string[];
  return Array.from({ length: count }, (_, i) => scheme[i % scheme.length]);
}

/**
 * The comparison figure: total loss per step of every experiment overlaid (log scale), and the
 * final test errors of each decoder as grouped bars; both coloured by experiment, one legend.
 */
export function compareSpec(runs: RunSummary[], width = 960): VlSpec {
  const names = runs.map((r) => r.name);
  const colour = { field: 'experiment', type: 'nominal', title: 'experiment', sort: names, scale: { domain: names, range: experimentColours(runs.length) } };
  const loss: Record<string, unknown>[] = [];
  for (const r of runs) {
    for (const i of strideIndices(r.lossSteps.length, MAX_LOSS_POINTS)) {
      const v = r.lossTotal[i];
      // Log scale: a zero or non-finite loss cannot be drawn, so it is left out rather than clamped.
      if (v > 0 && Number.isFinite(v)) loss.push({ experiment: r.name, step: r.lossSteps[i], loss_total: v });
    }
  }
  // Bars are grouped by what the angle is: a ring's population vector and a baseline's sin/cos output are different decoders.
  const decodersOf = (r: RunSummary) => DECODERS.filter((d) => r.eval.model.decoders.includes(d));
  const errors = runs.flatMap((r) => decodersOf(r).map((d) => ({ experiment: r.name, decoder: decoderLabel(r.kind, d).short, error_deg: testErrors(r)[d] })).filter((e) => e.error_deg !== null));
  const decoders = [...new Set(runs.flatMap((r) => decodersOf(r).map((d) => decoderLabel(r.kind, d).short)))];
  const barsWidth = Math.max(220, Math.min(420, 60 + 36 * runs.length * decoders.length));
  const lossWidth = Math.max(300, width - barsWidth - 260);
  const x = { field: 'decoder', type: 'nominal', title: 'decoder', sort: decoders, axis: { labelAngle: 0 } };
  const xOffset = { field: 'experiment', type: 'nominal', sort: names };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Experiments compared', anchor: 'start', fontSize: 16 },
    padding: 16,
    hconcat: [
      {
        title: 'Training loss (total)',
        width: lossWidth,
        height: 300,
        data: { values: loss },
        mark: { type: 'line', strokeWidth: 1.5, tooltip: true },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'training step' },
          y: { field: 'loss_total', type: 'quantitative', title: 'total loss (log scale)', scale: { type: 'log' } },
          color: colour,
        },
      },
      {
        title: 'Final test error',
        width: barsWidth,
        height: 300,
        data: { values: errors },
        encoding: { x, xOffset, color: colour },
        layer: [
          {
            mark: { type: 'bar', tooltip: true },
            encoding: { y: { field: 'error_deg', type: 'quantitative', title: 'mean circular error (°)' } },
          },
          {
            mark: { type: 'text', baseline: 'bottom', dy: -2, fontSize: 10, color: '#333' },
            encoding: { y: { field: 'error_deg', type: 'quantitative' }, text: { field: 'error_deg', type: 'quantitative', format: '.2f' }, color: { value: '#333' } },
          },
        ],
      },
    ],
    spacing: 40,
    config: BASE_CONFIG,
  };
}
