/** Stationary drift: the decoded angle of every zero-input run against time, and its bump amplitude (models with a bump). */
import type { ModelKind } from '@ring-attractor/config';
import { KIND_OUTPUTS, type Decoder, type DriftTraceRow } from '@ring-attractor/eval/files';
import { decoderLabel } from '../../decoderLabels.js';
import { BASE_CONFIG, type VlSpec } from '../../render.js';
import { thinSteps, VL_SCHEMA } from './common.js';

/** Where the probe's zero-input runs start, in a heading (no count) and a subtitle (K starts). */
export interface DriftStartsText {
  heading: string;
  subtitle: (K: number) => string;
}

const FROM_BUMP: DriftStartsText = {
  heading: 'zero input from bumps around the ring',
  subtitle: (K) => `zero input from the bump at ${K} angles evenly around the ring`,
};
const FROM_ANGLE: DriftStartsText = {
  heading: 'zero input from initial angles around the circle',
  subtitle: (K) => `zero input from ${K} initial angles evenly around the circle`,
};

/** How a model of `kind` starts the probe's runs: from its bump at each start angle if it has one, else from the angle itself (its initial (sin, cos), eval's baselineAdapter). */
export function driftStartsText(kind: ModelKind): DriftStartsText {
  return KIND_OUTPUTS[kind].hasBump ? FROM_BUMP : FROM_ANGLE;
}

/** Options of {@link driftSpec}. */
export interface DriftOptions {
  /** The model's kind (run.json config.model.kind): names its decoder. */
  kind: ModelKind;
  /** Which decoder's angle to draw (default pv). */
  decoder?: Decoder;
  /** The survival threshold of the amplitude ratio (eval.json config.survival_ratio), drawn as a rule. */
  survivalRatio?: number;
  width?: number;
}

/**
 * Left: the unwrapped decoded angle (start + drift, degrees) of each start against steps without
 * input; flat lines hold their angle, lines that bend towards a few values reveal discrete attractors.
 * Right (models with a bump): Σ|r| relative to step 1, with the survival threshold.
 */
export function driftSpec(trace: readonly DriftTraceRow[], opts: DriftOptions): VlSpec {
  const decoder = opts.decoder ?? 'pv';
  const rows = trace.filter((r) => r.decoder === decoder);
  const steps = rows.reduce((m, r) => Math.max(m, r.step), 0);
  const keep = thinSteps(steps, 250);
  const values = rows.filter((r) => keep(r.step)).map((r) => ({ start: r.start, start_deg: r.start_deg, step: r.step, angle_deg: r.start_deg + r.drift_deg, drift_deg: r.drift_deg, amplitude_ratio: r.amplitude_ratio ?? null }));
  const hasBump = rows.some((r) => r.amplitude_ratio !== undefined);
  const width = hasBump ? Math.max(240, Math.floor(((opts.width ?? 960) - 300) / 2)) : Math.max(300, (opts.width ?? 960) - 220);
  const x = { field: 'step', type: 'quantitative', title: 'steps without input', scale: { domain: [1, Math.max(2, steps)], nice: false } };
  const colour = { field: 'start_deg', type: 'quantitative', title: 'start angle (°)', scale: { scheme: 'sinebow', domain: [0, 360] } };
  const detail = { field: 'start', type: 'nominal' };
  const angle: VlSpec = {
    title: `Decoded angle (${decoderLabel(opts.kind, decoder).long})`,
    width,
    height: 280,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.4 },
    encoding: {
      x,
      y: { field: 'angle_deg', type: 'quantitative', title: 'decoded angle, unwrapped (°)' },
      color: colour,
      detail,
      tooltip: [
        { field: 'start_deg', type: 'quantitative', format: '.1f', title: 'start (°)' },
        { field: 'step', type: 'quantitative' },
        { field: 'drift_deg', type: 'quantitative', format: '.3f', title: 'drift (°)' },
      ],
    },
  };
  const panels: VlSpec[] = [angle];
  if (hasBump) {
    const layers: VlSpec[] = [
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 1.4 },
        encoding: {
          x,
          y: { field: 'amplitude_ratio', type: 'quantitative', title: 'Σ|r| / Σ|r| after step 1' },
          color: colour,
          detail,
          tooltip: [
            { field: 'start_deg', type: 'quantitative', format: '.1f', title: 'start (°)' },
            { field: 'step', type: 'quantitative' },
            { field: 'amplitude_ratio', type: 'quantitative', format: '.3f', title: 'amplitude ratio' },
          ],
        },
      },
    ];
    if (opts.survivalRatio !== undefined) {
      const marker = { data: { values: [{ y: opts.survivalRatio, label: `survival threshold ${opts.survivalRatio}` }] } };
      layers.push(
        { ...marker, mark: { type: 'rule', strokeDash: [6, 4], color: '#d62728' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
        { ...marker, mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -3, fontSize: 11, color: '#d62728' }, encoding: { y: { field: 'y', type: 'quantitative' }, x: { value: width }, text: { field: 'label' } } },
      );
    }
    panels.push({ title: 'Bump amplitude', width, height: 280, layer: layers });
  }
  const K = new Set(rows.map((r) => r.start)).size;
  return {
    $schema: VL_SCHEMA,
    title: { text: 'Stationary drift', subtitle: driftStartsText(opts.kind).subtitle(K), anchor: 'start', fontSize: 16 },
    padding: 16,
    hconcat: panels,
    spacing: 40,
    config: BASE_CONFIG,
  };
}
