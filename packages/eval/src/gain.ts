/**
 * Velocity gain: for constant angular velocities across ±extent·max_av, the decoded angular speed
 * (slope of the unwrapped decoded angle over a window after a settling period) against the true one.
 */
import type { Decoder, ModelAdapter } from './adapter.js';
import { collectRuns } from './collectRuns.js';
import { unwrapFrom } from './circular.js';
import type { EvalConfig } from './config.js';
import type { GainRow } from './files.js';
import { fitLine, mean, slopeOverIndex, type LineFit } from './stats.js';

/** The swept velocities: ratio r_k = extent·(2k/(n−1) − 1) of max_av, and the float32 input r_k·max_av. */
export function gainVelocities(n: number, extent: number, maxAv: number): { ratio: Float64Array; velocity: Float32Array } {
  const ratio = Float64Array.from({ length: n }, (_, k) => {
    // The middle one is exactly 0, and the grid is symmetric to the bit.
    const m = (n - 1) / 2;
    return (extent * (k - m)) / m;
  });
  return { ratio, velocity: Float32Array.from(ratio, (r) => r * maxAv) };
}

/** Whether a swept ratio lies in the trained range |r| ≤ 1 (with room for the grid's rounding). */
export function inTrainedRange(ratio: number): boolean {
  return Math.abs(ratio) <= 1 + 1e-9;
}

/** Decoded speed (rad/step) of run b of B×T decoded angles: least-squares slope over steps settle…settle+window−1. */
export function decodedSpeed(decoded: Float64Array, b: number, T: number, settle: number, window: number): number {
  return slopeOverIndex(unwrapFrom(decoded, b * T + settle, window, 0)) as number;
}

/** What the gain probe produces: one row per decoder and velocity, and the fit over the trained range. */
export interface GainResult {
  rows: GainRow[];
  fit: Partial<Record<Decoder, LineFit>>;
}

/** Runs the sweep: gain_velocities constant-velocity runs of gain_settle + gain_window steps from angle 0. */
export async function velocityGain(adapter: ModelAdapter, config: EvalConfig & { max_av: number }, onSteps?: (n: number) => void): Promise<GainResult> {
  const { ratio, velocity } = gainVelocities(config.gain_velocities, config.gain_extent, config.max_av);
  const V = velocity.length;
  const T = config.gain_settle + config.gain_window;
  const av = new Float32Array(V * T);
  for (let b = 0; b < V; b++) av.fill(velocity[b], b * T, (b + 1) * T);
  const { decoded, amplitude } = await collectRuns(adapter, { av, angle0: new Float32Array(V), batch: V, steps: T }, config.chunk_size, onSteps);
  return gainTables(adapter.decoders, decoded, amplitude, ratio, velocity, config);
}

/** Rows and fits from the decoded angles (and amplitudes) of the sweep's runs, V×T row-major. */
export function gainTables(
  decoders: readonly Decoder[],
  decoded: Map<string, Float64Array>,
  amplitude: Float64Array | undefined,
  ratio: Float64Array,
  velocity: Float32Array,
  config: Pick<EvalConfig, 'gain_settle' | 'gain_window'>,
): GainResult {
  const V = velocity.length;
  const { gain_settle: settle, gain_window: window } = config;
  const T = settle + window;
  const rows: GainRow[] = [];
  const fit: GainResult['fit'] = {};
  for (const d of decoders) {
    const angles = decoded.get(d) as Float64Array;
    const x: number[] = [];
    const y: number[] = [];
    for (let b = 0; b < V; b++) {
      const speed = decodedSpeed(angles, b, T, settle, window);
      const row: GainRow = {
        decoder: d,
        velocity: velocity[b],
        velocity_ratio: ratio[b],
        trained: inTrainedRange(ratio[b]),
        speed,
        gain: velocity[b] === 0 ? null : speed / velocity[b],
      };
      if (amplitude) {
        const a0 = amplitude[b * T];
        const m = mean(amplitude.subarray(b * T + settle, (b + 1) * T)) as number;
        row.amplitude_ratio = a0 > 0 && Number.isFinite(a0) ? m / a0 : null;
      }
      rows.push(row);
      if (row.trained) {
        x.push(velocity[b]);
        y.push(speed);
      }
    }
    fit[d] = fitLine(x, y);
  }
  return { rows, fit };
}
