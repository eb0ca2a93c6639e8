// Small f32x4 helpers shared by the kernel and its generated activation pass.

@inline export function vs(x: f32): v128 {
  return f32x4.splat(x);
}
@inline export function add(a: v128, b: v128): v128 {
  return f32x4.add(a, b);
}
@inline export function sub(a: v128, b: v128): v128 {
  return f32x4.sub(a, b);
}
@inline export function mul(a: v128, b: v128): v128 {
  return f32x4.mul(a, b);
}
@inline export function madd(acc: v128, a: v128, b: v128): v128 {
  // Built twice: with relaxed SIMD this is one fused multiply-add where the CPU has FMA.
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
@inline export function hsum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))
  );
}
/**
 * Zeroes lanes with |x| < 1e-30: denormals are very slow in the GEMMs and carry no signal.
 * NaN compares false and passes through, so a diverged model stays visibly diverged.
 */
@inline export function flush(x: v128): v128 {
  return v128.andnot(x, f32x4.lt(f32x4.abs(x), vs(1e-30)));
}
/** All-ones in lanes l with l < n (n may exceed 4). */
@inline export function laneMask(n: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(n));
}

