/** Where errors come from: error by |angular velocity| bin and by time since the last motion, both decoders. */
import type { ModelKind } from '@ring-attractor/config';
import type { ErrorBySpeedRow, ErrorByStillRow } from '@ring-attractor/eval/files';
import { BASE_CONFIG, type VlSpec } from '../../render.js';
import { decoderColour, decoderTooltip, VL_SCHEMA } from './common.js';

type BinRow = ErrorBySpeedRow | ErrorByStillRow;

/** One panel: mean error per bin as bars grouped by decoder, the 90th percentile as a tick. */
function binPanel(rows: readonly BinRow[], title: string, xTitle: string, width: number, kind: ModelKind): VlSpec {
  const labels: string[] = [];
  for (const r of [...rows].sort((a, b) => a.bin - b.bin)) if (!labels.includes(r.label)) labels.push(r.label);
  const x = { field: 'label', type: 'ordinal', title: xTitle, sort: labels, axis: { labelAngle: -35 } };
  const xOffset = { field: 'decoder', type: 'nominal', sort: ['pv', 'argmax'] };
  const colour = decoderColour(rows, kind);
  const tooltip = decoderTooltip(rows, kind);
  return {
    title,
    width,
    height: 240,
    data: { values: rows },
    transform: [tooltip.transform],
    encoding: { x, xOffset, color: colour },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'mean_deg', type: 'quantitative', title: 'circular error (°)' },
          tooltip: [
            { field: 'label', title: 'bin' },
            tooltip.field,
            { field: 'count', type: 'quantitative', title: 'sequence-steps' },
            { field: 'mean_deg', type: 'quantitative', format: '.2f', title: 'mean (°)' },
            { field: 'median_deg', type: 'quantitative', format: '.2f', title: 'median (°)' },
            { field: 'p90_deg', type: 'quantitative', format: '.2f', title: 'p90 (°)' },
          ],
        },
      },
      { mark: { type: 'tick', thickness: 2, color: '#222' }, encoding: { y: { field: 'p90_deg', type: 'quantitative' }, color: { value: '#222' } } },
    ],
  };
}

/** Options of {@link errorBinsSpec}. */
export interface ErrorBinsOptions {
  dataset: string;
  /** The model's kind (run.json config.model.kind): names its decoders. */
  kind: ModelKind;
  width?: number;
}

/** Error by |av| bin (left) and by steps since the last nonzero velocity (right); empty bins show no bar. */
export function errorBinsSpec(speed: readonly ErrorBySpeedRow[], still: readonly ErrorByStillRow[], opts: ErrorBinsOptions): VlSpec {
  // The bin above max_av exists for data that exceeds it; ring-datagen never does, so it is usually empty.
  const speedRows = speed.filter((r) => r.count > 0 || Number.isFinite(r.speed_hi));
  const stillRows = still.filter((r) => r.count > 0);
  const width = Math.max(220, Math.floor(((opts.width ?? 960) - 260) / 2));
  return {
    $schema: VL_SCHEMA,
    title: { text: `Where the error comes from: ${opts.dataset}`, subtitle: 'bars: mean; ticks: 90th percentile; hover for counts', anchor: 'start', fontSize: 16 },
    padding: 16,
    hconcat: [binPanel(speedRows, 'By angular speed', '|av| (rad/step)', width, opts.kind), binPanel(stillRows, 'By time since the last motion', 'steps since av ≠ 0', width, opts.kind)],
    spacing: 40,
    resolve: { scale: { y: 'shared' } },
    config: BASE_CONFIG,
  };
}
