// Vector traits V of one ISA: the lane count W and the few operations the kernel and the generated
// activations (kernel-spec/activations.mjs) use. The including translation unit defines exactly one
// of RING_VEC_AVX512, RING_VEC_AVX2, RING_VEC_GENERIC (with RING_VEC_LANES) and is compiled with that
// ISA's flags; everything here lives in that unit's own namespace.
//
// min/max return their first operand when it is NaN (x86's min/max return the second operand on
// NaN, so the operands are swapped), so a NaN keeps propagating through clamps and relu as in wasm.
#pragma once
#include <cstdint>
#include <cstring>

#define RING_INLINE inline __attribute__((always_inline))

#if defined(RING_VEC_AVX512)
#include <immintrin.h>
struct V {
  static constexpr int W = 16;
  using v = __m512;
  using m = __mmask16;
  static RING_INLINE v load(const float* p) { return _mm512_loadu_ps(p); }
  static RING_INLINE void store(float* p, v x) { _mm512_storeu_ps(p, x); }
  static RING_INLINE v loadN(const float* p, int n) { return _mm512_maskz_loadu_ps(static_cast<m>((1u << n) - 1), p); }
  static RING_INLINE void storeN(float* p, v x, int n) { _mm512_mask_storeu_ps(p, static_cast<m>((1u << n) - 1), x); }
  static RING_INLINE v set(float x) { return _mm512_set1_ps(x); }
  static RING_INLINE v bcast(const float* p) { return _mm512_set1_ps(*p); }
  static RING_INLINE v zero() { return _mm512_setzero_ps(); }
  static RING_INLINE v add(v a, v b) { return _mm512_add_ps(a, b); }
  static RING_INLINE v sub(v a, v b) { return _mm512_sub_ps(a, b); }
  static RING_INLINE v mul(v a, v b) { return _mm512_mul_ps(a, b); }
  static RING_INLINE v div(v a, v b) { return _mm512_div_ps(a, b); }
  /** 1/a to ~23 bits: the 14-bit estimate and one Newton step (a quarter of a division's time). */
  static RING_INLINE v recip(v a) {
    const v r = _mm512_rcp14_ps(a);
    return _mm512_mul_ps(r, _mm512_fnmadd_ps(a, r, _mm512_set1_ps(2.0f)));
  }
  static RING_INLINE v madd(v acc, v a, v b) { return _mm512_fmadd_ps(a, b, acc); }
  static RING_INLINE v min(v a, v b) { return _mm512_min_ps(b, a); }
  static RING_INLINE v max(v a, v b) { return _mm512_max_ps(b, a); }
  static RING_INLINE v abs(v a) { return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(a), _mm512_set1_epi32(0x7fffffff))); }
  static RING_INLINE v nearest(v a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static RING_INLINE v pow2i(v n) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(n), _mm512_set1_epi32(127)), 23));
  }
  static RING_INLINE m ge(v a, v b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
  static RING_INLINE m gt(v a, v b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static RING_INLINE v select(v a, v b, m k) { return _mm512_mask_blend_ps(k, b, a); }
  static RING_INLINE v andm(m k, v a) { return _mm512_maskz_mov_ps(k, a); }
  static RING_INLINE v flush(v x) { return _mm512_mask_mov_ps(x, _mm512_cmp_ps_mask(abs(x), set(1e-30f), _CMP_LT_OQ), zero()); }
  /** x with lanes n… zeroed. */
  static RING_INLINE v keepFirst(v x, int n) { return _mm512_maskz_mov_ps(static_cast<m>((1u << n) - 1), x); }
  static RING_INLINE float hsum(v x) {
    __m256 h = _mm256_add_ps(_mm512_castps512_ps256(x), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)));
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    return _mm_cvtss_f32(_mm_add_ss(q, _mm_shuffle_ps(q, q, 1)));
  }
};

#elif defined(RING_VEC_AVX2)
#include <immintrin.h>
struct V {
  static constexpr int W = 8;
  using v = __m256;
  using m = __m256;
  static RING_INLINE __m256i firstLanes(int n) { return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }
  static RING_INLINE v load(const float* p) { return _mm256_loadu_ps(p); }
  static RING_INLINE void store(float* p, v x) { _mm256_storeu_ps(p, x); }
  static RING_INLINE v loadN(const float* p, int n) { return _mm256_maskload_ps(p, firstLanes(n)); }
  static RING_INLINE void storeN(float* p, v x, int n) { _mm256_maskstore_ps(p, firstLanes(n), x); }
  static RING_INLINE v set(float x) { return _mm256_set1_ps(x); }
  static RING_INLINE v bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static RING_INLINE v zero() { return _mm256_setzero_ps(); }
  static RING_INLINE v add(v a, v b) { return _mm256_add_ps(a, b); }
  static RING_INLINE v sub(v a, v b) { return _mm256_sub_ps(a, b); }
  static RING_INLINE v mul(v a, v b) { return _mm256_mul_ps(a, b); }
  static RING_INLINE v div(v a, v b) { return _mm256_div_ps(a, b); }
  /** 1/a to ~22 bits: the 12-bit estimate and one Newton step (a quarter of a division's time). */
  static RING_INLINE v recip(v a) {
    const v r = _mm256_rcp_ps(a);
    return _mm256_mul_ps(r, _mm256_fnmadd_ps(a, r, _mm256_set1_ps(2.0f)));
  }
  static RING_INLINE v madd(v acc, v a, v b) { return _mm256_fmadd_ps(a, b, acc); }
  static RING_INLINE v min(v a, v b) { return _mm256_min_ps(b, a); }
  static RING_INLINE v max(v a, v b) { return _mm256_max_ps(b, a); }
  static RING_INLINE v abs(v a) { return _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff))); }
  static RING_INLINE v nearest(v a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static RING_INLINE v pow2i(v n) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23));
  }
  static RING_INLINE m ge(v a, v b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
  static RING_INLINE m gt(v a, v b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static RING_INLINE v select(v a, v b, m k) { return _mm256_blendv_ps(b, a, k); }
  static RING_INLINE v andm(m k, v a) { return _mm256_and_ps(k, a); }
  static RING_INLINE v flush(v x) { return _mm256_andnot_ps(_mm256_cmp_ps(abs(x), set(1e-30f), _CMP_LT_OQ), x); }
  static RING_INLINE v keepFirst(v x, int n) { return _mm256_and_ps(x, _mm256_castsi256_ps(firstLanes(n))); }
  static RING_INLINE float hsum(v x) {
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    return _mm_cvtss_f32(_mm_add_ss(q, _mm_shuffle_ps(q, q, 1)));
  }
};

#elif defined(RING_VEC_GENERIC)
// GCC/Clang vector extensions: any target, any width (RING_VEC_LANES floats). Built without FMA
// contraction (-ffp-contract=off), so madd is a multiply then an add, as in the plain wasm build.
struct V {
  static constexpr int W = RING_VEC_LANES;
  typedef float v __attribute__((vector_size(4 * RING_VEC_LANES), aligned(4)));
  typedef int32_t m __attribute__((vector_size(4 * RING_VEC_LANES), aligned(4)));
  static RING_INLINE v load(const float* p) {
    v x;
    std::memcpy(&x, p, sizeof x);
    return x;
  }
  static RING_INLINE void store(float* p, v x) { std::memcpy(p, &x, sizeof x); }
  static RING_INLINE v loadN(const float* p, int n) {
    v x = zero();
    for (int i = 0; i < n; i++) x[i] = p[i];
    return x;
  }
  static RING_INLINE void storeN(float* p, v x, int n) {
    for (int i = 0; i < n; i++) p[i] = x[i];
  }
  static RING_INLINE v set(float x) { return v{} + x; }
  static RING_INLINE v bcast(const float* p) { return set(*p); }
  static RING_INLINE v zero() { return v{}; }
  static RING_INLINE v add(v a, v b) { return a + b; }
  static RING_INLINE v sub(v a, v b) { return a - b; }
  static RING_INLINE v mul(v a, v b) { return a * b; }
  static RING_INLINE v div(v a, v b) { return a / b; }
  static RING_INLINE v recip(v a) { return 1.0f / a; }
  static RING_INLINE v madd(v acc, v a, v b) { return acc + a * b; }
  static RING_INLINE v min(v a, v b) { return b < a ? b : a; }
  static RING_INLINE v max(v a, v b) { return b > a ? b : a; }
  static RING_INLINE v abs(v a) { return (v)((m)a & 0x7fffffff); }
  /** Round half to even for |a| < 2^22 (the only use: n of exp after its clamp, |n| ≤ 127). */
  static RING_INLINE v nearest(v a) {
    const v magic = set(12582912.0f);  // 1.5·2^23: adding it leaves no fraction bits
    return (a + magic) - magic;
  }
  static RING_INLINE v pow2i(v n) { return (v)((__builtin_convertvector(n, m) + 127) << 23); }
  static RING_INLINE m ge(v a, v b) { return a >= b; }
  static RING_INLINE m gt(v a, v b) { return a > b; }
  static RING_INLINE v select(v a, v b, m k) { return k ? a : b; }
  static RING_INLINE v andm(m k, v a) { return (v)(k & (m)a); }
  static RING_INLINE v flush(v x) { return (v)((m)x & ~(abs(x) < set(1e-30f))); }
  static RING_INLINE v keepFirst(v x, int n) {
    for (int i = n; i < W; i++) x[i] = 0;
    return x;
  }
  static RING_INLINE float hsum(v x) {
    // Halving pairwise sums, a fixed order whatever the width.
    float t[W];
    std::memcpy(t, &x, sizeof t);
    for (int w = W / 2; w >= 1; w /= 2)
      for (int i = 0; i < w; i++) t[i] = t[i] + t[i + w];
    return t[0];
  }
};

#else
#error "define one of RING_VEC_AVX512, RING_VEC_AVX2, RING_VEC_GENERIC"
#endif
