import { colourMap, symmetricDomain } from '../colour.js';
import { decoderLabel } from '../decoderLabels.js';
import { matrixDataUrl } from '../matrixImage.js';
import { BASE_CONFIG, type VlSpec } from '../render.js';
import type { Trace } from '@ring-attractor/eval/files';
import type { VizConfig } from '../vizConfig.js';
import { heatmapPanel } from './heatmap.js';

/** The first, middle and last time step: where the seed shows profiles. */
export function profileSteps(count: number): number[] {
  return [0, Math.floor((count - 1) / 2), count - 1];
}

/** The reference's evaluation figure (docs/model.md §5.5): output heatmap, bump and output profiles, input av, true vs decoded angle. */
export async function performanceSpec(trace: Trace, config: VizConfig): Promise<VlSpec> {
  const T = trace.t.length;
  const n = trace.output[0].length;
  const colWidth = Math.max(200, Math.floor((config.width - 230) / 2));
  const spacing = 60;
  const heatWidth = 2 * colWidth + spacing;
  const heatHeight = Math.max(120, Math.min(240, n * 2));

  // Matrix row k = neuron k, column t = time step t.
  const activity = new Float32Array(n * T);
  for (let t = 0; t < T; t++) for (let k = 0; k < n; k++) activity[k * T + t] = trace.output[t][k];
  const cmap = colourMap(config.scheme, symmetricDomain([activity]), config.reverse_scheme);
  const url = await matrixDataUrl(activity, n, T, cmap, heatWidth, heatHeight);
  const heat = heatmapPanel({
    title: 'Cosine output (neuron × time)',
    url,
    width: heatWidth,
    height: heatHeight,
    rows: n,
    cols: T,
    x0: trace.t[0],
    xTitle: 'time step t',
    yTitle: 'neuron',
    colourTitle: 'output',
    cmap,
  });

  const steps = profileSteps(T);
  const profiles: Record<string, unknown>[] = [];
  for (const s of steps) {
    const label = `t = ${trace.t[s]}`;
    for (let k = 0; k < n; k++) profiles.push({ neuron: k, t: label, bump: trace.bump[s][k], output: trace.output[s][k] });
  }
  const profile = (field: 'bump' | 'output', title: string): VlSpec => ({
    title,
    width: colWidth,
    height: 180,
    data: { values: profiles },
    mark: { type: 'line', strokeWidth: 1.8, tooltip: true },
    encoding: {
      x: { field: 'neuron', type: 'quantitative', title: 'neuron', scale: { domain: [0, n - 1], nice: false } },
      y: { field, type: 'quantitative', title: field === 'bump' ? 'bump activity' : 'cosine output' },
      color: { field: 't', type: 'nominal', title: 'time step', sort: steps.map((s) => `t = ${trace.t[s]}`), scale: { scheme: 'dark2' } },
    },
  });

  // Only a ring has a trace (eval's referenceTrace.ts), so its decoders are named as a ring's.
  const pvLabel = decoderLabel('ring', 'pv').short;
  const argmaxLabel = decoderLabel('ring', 'argmax').short;
  const series: Record<string, unknown>[] = [];
  const av: Record<string, unknown>[] = [];
  for (let i = 0; i < T; i++) {
    av.push({ t: trace.t[i], av: trace.av[i] });
    series.push({ t: trace.t[i], angle: trace.angle[i], series: 'true (aligned)' });
    series.push({ t: trace.t[i], angle: trace.decodedPv[i], series: pvLabel });
    series.push({ t: trace.t[i], angle: trace.decodedArgmax[i], series: argmaxLabel });
  }
  const xT = { field: 't', type: 'quantitative', title: 'time step t', scale: { domain: [trace.t[0], trace.t[T - 1]], nice: false } };
  const avPanel: VlSpec = {
    title: 'Input angular velocity',
    width: colWidth,
    height: 180,
    data: { values: av },
    mark: { type: 'line', strokeWidth: 1.5, color: '#555', tooltip: true },
    encoding: { x: xT, y: { field: 'av', type: 'quantitative', title: 'av (rad / step)' } },
  };
  const order = ['true (aligned)', pvLabel, argmaxLabel];
  const anglePanel: VlSpec = {
    title: 'True vs decoded angle',
    width: colWidth,
    height: 180,
    data: { values: series },
    mark: { type: 'point', filled: true, size: 9, tooltip: true },
    encoding: {
      x: xT,
      y: { field: 'angle', type: 'quantitative', title: 'angle (rad)', scale: { domain: [0, 2 * Math.PI], nice: false } },
      color: { field: 'series', type: 'nominal', title: 'angle', sort: order, scale: { domain: order, range: ['#222222', '#e6550d', '#3182bd'] } },
      opacity: { value: 0.85 },
    },
  };

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Evaluation: one T = ${T} test sequence`, anchor: 'start', fontSize: 16 },
    padding: 16,
    vconcat: [heat, { hconcat: [profile('bump', 'Bump profiles'), profile('output', 'Cosine-output profiles')], spacing }, { hconcat: [avPanel, anglePanel], spacing }],
    spacing: 36,
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    config: BASE_CONFIG,
  };
}
