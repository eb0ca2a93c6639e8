/** Angles: the principal value every stage wraps to. */

const TWO_PI = 2 * Math.PI;

/** x wrapped into (−π, π]: atan2(sin x, cos x) to float64 round-off, without its three transcendental calls. */
export function wrapToPi(x: number): number {
  const y = x - TWO_PI * Math.round(x / TWO_PI);
  return y <= -Math.PI ? y + TWO_PI : y;
}
