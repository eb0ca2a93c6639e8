// The GRU baseline's output head, y = linear(W2, dropout(relu(linear(W1, LayerNorm(x))))), forward
// and backward over one slice of rows, for one ISA: the dense op normMlp of src/baselines/ops.ts with
// the wasm op's arithmetic (assembly/ops.ts: normForward/Backward, linearForward/Backward,
// activationForward/Backward; src/baselines/kernel/normMlp.ts). Included by each isa_*.cpp after
// gru.h (dense.h's products on kernel.h's tiles).
//
//   forward   x̂ = (x − μ)·rstd, N = x̂·γ + β              per row
//             F1 = N·W1ᵀ + b1, A = relu(F1)·mask         one product; the epilogue applies bias, relu, mask
//             y = A·W2ᵀ + b2                             dot products (W2 has O = 2 rows)
//   backward  dA = dy·W2, dW2 += dyᵀ·A, DF = dA·[F1 > 0]·mask          per row
//             DN = DF·W1, dW1ᵀ += Nᵀ·DF (db1 from its packing)
//             dx = rstd·(g − mean g − x̂·mean(g·x̂)), g = DN·γ; dγ += DN·x̂, dβ += DN
// y and dx of a row do not depend on the slicing (bit-identical for every thread count); the weight
// gradients are summed per slice, then across slices in slice order.
#pragma once
#include "dense.h"
#include "head_isa.h"

namespace ring {
namespace RING_NS {
namespace head {

using namespace dense;

void pack(const HeadPlan& P, const HeadForwardIO& io, int job) {
  const HeadShape& s = P.s;
  const int H = s.H, F = s.F, O = s.O, HP = P.HP, FP = P.FP;
  if (job == 0) {
    packPanels(P.w1T, H, FP, tileWidth(FP), [&](int k, int j) { return j < F ? io.w1[static_cast<long>(j) * H + k] : 0.0f; });
  } else if (job == 1) {
    packPanels(P.w1, F, HP, tileWidth(HP), [&](int f, int h) { return h < H ? io.w1[static_cast<long>(f) * H + h] : 0.0f; });
  } else {
    for (int o = 0; o < O; o++)
      for (int j = 0; j < FP; j++) P.w2[rowOff(o, FP) + j] = j < F ? io.w2[rowOff(o, F) + j] : 0.0f;
    for (int j = 0; j < FP; j++) P.b1[j] = j < F ? io.b1[j] : 0.0f;
    for (int o = 0; o < O; o++) P.b2[o] = io.b2[o];
    for (int j = 0; j < HP; j++) {
      P.g[j] = j < H ? io.g[j] : 0.0f;
      P.beta[j] = j < H ? io.b[j] : 0.0f;
    }
  }
}

/** The hidden layer's mask multipliers of W units from element `base` (row·F + column). */
RING_INLINE v maskVec(const HeadShape& s, long base) {
  if (!s.masked) return V::set(1.0f);
  alignas(64) float m[W];
  maskRow(m, static_cast<uint32_t>(base), W, s.key, s.threshold, s.scale);
  return V::load(m);
}

/** F1 = acc + b1 and A = relu(F1)·mask for a tile of rows (row0 + r: the global row, for the mask). */
struct Hidden {
  float* F1;
  float* A;
  int ld;
  const float* b1;
  long row0;
  const HeadShape* s;
  template <int MR, int NVX>
  RING_INLINE void put(int r0, int nr, int j0, v (&acc)[MR][NVX]) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      if (r >= nr) break;
      const long at = rowOff(r0 + r, ld) + j0;
      const long element = (row0 + r0 + r) * s->F + j0;
#pragma GCC unroll 4
      for (int j = 0; j < NVX; j++) {
        const v f = V::add(acc[r][j], V::load(b1 + j0 + j * W));
        V::store(F1 + at + j * W, f);
        // max returns its first operand for NaN: a NaN passes, as torch.relu lets it.
        V::store(A + at + j * W, V::mul(V::max(f, V::zero()), maskVec(*s, element + j * W)));
      }
    }
  }
};

void forward(const HeadPlan& P, const HeadForwardIO& io, int s) {
  const HeadShape& sh = P.s;
  const HeadSlice& sl = P.slices[s];
  const int rows = sl.r1 - sl.r0;
  if (rows <= 0) return;
  const int H = sh.H, O = sh.O, HP = P.HP, FP = P.FP;
  const float h = static_cast<float>(H);
  for (int q = 0; q < rows; q++) {
    float* xh = sl.XH + rowOff(q, HP);
    loadRow(xh, io.x + rowOff(sl.r0 + q, H), H, HP);
    v acc = V::zero();
    for (int j = 0; j < HP; j += W) acc = V::add(acc, V::load(xh + j));
    const float mu = V::hsum(acc) / h;
    acc = V::zero();
    for (int j = 0; j < HP; j += W) {
      v d = V::sub(V::load(xh + j), V::set(mu));
      if (j + W > H) d = V::keepFirst(d, H - j);
      acc = V::madd(acc, d, d);
    }
    const float rstd = 1.0f / __builtin_sqrtf(V::hsum(acc) / h + sh.eps);
    sl.RSTD[q] = rstd;
    float* n = sl.N + rowOff(q, HP);
    for (int j = 0; j < HP; j += W) {
      v x = V::mul(V::sub(V::load(xh + j), V::set(mu)), V::set(rstd));
      if (j + W > H) x = V::keepFirst(x, H - j);
      V::store(xh + j, x);
      V::store(n + j, V::madd(V::load(P.beta + j), x, V::load(P.g + j)));
    }
  }
  const PackedB w1T{P.w1T, H};
  rowBlocks(rows, FP, H, sl.N, HP, w1T, sl.PART, [&](int r0) { return Hidden{sl.F1 + rowOff(r0, FP), sl.A + rowOff(r0, FP), FP, P.b1, sl.r0 + r0, &sh}; });
  float* y = io.y + rowOff(sl.r0, O);
  rowDots(rows, O, FP, sl.A, FP, P.w2, y, O);
  for (int q = 0; q < rows; q++)
    for (int o = 0; o < O; o++) y[rowOff(q, O) + o] += P.b2[o];
}

void backward(const HeadPlan& P, const HeadBackwardIO& io, int s) {
  const HeadShape& sh = P.s;
  const HeadSlice& sl = P.slices[s];
  const int rows = sl.r1 - sl.r0;
  const int H = sh.H, F = sh.F, O = sh.O, HP = P.HP, FP = P.FP;
  zero(sl.dW1, static_cast<long>(HP) * FP);
  zero(sl.dW2, static_cast<long>(O) * FP);
  zero(sl.db1, FP);
  zero(sl.db2, O);
  zero(sl.dg, HP);
  zero(sl.dbeta, HP);
  if (rows <= 0) return;
  // The second linear and the activation, row by row.
  for (int q = 0; q < rows; q++) {
    const float* dy = io.dy + rowOff(sl.r0 + q, O);
    const float* a = sl.A + rowOff(q, FP);
    const float* f1 = sl.F1 + rowOff(q, FP);
    float* df = sl.DF + rowOff(q, FP);
    const long element = static_cast<long>(sl.r0 + q) * F;
    for (int j = 0; j < FP; j += W) {
      v da = V::zero();
      for (int o = 0; o < O; o++) {
        const v d = V::set(dy[o]);
        da = V::madd(da, d, V::load(P.w2 + rowOff(o, FP) + j));
        V::store(sl.dW2 + rowOff(o, FP) + j, V::madd(V::load(sl.dW2 + rowOff(o, FP) + j), d, V::load(a + j)));
      }
      // relu′(x) = [x > 0], as torch's threshold_backward.
      const v on = V::andm(V::gt(V::load(f1 + j), V::zero()), V::set(1.0f));
      V::store(df + j, V::mul(V::mul(da, maskVec(sh, element + j)), on));
    }
    for (int o = 0; o < O; o++) sl.db2[o] += dy[o];
  }
  // The first linear: its input gradient and the weight gradient (db1 from the packing).
  const PackedB w1{P.w1, F};
  rowBlocks(rows, HP, F, sl.DF, FP, w1, sl.PART, [&](int r0) { return StoreMasked{sl.DN + rowOff(r0, HP), HP, nullptr}; });
  outerSum(sl.dW1, HP, FP, rows, sl.N, HP, sl.DF, FP, sl.WORK, sl.db1);
  // LayerNorm, row by row.
  const float invH = 1.0f / static_cast<float>(H);
  for (int q = 0; q < rows; q++) {
    float* dn = sl.DN + rowOff(q, HP);
    const float* xh = sl.XH + rowOff(q, HP);
    v sg = V::zero(), sgx = V::zero();
    for (int j = 0; j < HP; j += W) {
      const v d = V::load(dn + j), x = V::load(xh + j);
      const v g = V::mul(d, V::load(P.g + j));
      sg = V::add(sg, g);
      sgx = V::madd(sgx, g, x);
      V::store(sl.dg + j, V::madd(V::load(sl.dg + j), d, x));
      V::store(sl.dbeta + j, V::add(V::load(sl.dbeta + j), d));
    }
    const v mg = V::set(V::hsum(sg) * invH), mgx = V::set(V::hsum(sgx) * invH), rstd = V::set(sl.RSTD[q]);
    for (int j = 0; j < HP; j += W) {
      const v g = V::mul(V::load(dn + j), V::load(P.g + j));
      V::store(dn + j, V::mul(rstd, V::sub(V::sub(g, mg), V::mul(V::load(xh + j), mgx))));
    }
    storeRow(io.dx + rowOff(sl.r0 + q, H), dn, H);
  }
}

void reduce(const HeadPlan& P, const HeadBackwardIO& io, int part, int parts) {
  const HeadShape& sh = P.s;
  const int H = sh.H, F = sh.F, O = sh.O, FP = P.FP, S = P.S;
  auto sum = [&](float* HeadSlice::*buf, long at) {
    float x = (P.slices[0].*buf)[at];
    for (int s = 1; s < S; s++) x += (P.slices[s].*buf)[at];
    return x;
  };
  const long f0 = static_cast<long>(F) * part / parts, f1 = static_cast<long>(F) * (part + 1) / parts;
  for (long f = f0; f < f1; f++) {
    for (int h = 0; h < H; h++) io.dw1[f * H + h] = sum(&HeadSlice::dW1, rowOff(h, FP) + f);
    io.db1[f] = sum(&HeadSlice::db1, f);
    for (int o = 0; o < O; o++) io.dw2[rowOff(o, F) + f] = sum(&HeadSlice::dW2, rowOff(o, FP) + f);
  }
  if (part != 0) return;
  for (int o = 0; o < O; o++) io.db2[o] = sum(&HeadSlice::db2, o);
  for (int h = 0; h < H; h++) {
    io.dg[h] = sum(&HeadSlice::dg, h);
    io.db[h] = sum(&HeadSlice::dbeta, h);
  }
}

}  // namespace head
}  // namespace RING_NS
}  // namespace ring

/** The ISA's entry in the addon's head table. */
#define RING_DEFINE_HEAD(var, label)                                                                                                 \
  namespace ring {                                                                                                                   \
  extern const HeadOps var = {label,                   RING_NS::W,                   RING_NS::dense::K_CHUNK, RING_NS::dense::ROW_BLOCK, \
                              RING_NS::MR_MAX,         RING_NS::head::pack,          RING_NS::head::forward,  RING_NS::head::backward,   \
                              RING_NS::head::reduce};                                                                                    \
  }
