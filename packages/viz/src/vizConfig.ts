import * as vega from 'vega';
import { invalid } from '@ring-attractor/common';

/** Movie container formats ring-viz can write. */
export type MovieFormat = 'mp4' | 'gif';

/** The `viz` section of an experiment (snake_case, as in config.json); every key is also a CLI flag. */
export interface VizConfig {
  /** Movie frame rate (frames per second). */
  fps: number;
  /** Movies to write; empty skips ffmpeg entirely. */
  formats: MovieFormat[];
  /** Width in pixels of the weight figures and movie frames (even, so H.264 accepts it). */
  width: number;
  /** A continuous vega colour scheme for weights and activity (diverging ones read best). */
  scheme: string;
  /** Reverse the scheme (redblue reversed: negative = blue, positive = red). */
  reverse_scheme: boolean;
  /** At most this many snapshots go into report.html's slider (evenly spaced, first and last kept). */
  report_snapshots: number;
}

/** Defaults: the seed's look, 10 fps, both movies. */
export const DEFAULT_VIZ_CONFIG: VizConfig = {
  fps: 10,
  formats: ['mp4', 'gif'],
  width: 960,
  scheme: 'redblue',
  reverse_scheme: true,
  report_snapshots: 26,
};

const KEYS = Object.keys(DEFAULT_VIZ_CONFIG) as (keyof VizConfig)[];

/** Validates a partial viz config (unknown keys rejected) and fills in the defaults. */
export function resolveVizConfig(input: Record<string, unknown>, where = 'viz'): VizConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) invalid(where, 'a JSON object', input);
  for (const key of Object.keys(input)) {
    if (!(KEYS as string[]).includes(key)) invalid(`${where}.${key}`, `one of ${KEYS.join(', ')} (unknown key)`, key);
  }
  const c: VizConfig = { ...DEFAULT_VIZ_CONFIG, formats: [...DEFAULT_VIZ_CONFIG.formats] };
  const v = input as Partial<Record<keyof VizConfig, unknown>>;
  if (v.fps !== undefined) {
    if (typeof v.fps !== 'number' || !Number.isFinite(v.fps) || v.fps <= 0 || v.fps > 120) invalid(`${where}.fps`, 'a number in (0, 120]', v.fps);
    c.fps = v.fps;
  }
  if (v.formats !== undefined) c.formats = parseFormats(v.formats, `${where}.formats`);
  if (v.width !== undefined) {
    if (typeof v.width !== 'number' || !Number.isInteger(v.width) || v.width < 400 || v.width > 4096 || v.width % 2 !== 0) {
      invalid(`${where}.width`, 'an even integer in [400, 4096]', v.width);
    }
    c.width = v.width;
  }
  if (v.scheme !== undefined) {
    if (typeof v.scheme !== 'string' || typeof vega.scheme(v.scheme) !== 'function') {
      invalid(`${where}.scheme`, "a continuous vega colour scheme such as 'redblue', 'blueorange', 'purplegreen'", v.scheme);
    }
    c.scheme = v.scheme;
  }
  if (v.reverse_scheme !== undefined) {
    if (typeof v.reverse_scheme !== 'boolean') invalid(`${where}.reverse_scheme`, 'true or false', v.reverse_scheme);
    c.reverse_scheme = v.reverse_scheme;
  }
  if (v.report_snapshots !== undefined) {
    const n = v.report_snapshots;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 2 || n > 1000) invalid(`${where}.report_snapshots`, 'an integer in [2, 1000]', n);
    c.report_snapshots = n;
  }
  return c;
}

/** Parses `mp4,gif` / `['mp4']` / `''` / `none` into a list of movie formats without duplicates. */
export function parseFormats(value: unknown, field = 'formats'): MovieFormat[] {
  let parts: unknown[];
  if (Array.isArray(value)) parts = value;
  else if (typeof value === 'string') parts = value.trim() === '' || value.trim() === 'none' ? [] : value.split(',').map((s) => s.trim());
  else invalid(field, "a comma-separated list of mp4, gif (or '' / none)", value);
  const out: MovieFormat[] = [];
  for (const p of parts) {
    if (p !== 'mp4' && p !== 'gif') invalid(field, "a comma-separated list of mp4, gif (or '' / none)", value);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}
