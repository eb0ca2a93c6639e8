// The transformer encoder layer's native steps for one ISA (linear_isa.h): y = x·Wᵀ + b on dense.h's
// row-blocked products, and the backward dx = dy·W (rows split over threads), dWᵀ and db (output
// units split over threads, each summed over every row in order); the activation with its dropout
// mask, elementwise. Every output element is a sum in one
// fixed order whatever the thread count, so y, dx, dW and db are bit-identical for any number of
// threads. Included by each isa_*.cpp after gru.h (dense.h on kernel.h's tiles).
#pragma once
#include "dense.h"
#include "linear_isa.h"

namespace ring {
namespace RING_NS {
namespace linear {

using namespace dense;

void pack(const LinearPlan& P, int job) {
  const LinearCall& c = P.c;
  if (job == 0) {
    packPanels(P.wT, c.KP, c.NP, tileWidth(c.NP), [&](int k, int n) { return k < c.K && n < c.N ? c.w[rowOff(n, c.K) + k] : 0.0f; });
  } else {
    packPanels(P.wP, c.NP, c.KP, tileWidth(c.KP), [&](int n, int k) { return k < c.K && n < c.N ? c.w[rowOff(n, c.K) + k] : 0.0f; });
  }
}

/** C = acc, or C += acc when `add` (the input gradient of a tensor that feeds two layers). */
struct StoreOrAdd {
  float* C;
  int ld;
  int add;
  template <int MR, int NVX>
  RING_INLINE void put(int r0, int nr, int j0, v (&acc)[MR][NVX]) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      if (r >= nr) break;
      float* dst = C + rowOff(r0 + r, ld) + j0;
#pragma GCC unroll 4
      for (int j = 0; j < NVX; j++) V::store(dst + j * W, add ? V::add(V::load(dst + j * W), acc[r][j]) : acc[r][j]);
    }
  }
};

void forward(const LinearPlan& P, int s) {
  const LinearCall& c = P.c;
  const LinearSlice& sl = P.slices[s];
  const int rows = sl.r1 - sl.r0;
  if (rows <= 0) return;
  const PackedB wT{P.wT, c.KP};
  rowBlocks(rows, c.NP, c.KP, c.x + rowOff(sl.r0, c.KP), c.KP, wT, sl.PART, [&](int q) { return StoreBias{c.y + rowOff(sl.r0 + q, c.NP), c.NP, c.b}; });
}

void backward(const LinearPlan& P, int s) {
  const LinearCall& c = P.c;
  const LinearSlice& sl = P.slices[s];
  const int rows = sl.r1 - sl.r0;
  if (rows > 0 && c.dx != nullptr) {
    const PackedB wP{P.wP, c.NP};
    rowBlocks(rows, c.KP, c.NP, c.dy + rowOff(sl.r0, c.NP), c.NP, wP, sl.PART, [&](int q) { return StoreOrAdd{c.dx + rowOff(sl.r0 + q, c.KP), c.KP, c.accumulate}; });
  }
  // Units n0 … n1 − 1 (a multiple of W of them): dWᵀ's columns Σ_m x[m] ⊗ dy[m][n0 … n1) and db, their
  // column sums, both over every row m in order.
  const int units = sl.n1 - sl.n0;
  if (units <= 0) return;
  zero(sl.DWT, static_cast<long>(c.KP) * units);
  zero(sl.DB, units);
  outerSum(sl.DWT, c.KP, units, c.M, c.x, c.KP, c.dy + sl.n0, c.NP, sl.WORK, sl.DB);
  for (int n = sl.n0; n < imin(sl.n1, c.N); n++) {
    for (int k = 0; k < c.K; k++) c.dw[rowOff(n, c.K) + k] = sl.DWT[rowOff(k, units) + n - sl.n0];
    c.db[n] = sl.DB[n - sl.n0];
  }
}

/**
 * Floats [n·part/parts, n·(part + 1)/parts) of an activation step (bounds rounded to blocks), a block
 * at a time: F and F′ from the kernels' generated activations (the ring's), then the mask.
 */
void activation(const ActivationCall& a, int part, int parts) {
  // 192 floats: three vectors in lockstep fill the generated loop on every path (3 × 16 × 4).
  constexpr int BLOCK = 192;
  const long blocks = (a.n + BLOCK - 1) / BLOCK;
  const long end = blocks * (part + 1) / parts * BLOCK, e1 = end < a.n ? end : a.n;
  alignas(64) float f[BLOCK], d[BLOCK], m[BLOCK];
  for (long e = blocks * part / parts * BLOCK; e < e1; e += BLOCK) {
    const int len = static_cast<int>(e1 - e < BLOCK ? e1 - e : BLOCK);
    std::memcpy(f, a.x + e, sizeof(float) * len);
    activateWithGradRow<V>(f, d, len, a.act);
    if (a.masked) maskRow(m, static_cast<uint32_t>(e), len, a.key, a.threshold, a.scale);
    for (int i = 0; i < len; i += W) {
      const v mask = a.masked ? V::load(m + i) : V::set(1.0f);
      if (a.backward) V::store(a.dx + e + i, V::mul(V::mul(V::load(a.dy + e + i), mask), V::load(d + i)));
      else V::store(a.y + e + i, V::mul(V::load(f + i), mask));
    }
  }
}

}  // namespace linear
}  // namespace RING_NS
}  // namespace ring

/** The ISA's entry in the addon's linear table. */
#define RING_DEFINE_LINEAR(var, label)                                                                                        \
  namespace ring {                                                                                                            \
  extern const LinearOps var = {label,           RING_NS::W,              RING_NS::dense::K_CHUNK, RING_NS::dense::ROW_BLOCK, \
                                RING_NS::MR_MAX, RING_NS::linear::pack,   RING_NS::linear::forward, RING_NS::linear::backward, \
                                RING_NS::linear::activation};                                                               \
  }
