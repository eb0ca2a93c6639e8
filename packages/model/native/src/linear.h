// The transformer encoder layer's native steps for one ISA (linear_isa.h): y = x·Wᵀ + b on dense.h's
// row-blocked products, and the backward dx = dy·W (rows split over threads), dWᵀ and db (output
// units split over threads, each summed over every row in order); the activation with its dropout
// mask, elementwise; causal multi-head attention with its dropout, by sequences. Every output element is a sum in one
// fixed order whatever the thread count, so y, dx, dW and db are bit-identical for any number of
// threads. Included by each isa_*.cpp after gru.h (dense.h on kernel.h's tiles).
#pragma once
#include <algorithm>

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
    if (a.mask.on) maskRow(m, static_cast<uint32_t>(e), len, a.mask.key, a.mask.threshold, a.mask.scale);
    for (int i = 0; i < len; i += W) {
      const v mask = a.mask.on ? V::load(m + i) : V::set(1.0f);
      if (a.backward) V::store(a.dx + e + i, V::mul(V::mul(V::load(a.dy + e + i), mask), V::load(d + i)));
      else V::store(a.y + e + i, V::mul(V::load(f + i), mask));
    }
  }
}

/**
 * Sequences [B·part/parts, B·(part + 1)/parts) of an attention step, a (sequence, head) at a time with
 * its keys and values transposed (hd rows of the keys, padded to vectors), so every loop over keys j
 * runs along vectors:
 *   forward   s_j = q_i·k_j/√hd, p = softmax, out_i = Σ_j p_j·m_j·v_j
 *   backward  dp_j = m_j·(dout_i·v_j), dV_j += p_j·m_j·dout_i, ds_j = p_j·(dp_j − Σ_k p_k·dp_k),
 *             dq_i = Σ_j ds_j·k_j/√hd, dK_j += ds_j·q_i/√hd
 */
void attention(const AttentionCall& a, int part, int parts) {
  const int S = a.S, D = a.D, hd = a.hd, SW = (S + W - 1) / W * W, stride = 3 * D;
  const long b0 = static_cast<long>(a.B) * part / parts, b1 = static_cast<long>(a.B) * (part + 1) / parts;
  if (b1 <= b0) return;
  const float rs = 1.0f / __builtin_sqrtf(static_cast<float>(hd));
  float *KT = a.work + attentionWork(S, hd, W) * part, *VT = KT + hd * SW, *dKT = VT + hd * SW, *dVT = dKT + hd * SW;
  float *P = dVT + hd * SW, *M = P + SW, *DP = M + SW, *q = DP + SW, *g = q + hd, *DQ = g + hd;
  for (long b = b0; b < b1; b++) {
    const float* seq = a.qkv + rowOff(b * S, stride);
    for (int h = 0; h < a.nhead; h++) {
      for (int c = 0; c < hd; c++) {
        for (int j = 0; j < SW; j++) {
          KT[c * SW + j] = j < S ? seq[rowOff(j, stride) + D + h * hd + c] : 0.0f;
          VT[c * SW + j] = j < S ? seq[rowOff(j, stride) + 2 * D + h * hd + c] : 0.0f;
        }
      }
      if (a.backward) {
        std::fill(dKT, dKT + hd * SW, 0.0f);
        std::fill(dVT, dVT + hd * SW, 0.0f);
      }
      for (int i = 0; i < S; i++) {
        const int nv = (i + W) / W * W;  // keys 0 … i, in whole vectors
        // Keys and values past i in the last vector are read as 0: a NaN there must not reach row i.
        auto key = [&](const float* t, int j) { return j + W > i + 1 ? V::keepFirst(V::load(t + j), i + 1 - j) : V::load(t + j); };
        for (int c = 0; c < hd; c++) q[c] = seq[rowOff(i, stride) + h * hd + c] * rs;
        // Scores, their maximum over the keys j ≤ i, then exp(s − max) there (0 past i).
        v mx = V::set(-3.4e38f);
        for (int j = 0; j < nv; j += W) {
          v sc = V::zero();
          for (int c = 0; c < hd; c++) sc = V::madd(sc, V::set(q[c]), V::load(KT + c * SW + j));
          V::store(P + j, sc);
          if (j + W <= i + 1) mx = V::max(mx, sc);
        }
        alignas(64) float lanes[W];
        V::store(lanes, mx);
        float top = lanes[0];
        for (int l = 1; l < W; l++) top = lanes[l] > top ? lanes[l] : top;
        for (int j = (i + 1) / W * W; j <= i; j++) top = P[j] > top ? P[j] : top;
        v sum = V::zero();
        for (int j = 0; j < nv; j += W) {
          v e = gru::vexp(V::sub(V::load(P + j), V::set(top)));
          if (j + W > i + 1) e = V::keepFirst(e, i + 1 - j);
          V::store(P + j, e);
          sum = V::add(sum, e);
        }
        const v inv = V::set(1.0f / V::hsum(sum));
        // The mask's element index wraps in 32 bits, as the wasm kernel's does.
        const DropMask& dm = a.mask;
        if (dm.on) maskRow(M, (static_cast<uint32_t>(b) * static_cast<uint32_t>(a.nhead) + static_cast<uint32_t>(h)) * static_cast<uint32_t>(S) * static_cast<uint32_t>(S) + static_cast<uint32_t>(i) * static_cast<uint32_t>(S), nv, dm.key, dm.threshold, dm.scale);
        if (!a.backward) {
          for (int j = 0; j < nv; j += W) V::store(P + j, dm.on ? V::mul(V::mul(V::load(P + j), inv), V::load(M + j)) : V::mul(V::load(P + j), inv));
          float* out = a.out + rowOff(b * S + i, D) + h * hd;
          for (int c = 0; c < hd; c++) {
            v acc = V::zero();
            for (int j = 0; j < nv; j += W) acc = V::madd(acc, V::load(P + j), key(VT + c * SW, j));
            out[c] = V::hsum(acc);
          }
          continue;
        }
        const float* dout = a.dout + rowOff(b * S + i, D) + h * hd;
        for (int c = 0; c < hd; c++) g[c] = dout[c];
        v dot = V::zero();
        for (int j = 0; j < nv; j += W) {
          const v p = V::mul(V::load(P + j), inv);
          V::store(P + j, p);
          const v m = dm.on ? V::load(M + j) : V::set(1.0f);
          const v pm = V::mul(p, m);
          v dp = V::zero();
          for (int c = 0; c < hd; c++) {
            const v gc = V::set(g[c]);
            dp = V::madd(dp, gc, key(VT + c * SW, j));
            V::store(dVT + c * SW + j, V::madd(V::load(dVT + c * SW + j), pm, gc));
          }
          dp = V::mul(dp, m);
          V::store(DP + j, dp);
          dot = V::madd(dot, p, dp);
        }
        const v sdot = V::set(V::hsum(dot));
        float* dq = a.dqkv + rowOff(b * S + i, stride) + h * hd;
        for (int c = 0; c < hd; c++) V::store(DQ + c * W, V::zero());
        for (int j = 0; j < nv; j += W) {
          const v ds = V::mul(V::load(P + j), V::sub(V::load(DP + j), sdot));
          for (int c = 0; c < hd; c++) {
            V::store(dKT + c * SW + j, V::madd(V::load(dKT + c * SW + j), ds, V::set(q[c])));
            V::store(DQ + c * W, V::madd(V::load(DQ + c * W), ds, key(KT + c * SW, j)));
          }
        }
        for (int c = 0; c < hd; c++) dq[c] = V::hsum(V::load(DQ + c * W)) * rs;
      }
      if (!a.backward) continue;
      float* dseq = a.dqkv + rowOff(b * S, stride);
      for (int j = 0; j < S; j++) {
        for (int c = 0; c < hd; c++) {
          dseq[rowOff(j, stride) + D + h * hd + c] = dKT[c * SW + j];
          dseq[rowOff(j, stride) + 2 * D + h * hd + c] = dVT[c * SW + j];
        }
      }
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
                                RING_NS::linear::activation, RING_NS::linear::attention};                                   \
  }
