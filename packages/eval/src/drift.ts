/**
 * Stationary drift: with zero input, from K start angles evenly around the circle (a ring's bump at
 * each, a baseline's initial (sin, cos)), how far the decoded angle wanders after each horizon, and
 * whether a bump keeps its amplitude.
 */
import type { Decoder, ModelAdapter } from './adapter.js';
import { collectRuns } from './collectRuns.js';
import { DEG, unwrapFrom } from './circular.js';
import type { EvalConfig } from './config.js';
import type { DriftHorizonSummary, DriftRow, DriftTraceRow } from './files.js';
import { mean } from './stats.js';

/** The K start angles 2πk/K as the float32 values the model is started from. */
export function driftStarts(K: number): Float32Array {
  return Float32Array.from({ length: K }, (_, k) => (2 * Math.PI * k) / K);
}

/** Signed drift (radians) of each start's decoded angle, unwrapped from the start angle; K×S row-major. */
export function driftFromDecoded(decoded: Float64Array, starts: Float32Array, S: number): Float64Array {
  const out = new Float64Array(starts.length * S);
  starts.forEach((a, k) => out.set(unwrapFrom(decoded, k * S, S, a), k * S));
  return out;
}

/** amplitude / amplitude after step 1 of each start, K×S; null where that first amplitude is 0 or not finite. */
export function amplitudeRatios(amplitude: Float64Array, K: number, S: number): (number | null)[] {
  const out: (number | null)[] = new Array(K * S);
  for (let k = 0; k < K; k++) {
    const a0 = amplitude[k * S];
    for (let s = 0; s < S; s++) out[k * S + s] = a0 > 0 && Number.isFinite(a0) ? amplitude[k * S + s] / a0 : null;
  }
  return out;
}

/** Whether a bump with this amplitude ratio survives: a finite ratio of at least `threshold`. */
export function survives(ratio: number | null, threshold: number): boolean {
  return ratio !== null && Number.isFinite(ratio) && ratio >= threshold;
}

/** What the drift probe produces. */
export interface DriftResult {
  trace: DriftTraceRow[];
  rows: DriftRow[];
  horizons: DriftHorizonSummary[];
}

/** Runs the zero-input probe: K = drift_starts runs of max(drift_horizons) steps. */
export async function stationaryDrift(adapter: ModelAdapter, config: EvalConfig, onSteps?: (n: number) => void): Promise<DriftResult> {
  const K = config.drift_starts;
  const S = config.drift_horizons[config.drift_horizons.length - 1];
  const starts = driftStarts(K);
  const { decoded, amplitude } = await collectRuns(adapter, { av: new Float32Array(K * S), angle0: starts, batch: K, steps: S }, config.chunk_size, onSteps);
  return driftTables(adapter.decoders, decoded, amplitude, starts, S, config);
}

/** The trace, per-horizon rows and summary from decoded angles (and amplitudes) of the K zero-input runs. */
export function driftTables(
  decoders: readonly Decoder[],
  decoded: Map<string, Float64Array>,
  amplitude: Float64Array | undefined,
  starts: Float32Array,
  S: number,
  config: Pick<EvalConfig, 'drift_horizons' | 'survival_ratio'>,
): DriftResult {
  const K = starts.length;
  const ratios = amplitude ? amplitudeRatios(amplitude, K, S) : undefined;
  const drifts = new Map(decoders.map((d) => [d, driftFromDecoded(decoded.get(d) as Float64Array, starts, S)]));
  const trace: DriftTraceRow[] = [];
  const rows: DriftRow[] = [];
  for (const d of decoders) {
    const drift = drifts.get(d) as Float64Array;
    for (let k = 0; k < K; k++) {
      const startDeg = starts[k] * DEG;
      for (let s = 0; s < S; s++) {
        const row: DriftTraceRow = { decoder: d, start: k, start_deg: startDeg, step: s + 1, drift_deg: drift[k * S + s] * DEG };
        if (amplitude && ratios) {
          row.amplitude = amplitude[k * S + s];
          row.amplitude_ratio = ratios[k * S + s];
        }
        trace.push(row);
      }
      for (const h of config.drift_horizons) {
        const row: DriftRow = { decoder: d, start: k, start_deg: startDeg, steps: h, drift_deg: drift[k * S + h - 1] * DEG };
        if (ratios) {
          row.amplitude_ratio = ratios[k * S + h - 1];
          row.survived = survives(row.amplitude_ratio, config.survival_ratio);
        }
        rows.push(row);
      }
    }
  }
  const horizons = config.drift_horizons.map((h) => {
    const at = (values: Float64Array | (number | null)[]): (number | null)[] => Array.from({ length: K }, (_, k) => values[k * S + h - 1]);
    const summary: DriftHorizonSummary = { steps: h, decoders: {} };
    for (const d of decoders) {
      const signed = Float64Array.from(at(drifts.get(d) as Float64Array), (x) => (x as number) * DEG);
      const abs = signed.map(Math.abs);
      summary.decoders[d] = { mean_deg: mean(signed), mean_abs_deg: mean(abs), max_abs_deg: K > 0 ? abs.reduce((m, x) => (Number.isNaN(x) || x > m ? x : m), 0) : null };
    }
    if (ratios) {
      const r = at(ratios);
      const known = Float64Array.from(r.filter((x): x is number => x !== null));
      summary.amplitude_ratio_min = known.length ? known.reduce((m, x) => (Number.isNaN(x) || x < m ? x : m), Infinity) : null;
      summary.amplitude_ratio_mean = mean(known);
      summary.survived = r.filter((x) => survives(x, config.survival_ratio)).length;
    }
    return summary;
  });
  return { trace, rows, horizons };
}
