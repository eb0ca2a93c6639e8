import { BASE_CONFIG, type VlSpec } from '../render.js';
import type { Snapshots } from '@ring-attractor/train/formats';
import type { VizConfig } from '../vizConfig.js';
import { matrixTitle } from './weights.js';

/** The ring offset of (i − j) mod n mapped to (−n/2, n/2]. */
export function ringOffset(d: number, n: number): number {
  const m = ((d % n) + n) % n;
  return m > n / 2 ? m - n : m;
}

/**
 * Mean of `w` (row-major n×n) along each circular diagonal: profile[k] is the mean of
 * w[i, j] over all i, j with ringOffset(i − j) = offsets[k]; offsets ascend over (−n/2, n/2].
 */
export function diagonalProfile(w: ArrayLike<number>, n: number): { offsets: number[]; mean: number[] } {
  const sums = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sums[(((i - j) % n) + n) % n] += w[i * n + j];
  const pairs = Array.from({ length: n }, (_, d) => ({ offset: ringOffset(d, n), mean: sums[d] / n }));
  pairs.sort((a, b) => a.offset - b.offset);
  return { offsets: pairs.map((p) => p.offset), mean: pairs.map((p) => p.mean) };
}

/** Snapshot indices shown: initial, middle, final (deduplicated for runs with few snapshots). */
export function connectivitySnapshots(count: number): number[] {
  return [...new Set([0, Math.floor((count - 1) / 2), count - 1])];
}

/** Mean weight vs ring offset for every matrix at the initial, middle and final snapshot. */
export function connectivitySpec(snaps: Snapshots, config: VizConfig): VlSpec {
  const idx = connectivitySnapshots(snaps.steps.length);
  const labels = idx.map((s, k) => `step ${snaps.steps[s]}${k === 0 ? ' (initial)' : k === idx.length - 1 ? ' (final)' : ''}`);
  const colWidth = Math.max(160, Math.floor((config.width - 140 - (snaps.names.length - 1) * 30) / snaps.names.length));
  const panels = snaps.names.map((name, m) => {
    const values: Record<string, unknown>[] = [];
    idx.forEach((s, k) => {
      const { offsets, mean } = diagonalProfile(snaps.matrices[name][s], snaps.n);
      offsets.forEach((o, q) => values.push({ offset: o, mean_weight: mean[q], snapshot: labels[k], step: snaps.steps[s] }));
    });
    return {
      title: matrixTitle(name),
      width: colWidth,
      height: 220,
      data: { values },
      layer: [
        { mark: { type: 'rule', color: '#bbb', strokeDash: [3, 3] }, encoding: { y: { datum: 0 } } },
        {
          mark: { type: 'line', strokeWidth: 1.8, tooltip: true },
          encoding: {
            x: { field: 'offset', type: 'quantitative', title: 'ring offset i − j (neurons)', scale: { nice: false } },
            y: { field: 'mean_weight', type: 'quantitative', title: m === 0 ? 'mean weight' : null },
            color: { field: 'snapshot', type: 'nominal', title: 'snapshot', sort: labels, scale: { domain: labels, range: ['#9ecae1', '#4292c6', '#08306b'] } },
          },
        },
      ],
    };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Connectivity profile: mean weight along each circular diagonal', anchor: 'start', fontSize: 16 },
    padding: 16,
    hconcat: panels,
    spacing: 30,
    resolve: { scale: { y: 'shared' } },
    config: BASE_CONFIG,
  };
}
