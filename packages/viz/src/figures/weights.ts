import { colourMap, symmetricDomain } from '../colour.js';
import { matrixDataUrl } from '../matrixImage.js';
import { BASE_CONFIG, type VlSpec } from '../render.js';
import type { VizConfig } from '../vizConfig.js';
import { heatmapPanel } from './heatmap.js';

/** Where everything sits in a weights figure / movie frame: fixed numbers, so pixels are predictable. */
export interface WeightsLayout {
  width: number;
  height: number;
  padLeft: number;
  padTop: number;
  padRight: number;
  padBottom: number;
  /** Side of each square matrix panel, px. */
  panel: number;
  spacing: number;
  count: number;
}

const PAD_LEFT = 64;
const PAD_TOP = 84;
const PAD_BOTTOM = 50;
const SPACING = 56;
const MIN_PAD_RIGHT = 100;
const MIN_PANEL = 80;

/** Computes the layout of `count` panels in a figure `width` px wide (even height too, for H.264). */
export function weightsLayout(count: number, width: number): WeightsLayout {
  let panel = Math.floor((width - PAD_LEFT - MIN_PAD_RIGHT - (count - 1) * SPACING) / count);
  panel = Math.max(MIN_PANEL, panel - (panel % 2));
  const inner = PAD_LEFT + count * panel + (count - 1) * SPACING;
  const w = Math.max(width, inner + MIN_PAD_RIGHT);
  const fullWidth = w + (w % 2);
  let height = PAD_TOP + panel + PAD_BOTTOM;
  height += height % 2;
  return {
    width: fullWidth,
    height,
    padLeft: PAD_LEFT,
    padTop: PAD_TOP,
    padRight: fullWidth - inner,
    padBottom: height - PAD_TOP - panel,
    panel,
    spacing: SPACING,
    count,
  };
}

/** Top-left pixel of panel `m` in the rendered figure. */
export function panelOrigin(layout: WeightsLayout, m: number): { x: number; y: number } {
  return { x: layout.padLeft + m * (layout.panel + layout.spacing), y: layout.padTop };
}

/** Pixel at the centre of matrix cell (i, j) of panel `m` (matches matrixPixels' nearest-neighbour mapping). */
export function cellPixel(layout: WeightsLayout, m: number, n: number, i: number, j: number): { x: number; y: number } {
  const o = panelOrigin(layout, m);
  return { x: o.x + Math.floor(((j + 0.5) * layout.panel) / n), y: o.y + Math.floor(((i + 0.5) * layout.panel) / n) };
}

const ROLE: Record<string, string> = { Wo: 'bump maintenance', Wl: 'turn left', Wr: 'turn right' };

/** Panel title: the matrix name and, for the seed's three, what it does. */
export function matrixTitle(name: string): string {
  const role = ROLE[name] ?? (name.startsWith('Wa.') ? `action ${name.slice(3)}` : undefined);
  return role ? `${name} (${role})` : name;
}

/** Name of the dataset holding panel m's image URL. */
export function imageDataName(m: number): string {
  return `image_${m}`;
}

/** What a weights figure shows. */
export interface WeightsFigure {
  names: string[];
  matrices: Float32Array[];
  n: number;
  title: string;
  subtitle: string;
  /** Colour domain; defaults to symmetric around 0 over these matrices. */
  domain?: [number, number];
}

/** The vega-lite spec of a weights figure: all matrices side by side on one shared diverging scale. */
export async function weightsSpec(fig: WeightsFigure, config: VizConfig): Promise<VlSpec> {
  const layout = weightsLayout(fig.names.length, config.width);
  const cmap = colourMap(config.scheme, fig.domain ?? symmetricDomain(fig.matrices), config.reverse_scheme);
  const panels: VlSpec[] = [];
  const datasets: Record<string, unknown[]> = {};
  for (let m = 0; m < fig.names.length; m++) {
    const url = await matrixDataUrl(fig.matrices[m], fig.n, fig.n, cmap, layout.panel, layout.panel);
    const panel = heatmapPanel({
        title: matrixTitle(fig.names[m]),
        url,
        width: layout.panel,
        height: layout.panel,
        rows: fig.n,
        cols: fig.n,
        xTitle: 'presynaptic neuron j',
        yTitle: m === 0 ? 'postsynaptic neuron i' : null,
        colourTitle: 'weight',
        cmap,
      });
    // Named datasets: a movie worker swaps a frame's images into one live vega View (see frameWorker.ts).
    const layers = panel.layer as VlSpec[];
    datasets[imageDataName(m)] = (layers[0].data as { values: unknown[] }).values;
    layers[0].data = { name: imageDataName(m) };
    panels.push(panel);
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: { expr: 'frame_title' }, subtitle: { expr: 'frame_subtitle' }, anchor: 'start', fontSize: 16, subtitleFontSize: 12, offset: 12 },
    // autosize none + flush bounds: panel m starts exactly at padLeft + m·(panel + spacing), padTop.
    autosize: { type: 'none' },
    padding: { left: layout.padLeft, top: layout.padTop, right: layout.padRight, bottom: layout.padBottom },
    // vega-lite ignores width/height on concat views; these params become vega's width/height signals,
    // which is what autosize none sizes the canvas from.
    params: [
      { name: 'width', value: layout.width - layout.padLeft - layout.padRight },
      { name: 'height', value: layout.panel },
      { name: 'frame_title', value: fig.title },
      { name: 'frame_subtitle', value: fig.subtitle },
    ],
    datasets,
    bounds: 'flush',
    spacing: layout.spacing,
    hconcat: panels,
    resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } },
    config: { ...BASE_CONFIG, title: { fontSize: 13 }, legend: { titleFontSize: 12 } },
  };
}
