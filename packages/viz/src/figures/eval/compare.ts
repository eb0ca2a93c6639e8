/** Comparison variants: several experiments' drift curves on one plot, and their velocity gains on one panel. */
import type { ModelKind } from '@ring-attractor/config';
import type { Decoder, ErrorByStepRow, GainRow } from '@ring-attractor/eval/files';
import { experimentColours } from '../../compare/compareSpec.js';
import { decodedAngleOf } from '../../decoderLabels.js';
import { BASE_CONFIG, type VlSpec } from '../../render.js';
import { squareSide, VL_SCHEMA } from './common.js';

/** One experiment's error-by-step table (on the dataset being compared) and its training length. */
export interface DriftCurveRun {
  name: string;
  /** The model's kind (run.json config.model.kind): names its decoder. */
  kind: ModelKind;
  byStep: readonly ErrorByStepRow[];
  trainSeqLen: number | null;
}

/** One experiment's gain sweep and trained range. */
export interface GainRun {
  name: string;
  /** The model's kind (run.json config.model.kind): names its decoder. */
  kind: ModelKind;
  gain: readonly GainRow[];
  maxAv: number;
}

function experimentColour(names: string[]): Record<string, unknown> {
  return { field: 'experiment', type: 'nominal', title: 'experiment', sort: names, scale: { domain: names, range: experimentColours(names.length) } };
}

/** Mean error against time step of every experiment on one dataset (one decoder), training lengths marked. */
export function compareDriftCurvesSpec(runs: readonly DriftCurveRun[], opts: { dataset: string; decoder?: Decoder; width?: number }): VlSpec {
  const decoder = opts.decoder ?? 'pv';
  const names = runs.map((r) => r.name);
  const values = runs.flatMap((r) => r.byStep.filter((x) => x.decoder === decoder).map((x) => ({ experiment: r.name, t: x.t, mean_deg: x.mean_deg })));
  const lengths = [...new Set(runs.map((r) => r.trainSeqLen).filter((x): x is number => x !== null))].sort((a, b) => a - b);
  const layers: VlSpec[] = [
    {
      data: { values },
      mark: { type: 'line', strokeWidth: 1.8 },
      encoding: {
        x: { field: 't', type: 'quantitative', title: 'time step t' },
        y: { field: 'mean_deg', type: 'quantitative', title: 'mean circular error (°)' },
        color: experimentColour(names),
        tooltip: [{ field: 'experiment' }, { field: 't', type: 'quantitative' }, { field: 'mean_deg', type: 'quantitative', format: '.2f', title: 'mean (°)' }],
      },
    },
  ];
  if (lengths.length) {
    // Labels of different lengths stack down from the top (raw pixel offsets), so near rules' labels do not overlap.
    const marker = { data: { values: lengths.map((t, i) => ({ t, label: `trained length ${t}`, y: 16 * i })) } };
    layers.push(
      { ...marker, mark: { type: 'rule', strokeDash: [6, 4], color: '#555' }, encoding: { x: { field: 't', type: 'quantitative' } } },
      { ...marker, mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 4, fontSize: 11, color: '#555' }, encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'y', type: 'quantitative', scale: null }, text: { field: 'label' } } },
    );
  }
  return {
    $schema: VL_SCHEMA,
    title: { text: `Error against time step: ${opts.dataset}`, subtitle: [`decoded angle: ${decodedAngleOf(runs, decoder)}`, 'mean over sequences'], anchor: 'start', fontSize: 16 },
    padding: 16,
    width: Math.max(300, (opts.width ?? 960) - 260),
    height: 300,
    layer: layers,
    config: BASE_CONFIG,
  };
}

/** Decoded against true speed of every experiment (one decoder), with the identity line and each trained range's edges. */
export function compareGainSpec(runs: readonly GainRun[], opts: { decoder?: Decoder; width?: number } = {}): VlSpec {
  const decoder = opts.decoder ?? 'pv';
  const names = runs.map((r) => r.name);
  const values = runs.flatMap((r) => r.gain.filter((g) => g.decoder === decoder).map((g) => ({ experiment: r.name, velocity: g.velocity, speed: g.speed })));
  const extent = values.reduce((m, v) => Math.max(m, Math.abs(v.velocity)), 0) || 1;
  const edges = [...new Set(runs.flatMap((r) => [-r.maxAv, r.maxAv]))];
  const width = squareSide(opts.width);
  const x = { field: 'velocity', type: 'quantitative', title: 'true angular velocity (rad/step)', scale: { domain: [-extent, extent], nice: false } };
  const y = { field: 'speed', type: 'quantitative', title: 'decoded angular speed (rad/step)' };
  return {
    $schema: VL_SCHEMA,
    title: { text: 'Velocity gain compared', subtitle: [`decoded angle: ${decodedAngleOf(runs, decoder)}`, 'dotted: identity; grey rules: trained range ±max_av'], anchor: 'start', fontSize: 16 },
    padding: 16,
    width,
    height: width,
    layer: [
      { data: { values: edges.map((v) => ({ v })) }, mark: { type: 'rule', color: '#bbb', strokeWidth: 1 }, encoding: { x: { field: 'v', type: 'quantitative' } } },
      { data: { values: [{ velocity: -extent, speed: -extent }, { velocity: extent, speed: extent }] }, mark: { type: 'line', strokeDash: [2, 3], color: '#888', strokeWidth: 1 }, encoding: { x, y } },
      {
        data: { values },
        mark: { type: 'line', point: { filled: true, size: 25 }, strokeWidth: 1.5 },
        encoding: {
          x,
          y,
          color: experimentColour(names),
          tooltip: [{ field: 'experiment' }, { field: 'velocity', type: 'quantitative', format: '.4f' }, { field: 'speed', type: 'quantitative', format: '.4f' }],
        },
      },
    ],
    config: BASE_CONFIG,
  };
}
