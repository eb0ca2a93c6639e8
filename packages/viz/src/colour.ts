import * as vega from 'vega';

/** A colour as 8-bit RGB. */
export type Rgb = [number, number, number];

/** Parses the `rgb(r, g, b)` / `#rrggbb` strings vega's scheme interpolators return. */
export function parseColour(text: string): Rgb {
  const m = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/.exec(text);
  if (m) return [Math.round(+m[1]), Math.round(+m[2]), Math.round(+m[3])];
  const h = /^#([0-9a-f]{6})$/i.exec(text);
  if (h) {
    const v = parseInt(h[1], 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  throw new Error(`unexpected colour from vega: ${text}`);
}

/** A value → colour map: vega's scheme over a linear [lo, hi] domain, clamped, as vega-lite's scale does it. */
export interface ColourMap {
  domain: [number, number];
  scheme: string;
  reverse: boolean;
  /** Colour of `value`. */
  rgb(value: number): Rgb;
}

/** Builds a {@link ColourMap} from vega's own scheme function, so the legend gradient matches the pixels. */
export function colourMap(scheme: string, domain: [number, number], reverse: boolean): ColourMap {
  const interp = vega.scheme(scheme) as unknown;
  if (typeof interp !== 'function') throw new Error(`vega scheme ${scheme} is not continuous`);
  const f = interp as (t: number) => string;
  // A 1024-entry table: far finer than 8-bit colour steps, and no string parsing per pixel.
  const SIZE = 1024;
  const lut = new Uint8Array(SIZE * 3);
  for (let k = 0; k < SIZE; k++) {
    const [r, g, b] = parseColour(f(k / (SIZE - 1)));
    lut[3 * k] = r;
    lut[3 * k + 1] = g;
    lut[3 * k + 2] = b;
  }
  const [lo, hi] = domain;
  const span = hi - lo || 1;
  return {
    domain,
    scheme,
    reverse,
    rgb(value: number): Rgb {
      let t = (value - lo) / span;
      t = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0.5;
      if (reverse) t = 1 - t;
      const k = Math.round(t * (SIZE - 1));
      return [lut[3 * k], lut[3 * k + 1], lut[3 * k + 2]];
    },
  };
}

/** Exact colour of `value` straight from vega's scheme (no table): what tests compare pixels against. */
export function exactColour(scheme: string, domain: [number, number], reverse: boolean, value: number): Rgb {
  const f = vega.scheme(scheme) as (t: number) => string;
  let t = Math.min(1, Math.max(0, (value - domain[0]) / (domain[1] - domain[0])));
  if (reverse) t = 1 - t;
  return parseColour(f(t));
}

/** Symmetric domain [−m, m] with m the largest |value| (1 if everything is zero). */
export function symmetricDomain(arrays: ArrayLike<number>[]): [number, number] {
  let m = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m && Number.isFinite(v)) m = v;
  }
  if (m === 0) m = 1;
  return [-m, m];
}
