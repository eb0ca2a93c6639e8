import type { ColourMap } from '../colour.js';
import type { VlSpec } from '../render.js';

/** A dense matrix drawn as one image: a pre-coloured PNG plus invisible marks that carry the axes and legend. */
export interface HeatmapPanel {
  title: string;
  /** PNG data URL sized exactly width×height (see matrixDataUrl). */
  url: string;
  width: number;
  height: number;
  rows: number;
  cols: number;
  xTitle: string;
  yTitle: string | null;
  colourTitle: string;
  cmap: ColourMap;
  /** First value of the x axis (e.g. 0 for neuron index, or the first time step). */
  x0?: number;
}

/** The vega-lite spec of one heatmap panel (row 0 at the top, like imshow). */
export function heatmapPanel(p: HeatmapPanel): VlSpec {
  const x0 = p.x0 ?? 0;
  return {
    title: p.title,
    width: p.width,
    height: p.height,
    layer: [
      {
        data: { values: [{ url: p.url }] },
        mark: { type: 'image', width: p.width, height: p.height, align: 'left', baseline: 'top', aspect: false },
        encoding: { url: { field: 'url', type: 'nominal' }, x: { value: 0 }, y: { value: 0 } },
      },
      {
        // Two invisible points span the domains, so the axes and the colour legend come from real scales.
        data: { values: [{ c: x0, r: 0, v: p.cmap.domain[0] }, { c: x0 + p.cols - 1, r: p.rows - 1, v: p.cmap.domain[1] }] },
        mark: { type: 'point', opacity: 0 },
        encoding: {
          x: {
            field: 'c',
            type: 'quantitative',
            title: p.xTitle,
            scale: { domain: [x0 - 0.5, x0 + p.cols - 0.5], nice: false, zero: false },
            axis: { tickMinStep: 1, format: 'd', grid: false },
          },
          y: {
            field: 'r',
            type: 'quantitative',
            title: p.yTitle,
            scale: { domain: [-0.5, p.rows - 0.5], nice: false, zero: false, reverse: true },
            axis: { tickMinStep: 1, format: 'd', grid: false },
          },
          color: {
            field: 'v',
            type: 'quantitative',
            title: p.colourTitle,
            scale: { domain: p.cmap.domain, scheme: p.cmap.scheme, reverse: p.cmap.reverse, nice: false, zero: false },
            legend: { gradientLength: Math.min(p.height, 300), format: '.3~g', tickCount: 5 },
          },
        },
      },
    ],
  };
}
