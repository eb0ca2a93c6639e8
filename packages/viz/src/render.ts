import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';

const require = createRequire(import.meta.url);

/** The font every figure uses: shipped by npm, so text renders on a machine without fonts. */
export const FONT_FAMILY = 'DejaVu Sans';

/** Absolute paths of the DejaVu Sans font files (regular and bold). */
export function fontFiles(): string[] {
  const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  return [join(dir, 'DejaVuSans.ttf'), join(dir, 'DejaVuSans-Bold.ttf')];
}

/** A vega-lite spec (kept loose: we build them as plain JSON). */
export type VlSpec = Record<string, unknown>;

/** The config every figure shares: no aria attributes (3× smaller SVG), one font everywhere. */
export const BASE_CONFIG = {
  aria: false,
  font: FONT_FAMILY,
  background: 'white',
  view: { stroke: null },
} as const;

/** vega-lite → vega → SVG string, headless (no canvas). */
export async function specToSvg(spec: VlSpec): Promise<string> {
  const compiled = vl.compile(spec as unknown as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** An RGBA raster of a figure. */
export interface Raster {
  width: number;
  height: number;
  /** width·height·4 bytes, RGBA. */
  rgba: Buffer;
  png(): Buffer;
}

let fonts: string[] | undefined;

/** SVG → raster with resvg and the shipped font (data: URLs in `image` elements are decoded by resvg). */
export function svgToRaster(svg: string): Raster {
  fonts ??= fontFiles();
  const resvg = new Resvg(svg, { font: { fontFiles: fonts, defaultFontFamily: FONT_FAMILY, loadSystemFonts: false } });
  const img = resvg.render();
  return { width: img.width, height: img.height, rgba: img.pixels, png: () => img.asPng() };
}

/** Renders a vega-lite spec to PNG bytes. */
export async function specToPng(spec: VlSpec): Promise<Buffer> {
  return svgToRaster(await specToSvg(spec)).png();
}
