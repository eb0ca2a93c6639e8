import type { Snapshots } from '@ring-attractor/train/formats';
import type { WeightsFigure } from './figures/weights.js';

/** Formats a loss for titles: 4 significant digits. */
export function fmtLoss(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(4) : String(v);
}

/** The figure of snapshot `s`: its matrices, with the step and the losses in the title. */
export function snapshotFigure(snaps: Snapshots, s: number, title: string, domain?: [number, number]): WeightsFigure {
  return {
    names: snaps.names,
    matrices: snaps.names.map((name) => snaps.matrices[name][s]),
    n: snaps.n,
    title: `${title} — step ${snaps.steps[s]}`,
    subtitle: `loss ${fmtLoss(snaps.lossTotal[s])} (${Object.entries(snaps.parts).map(([p, v]) => `${p} ${fmtLoss(v[s])}`).join(', ')})`,
    domain,
  };
}
