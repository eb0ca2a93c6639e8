import { BASE_CONFIG, type VlSpec } from '../render.js';
import type { Metrics } from '@ring-attractor/train/formats';
import type { VizConfig } from '../vizConfig.js';

const MAX_POINTS = 4000;

/** Indices of at most `max` evenly spaced rows, always keeping the last one. */
export function strideIndices(count: number, max: number): number[] {
  if (count <= max) return Array.from({ length: count }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(Math.round((k * (count - 1)) / (max - 1)));
  return [...new Set(out)];
}

/** Colours of the loss curves: total in black, then each part (ring: angle, bump; GRU: main, smooth; transformer: + norm, cumsum). */
const PART_COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

/** Training curves: the total loss and each of the model's loss parts per step (log scale), and the gradient norm before clipping. */
export function lossSpec(metrics: Metrics, config: VizConfig): VlSpec {
  const rows: Record<string, unknown>[] = [];
  const parts = Object.keys(metrics.parts);
  const names = ['total', ...parts];
  const grad: Record<string, unknown>[] = [];
  for (const i of strideIndices(metrics.step.length, MAX_POINTS)) {
    const step = metrics.step[i];
    // Log scale: a zero or non-finite loss cannot be drawn, so it is left out rather than clamped.
    for (const [name, v] of [['total', metrics.lossTotal[i]], ...parts.map((p) => [p, metrics.parts[p][i]] as const)] as const) {
      if (v > 0 && Number.isFinite(v)) rows.push({ step, loss: name, value: v });
    }
    if (metrics.gradNorm[i] > 0 && Number.isFinite(metrics.gradNorm[i])) grad.push({ step, grad_norm: metrics.gradNorm[i] });
  }
  const width = Math.max(300, config.width - 200);
  const x = { field: 'step', type: 'quantitative', title: 'training step' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Training loss', anchor: 'start', fontSize: 16 },
    padding: 16,
    vconcat: [
      {
        width,
        height: 260,
        data: { values: rows },
        mark: { type: 'line', strokeWidth: 1.5, tooltip: true },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: 'loss (log scale)', scale: { type: 'log' } },
          color: { field: 'loss', type: 'nominal', title: 'loss', sort: names, scale: { domain: names, range: ['#222222', ...PART_COLOURS].slice(0, names.length) } },
        },
      },
      {
        width,
        height: 120,
        title: 'Gradient norm before clipping',
        data: { values: grad },
        mark: { type: 'line', strokeWidth: 1, color: '#777', tooltip: true },
        encoding: { x, y: { field: 'grad_norm', type: 'quantitative', title: 'grad norm (log)', scale: { type: 'log' } } },
      },
    ],
    spacing: 28,
    config: BASE_CONFIG,
  };
}
