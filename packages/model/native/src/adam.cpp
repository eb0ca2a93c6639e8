// See adam.h. The loop is written per element in the order of optimizer.ts; the compiler vectorises
// it with the same single-precision operations (no reassociation: the build has no fast-math).
#include "adam.h"

#include <cmath>

namespace ring {
namespace adam {

void update(float* p, const float* g, float* m, float* v, long n, const float* h, bool scaled, bool decayed) {
  const float b1 = h[B1], c1 = h[C1], b2 = h[B2], c2 = h[C2], bc2Sqrt = h[BC2_SQRT], stepSize = h[STEP_SIZE], eps = h[EPS], s = h[SCALE], decay = h[DECAY];
  for (long k = 0; k < n; k++) {
    float pk = decayed ? p[k] * decay : p[k];
    const float gk = scaled ? g[k] * s : g[k];
    const float mk = m[k] * b1 + gk * c1;
    const float vk = v[k] * b2 + (gk * gk) * c2;
    const float denom = std::sqrt(vk) / bc2Sqrt + eps;
    m[k] = mk;
    v[k] = vk;
    p[k] = pk - (mk / denom) * stepSize;
  }
}

}  // namespace adam
}  // namespace ring
