/** Angles on the circle: the error metric of docs/model.md §5 and phase unwrapping. */

import { wrapToPi } from '@ring-attractor/common';

const TWO_PI = 2 * Math.PI;

/** Degrees per radian. */
export const DEG = 180 / Math.PI;

/** Circular distance min(|a − b| mod 2π, 2π − that) in radians, in [0, π]; NaN if either is not finite. */
export function circularDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % TWO_PI;
  return Math.min(d, TWO_PI - d);
}

export { wrapToPi };

/**
 * Unwraps `angles[from..from+count)` (radians, any branch) into a continuous path that starts at
 * `wrapToPi(angles[from] − reference)`: each step adds the wrapped difference to the previous one.
 * Steps of π or more per sample are ambiguous and read as the shorter way round.
 */
export function unwrapFrom(angles: ArrayLike<number>, from: number, count: number, reference: number): Float64Array {
  const out = new Float64Array(count);
  if (count === 0) return out;
  let acc = wrapToPi(angles[from] - reference);
  out[0] = acc;
  for (let i = 1; i < count; i++) {
    acc += wrapToPi(angles[from + i] - angles[from + i - 1]);
    out[i] = acc;
  }
  return out;
}
