// Adam's elementwise update (packages/train/src/optimizer.ts) for the addon's adamUpdate
// (adam_exports.inc). Compiled for the baseline ISA (SSE2 on x86-64).
//
// Bit-identical to the JavaScript loop: that loop rounds every operation to float32 (Math.fround of
// a double result), and for +, −, ×, ÷ and √ rounding the double result to float32 gives the
// correctly rounded float32 result, which is what these float32 operations compute. The build
// passes -ffp-contract=off (no fused multiply-adds) and nothing here changes the rounding mode or
// flushes denormals, so every element comes out with the same bits.
#pragma once
#include <cstddef>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ring {

/** The update's float32 constants, in AdamConstant order (the JavaScript side computes them). */
enum AdamConstant { AC_B1, AC_C1, AC_B2, AC_C2, AC_BC2SQRT, AC_STEP, AC_EPS, AC_SCALE, AC_DECAY, AC_WORDS };

/**
 * p, m, v ← one Adam step with gradient g over n elements; g·scale when `scaled`, p·decay first
 * when `decayed` (torch's AdamW order).
 */
inline void adamElements(float* p, const float* g, float* m, float* v, size_t n, const float* c, bool scaled, bool decayed) {
  size_t k = 0;
#if defined(__SSE2__)
  const __m128 b1 = _mm_set1_ps(c[AC_B1]), c1 = _mm_set1_ps(c[AC_C1]), b2 = _mm_set1_ps(c[AC_B2]), c2 = _mm_set1_ps(c[AC_C2]);
  const __m128 bc = _mm_set1_ps(c[AC_BC2SQRT]), step = _mm_set1_ps(c[AC_STEP]), eps = _mm_set1_ps(c[AC_EPS]);
  const __m128 s = _mm_set1_ps(c[AC_SCALE]), decay = _mm_set1_ps(c[AC_DECAY]);
  for (; k + 4 <= n; k += 4) {
    __m128 pk = _mm_loadu_ps(p + k);
    if (decayed) pk = _mm_mul_ps(pk, decay);
    __m128 gk = _mm_loadu_ps(g + k);
    if (scaled) gk = _mm_mul_ps(gk, s);
    const __m128 mk = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(m + k), b1), _mm_mul_ps(gk, c1));
    const __m128 vk = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(v + k), b2), _mm_mul_ps(_mm_mul_ps(gk, gk), c2));
    const __m128 denom = _mm_add_ps(_mm_div_ps(_mm_sqrt_ps(vk), bc), eps);
    _mm_storeu_ps(m + k, mk);
    _mm_storeu_ps(v + k, vk);
    _mm_storeu_ps(p + k, _mm_sub_ps(pk, _mm_mul_ps(_mm_div_ps(mk, denom), step)));
  }
#endif
  for (; k < n; k++) {
    float pk = p[k];
    if (decayed) pk = pk * c[AC_DECAY];
    const float gk = scaled ? g[k] * c[AC_SCALE] : g[k];
    const float mk = m[k] * c[AC_B1] + gk * c[AC_C1];
    const float vk = v[k] * c[AC_B2] + (gk * gk) * c[AC_C2];
    const float denom = __builtin_sqrtf(vk) / c[AC_BC2SQRT] + c[AC_EPS];
    m[k] = mk;
    v[k] = vk;
    p[k] = pk - (mk / denom) * c[AC_STEP];
  }
}

}  // namespace ring
