import sharp from 'sharp';
import type { ColourMap } from './colour.js';

/**
 * Colours a rows×cols row-major matrix and upscales it nearest-neighbour to width×height:
 * output pixel (x, y) shows cell (row ⌊y·rows/height⌋, col ⌊x·cols/width⌋). Returns raw RGB.
 */
export function matrixPixels(values: ArrayLike<number>, rows: number, cols: number, cmap: ColourMap, width: number, height: number): Buffer {
  const cellColours = new Uint8Array(rows * cols * 3);
  for (let k = 0; k < rows * cols; k++) {
    const [r, g, b] = cmap.rgb(values[k]);
    cellColours[3 * k] = r;
    cellColours[3 * k + 1] = g;
    cellColours[3 * k + 2] = b;
  }
  const colOf = new Int32Array(width);
  for (let x = 0; x < width; x++) colOf[x] = Math.min(cols - 1, Math.floor((x * cols) / width));
  const out = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = Math.min(rows - 1, Math.floor((y * rows) / height));
    const base = row * cols * 3;
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      const c = base + colOf[x] * 3;
      out[o] = cellColours[c];
      out[o + 1] = cellColours[c + 1];
      out[o + 2] = cellColours[c + 2];
    }
  }
  return out;
}

/** {@link matrixPixels} as a PNG data URL, ready for a vega-lite `image` mark. */
export async function matrixDataUrl(values: ArrayLike<number>, rows: number, cols: number, cmap: ColourMap, width: number, height: number): Promise<string> {
  const raw = matrixPixels(values, rows, cols, cmap, width, height);
  // Low compression: the URL is decoded again right away by resvg; speed matters more than bytes.
  const png = await sharp(raw, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 2, adaptiveFiltering: false }).toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}
