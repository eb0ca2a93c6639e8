// The fused GRU stack (torch.nn.GRU semantics, the contract of src/baselines/gruStack.ts) for one
// ISA: weight packing, forward and backward through time of every layer over one batch slice, and
// the slices' gradient reduction. The arithmetic is the wasm engine's (assembly/gru.ts): the same
// gate formulas, exp, dropout masks from their key, and weight gradients summed per slice then
// across slices in slice order; only σ's and tanh's 1/x is V::recip (an estimate and a Newton step
// on the x86 paths: the forward's epilogue has three per gate vector, and a division costs ~4×). Included by each isa_*.cpp after kernel.h, whose register tiles and
// products (gemm, gemmPanel in kBlocks, accumulate, the row and B-operand sources) it uses.
//
// Per slice everything is t-major: row t·Bs + b. A step's states are Bs rows of HP floats, its gate
// pre-activations Bs rows of G = 3·HP in the interleaved gate order of gru_isa.h. Products:
//   forward   GX  = X_k·W_ihᵀ + b              by chunks of steps, just before the recurrence reads them
//             per step: h_t·W_hhᵀ, one tile = r, z, n of W units; the gates and h_{t+1} are
//             computed in the tile's epilogue (no gate products leave the registers unfinished)
//   backward  per step: dh_t = g_t ⊙ z_t + DGH_t·W_hh; the epilogue goes on with the gate
//             gradients of step t−1 for the same units (g_{t−1} = DY_{t−1} + dh_t)
//             dW_hh += DGHᵀ·H, dW_ih += DGXᵀ·X_k (k-chunks), db = column sums, dX_k = DGX·W_ih
// Every output element's sum runs over k in one fixed order whatever the slice, so out, dx and dh0
// are bit-identical for every thread count; the weight gradients regroup with the slices.
#pragma once
#include "dense.h"
#include "gru_isa.h"

namespace ring {
namespace RING_NS {
namespace gru {

using namespace dense;

// Rows of the recurrent forward tile (× 3 vectors: r, z, n): 24 accumulators of 32 registers with
// AVX-512, 12 of 16 otherwise.
constexpr int FMR = W >= 16 ? 8 : 4;
static_assert(FMR <= MR_MAX, "the partial sums' slack (MR_MAX rows) covers the recurrent tile");

// ---- exp, sigmoid, tanh (assembly/simd.ts's vexp: Cephes' expf, argument clamped to [−87, 88]) ----

RING_INLINE v vexp(v x) {
  const v c = V::max(V::min(x, V::set(88.0f)), V::set(-87.0f));
  const v n = V::nearest(V::mul(c, V::set(1.44269504088896341f)));
  v r = V::sub(c, V::mul(n, V::set(0.693359375f)));
  r = V::sub(r, V::mul(n, V::set(-2.12194440e-4f)));
  v p = V::madd(V::set(1.3981999507e-3f), V::set(1.9875691500e-4f), r);
  p = V::madd(V::set(8.3334519073e-3f), p, r);
  p = V::madd(V::set(4.1665795894e-2f), p, r);
  p = V::madd(V::set(1.6666665459e-1f), p, r);
  p = V::madd(V::set(5.0000001201e-1f), p, r);
  const v e = V::add(V::add(V::mul(V::mul(r, r), p), r), V::set(1.0f));
  return V::mul(e, V::pow2i(n));
}
RING_INLINE v sigmoid(v x) { return V::recip(V::add(V::set(1.0f), vexp(V::sub(V::zero(), x)))); }
RING_INLINE v vtanh(v x) { return V::sub(V::set(1.0f), V::mul(V::set(2.0f), V::recip(V::add(vexp(V::add(x, x)), V::set(1.0f))))); }

// ---- layout -------------------------------------------------------------------------------------

/** torch row (gate·H + unit) of interleaved gate column c, or −1 for a padding unit. */
RING_INLINE int torchRow(int c, int H) {
  const int w = c % (3 * W), unit = c / (3 * W) * W + w % W;
  return unit < H ? w / W * H + unit : -1;
}
/** Interleaved gate column of torch row q (gate·H + unit). */
RING_INLINE int gateColumn(int q, int H) {
  const int gate = q / H, unit = q % H;
  return unit / W * 3 * W + gate * W + unit % W;
}

// ---- epilogues ------------------------------------------------------------------------------------

/**
 * One step of the forward for W units of Bs rows, from the recurrent products acc = h_t·W_hhᵀ of
 * gate group j0 / 3W:
 *   r = σ(gx_r + gh_r),  z = σ(gx_z + gh_z),  ghn = gh_n + b_hn,  n = tanh(gx_n + r·ghn),
 *   h_{t+1} = n + z·(h_t − n)
 * (gx holds the input products with b_ih and, for r and z, b_hh). r, z, n replace gx; ghn is kept.
 */
struct GatesForward {
  float* gx;
  float* ghn;
  const float* h;
  float* hn;
  const float* bhn;
  int HP, G;
  template <int MR, int NVX>
  RING_INLINE void put(int r0, int nr, int j0, v (&acc)[MR][NVX]) {
    static_assert(NVX == 3, "one gate group per tile");
    const int u = j0 / 3;  // first unit of the group
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      if (r >= nr) break;
      float* x = gx + rowOff(r0 + r, G) + j0;
      const long at = rowOff(r0 + r, HP) + u;
      const v rg = sigmoid(V::add(V::load(x), acc[r][0]));
      const v z = sigmoid(V::add(V::load(x + W), acc[r][1]));
      const v gn = V::add(acc[r][2], V::load(bhn + u));
      const v n = vtanh(V::madd(V::load(x + 2 * W), rg, gn));
      V::store(hn + at, V::madd(n, z, V::sub(V::load(h + at), n)));
      V::store(x, rg);
      V::store(x + W, z);
      V::store(x + 2 * W, n);
      V::store(ghn + at, gn);
    }
  }
};

/** A step's saved forward values, for the gate gradients. */
struct StepSaved {
  const float* gates;  // Bs × G: r, z, n
  const float* ghn;    // Bs × HP
  const float* h;      // Bs × HP: the state the step started from
  float* dgh;          // Bs × G, written
  float* dgx;          // Bs × G, written
};

/**
 * Gate gradients of W units (from unit u) of row b, given g = dL/dh_{t+1} (assembly/gru.ts's
 * gatesBackward): DGH, DGX of the step, and DH = g ⊙ z (the direct path to h_t).
 */
RING_INLINE void gateGrads(v g, long b, int u, const StepSaved& s, float* DH, int HP, int G) {
  const v one = V::set(1.0f);
  const float* gr = s.gates + rowOff(b, G) + 3 * u;
  const long at = rowOff(b, HP) + u;
  const v r = V::load(gr), z = V::load(gr + W), n = V::load(gr + 2 * W);
  const v dan = V::mul(V::mul(g, V::sub(one, z)), V::sub(one, V::mul(n, n)));
  const v dar = V::mul(V::mul(dan, V::load(s.ghn + at)), V::mul(r, V::sub(one, r)));
  const v daz = V::mul(V::mul(g, V::sub(V::load(s.h + at), n)), V::mul(z, V::sub(one, z)));
  float* dh = s.dgh + rowOff(b, G) + 3 * u;
  float* dx = s.dgx + rowOff(b, G) + 3 * u;
  V::store(dh, dar);
  V::store(dh + W, daz);
  V::store(dh + 2 * W, V::mul(dan, r));
  V::store(dx, dar);
  V::store(dx + W, daz);
  V::store(dx + 2 * W, dan);
  V::store(DH + at, V::mul(g, z));
}

/**
 * After the product acc = DGH_t·W_hh of step t: dh_t = DH + acc (DH holding g_t ⊙ z_t). Then, for
 * t > 0, the gradients of step t−1 for the same units (g_{t−1} = DY_{t−1} + dh_t); at t = 0 DH ← dh_0.
 */
struct GatesBackward {
  float* DH;
  const float* dy;  // DY_{t−1}, null at t = 0
  StepSaved prev;
  int HP, G;
  template <int MR, int NVX>
  RING_INLINE void put(int r0, int nr, int j0, v (&acc)[MR][NVX]) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      if (r >= nr) break;
      const long b = r0 + r;
#pragma GCC unroll 4
      for (int j = 0; j < NVX; j++) {
        const int u = j0 + j * W;
        const long at = rowOff(b, HP) + u;
        const v dh = V::add(V::load(DH + at), acc[r][j]);
        if (dy == nullptr) V::store(DH + at, dh);
        else gateGrads(V::add(V::load(dy + at), dh), b, u, prev, DH, HP, G);
      }
    }
  }
};

// ---- packing ----------------------------------------------------------------------------------------

/**
 * A layer whose input is narrower than its state (layer 0: I = 1 in the model) keeps W_ih for the
 * input gradient as K plain rows of G and takes it as dot products per row, not on one-vector-wide tiles.
 */
RING_INLINE bool narrowInput(const GruPlan& P, int k) { return P.layers[k].IK < P.HP; }

void pack(const GruPlan& P, const GruForwardIO& io, int job) {
  const int k = job / 5, part = job % 5;
  const GruLayerPack& lp = P.layers[k];
  const int H = P.s.H, HP = P.HP, G = P.G, K = lp.K;
  const float* wih = io.wIh[k];
  const float* whh = io.wHh[k];
  switch (part) {
    case 0:
      packPanels(lp.wihT, K, G, tileWidth(G), [&](int i, int c) {
        const int q = torchRow(c, H);
        return q < 0 ? 0.0f : wih[static_cast<long>(q) * K + i];
      });
      break;
    case 1:
      packPanels(lp.whhT, H, G, 3 * W, [&](int i, int c) {
        const int q = torchRow(c, H);
        return q < 0 ? 0.0f : whh[static_cast<long>(q) * H + i];
      });
      break;
    case 2:
      packPanels(lp.whh, G, HP, tileWidth(HP), [&](int c, int j) {
        const int q = torchRow(c, H);
        return q < 0 || j >= H ? 0.0f : whh[static_cast<long>(q) * H + j];
      });
      break;
    case 3:
      if (narrowInput(P, k)) {
        for (int j = 0; j < K; j++)
          for (int c = 0; c < G; c++) {
            const int q = torchRow(c, H);
            lp.wih[rowOff(j, G) + c] = q < 0 ? 0.0f : wih[static_cast<long>(q) * K + j];
          }
      } else {
        packPanels(lp.wih, G, lp.IK, tileWidth(lp.IK), [&](int c, int j) {
          const int q = torchRow(c, H);
          return q < 0 || j >= K ? 0.0f : wih[static_cast<long>(q) * K + j];
        });
      }
      break;
    default: {
      const float* bih = io.bIh[k];
      const float* bhh = io.bHh[k];
      for (int c = 0; c < G; c++) {
        const int q = torchRow(c, H);
        lp.bx[c] = q < 0 ? 0.0f : q < 2 * H ? bih[q] + bhh[q] : bih[q];
      }
      for (int u = 0; u < HP; u++) lp.bhn[u] = u < H ? bhh[2 * H + u] : 0.0f;
    }
  }
}

// ---- forward ----------------------------------------------------------------------------------------

/** Mask of layer k's input (k ≥ 1) and the masked input for steps [t0, t1), rows t·Bs + b; padding units get 0. */
void dropout(const GruPlan& P, const GruSlice& sl, int k, int t0, int t1, const float* input) {
  const GruShape& sh = P.s;
  const int BS = sl.b1 - sl.b0, H = sh.H, HP = P.HP;
  const GruSliceLayer& ly = sl.layers[k];
  for (int t = t0; t < t1; t++) {
    for (int b = 0; b < BS; b++) {
      const long at = rowOff(static_cast<long>(t) * BS + b, HP);
      float* m = ly.MT + at;
      maskRow(m, static_cast<uint32_t>(((static_cast<long>(k - 1) * sh.B + sl.b0 + b) * sh.T + t) * H), HP, sh.key, sh.threshold, sh.scale);
      for (int j = H; j < HP; j++) m[j] = 0.0f;
      for (int j = 0; j < HP; j += W) V::store(ly.XM + at + j, V::mul(V::load(m + j), V::load(input + at + j)));
    }
  }
}

/**
 * One step's recurrent products, one gate group per tile, the gates in the epilogue of the last
 * block of k (its own function, so the tile's accumulators get registers); `part` as gemm's.
 */
__attribute__((noinline)) void recurrentStep(int BS, int G, int H, const DenseRows& rows, const PackedB& whhT, GatesForward& epi, float* part) {
  kBlocks(H, [&](int k0, int kn, bool first, bool last) {
    for (int j0 = 0; j0 < G; j0 += 3 * W) gemmPanel<FMR, 3>(BS, j0, k0, kn, first, last, rows, whhT, epi, part, G);
  });
}

/** Steps per chunk at this ISA's K_CHUNK (gru_isa.h's gruChunkSteps). */
RING_INLINE int chunkSteps(int BS) { return gruChunkSteps(BS, K_CHUNK); }

/** Layer k's input rows (T·Bs × IK): x for layer 0, else the outputs of layer k−1, masked when dropout is on. */
RING_INLINE const float* layerInput(const GruPlan& P, const GruSlice& sl, int k) {
  if (k == 0) return sl.XT;
  if (P.s.masked) return sl.layers[k].XM;
  return sl.layers[k - 1].HS + static_cast<long>(sl.b1 - sl.b0) * P.HP;
}

void forward(const GruPlan& P, const GruForwardIO& io, int s) {
  const GruShape& sh = P.s;
  const GruSlice& sl = P.slices[s];
  const int BS = sl.b1 - sl.b0;
  if (BS <= 0) return;
  const int T = sh.T, I = sh.I, H = sh.H, HP = P.HP, G = P.G;
  const long stepH = static_cast<long>(BS) * HP;
  const int IK0 = P.layers[0].IK;
  const int C = chunkSteps(BS);
  for (int t = 0; t < T; t++)
    for (int b = 0; b < BS; b++) loadRow(sl.XT + rowOff(static_cast<long>(t) * BS + b, IK0), io.x + (static_cast<long>(sl.b0 + b) * T + t) * I, I, IK0);

  for (int k = 0; k < sh.L; k++) {
    const GruLayerPack& lp = P.layers[k];
    const GruSliceLayer& ly = sl.layers[k];
    const PackedB wihT{lp.wihT, lp.K};
    const float* input = layerInput(P, sl, k);
    for (int b = 0; b < BS; b++) loadRow(ly.HS + rowOff(b, HP), io.h0 + (static_cast<long>(k) * sh.B + sl.b0 + b) * H, H, HP);
    const PackedB whhT{lp.whhT, H};
    for (int t = 0; t < T; t++) {
      if (t % C == 0) {
        // The input products (after dropout) of the next chunk of steps, while the recurrence is about to read them.
        const int t1 = t + C < T ? t + C : T;
        if (k > 0 && sh.masked) dropout(P, sl, k, t, t1, sl.layers[k - 1].HS + stepH);
        const long r0 = static_cast<long>(t) * BS;
        rowBlocks((t1 - t) * BS, G, lp.K, input + rowOff(r0, lp.IK), lp.IK, wihT, sl.PART, [&](int q) { return StoreBias{ly.GX + rowOff(r0 + q, G), G, lp.bx}; });
      }
      const float* ht = ly.HS + t * stepH;
      GatesForward epi{ly.GX + static_cast<long>(t) * BS * G, ly.GHN + t * stepH, ht, ly.HS + (t + 1) * stepH, lp.bhn, HP, G};
      recurrentStep(BS, G, H, DenseRows{ht, HP, BS}, whhT, epi, sl.PART);
    }
  }
  const float* top = sl.layers[sh.L - 1].HS + stepH;
  for (int t = 0; t < T; t++)
    for (int b = 0; b < BS; b++) storeRow(io.out + (static_cast<long>(sl.b0 + b) * T + t) * H, top + rowOff(static_cast<long>(t) * BS + b, HP), H);
}

// ---- backward ---------------------------------------------------------------------------------------

/**
 * The weight and input gradients of steps [t0, t1) of layer k, whose gate gradients are complete:
 * dW_hhᵀ += Hᵀ·DGH, dW_ihᵀ += Xᵀ·DGX (bias gradients from the packing), and the input gradient rows
 * (the layer below's output gradient through its mask into dyBelow, or dx).
 */
void stepsGradients(const GruPlan& P, const GruSlice& sl, const GruBackwardIO& io, int k, int t0, int t1, const float* dgh, const float* dgx, float* dyBelow) {
  const GruShape& sh = P.s;
  const GruLayerPack& lp = P.layers[k];
  const GruSliceLayer& ly = sl.layers[k];
  const int BS = sl.b1 - sl.b0, HP = P.HP, G = P.G;
  const int n = (t1 - t0) * BS;
  const long r0 = static_cast<long>(t0) * BS;
  const float* input = layerInput(P, sl, k) + rowOff(r0, lp.IK);
  outerSum(ly.dWhh, HP, G, n, ly.HS + rowOff(r0, HP), HP, dgh, G, sl.WORK, ly.db + G);
  outerSum(ly.dWih, lp.IK, G, n, input, lp.IK, dgx, G, sl.WORK, ly.db);
  const PackedB wih{lp.wih, G};
  if (k > 0) {
    const float* mask = sh.masked ? ly.MT + rowOff(r0, HP) : nullptr;
    float* dy = dyBelow + rowOff(r0, HP);
    rowBlocks(n, HP, G, dgx, G, wih, sl.PART, [&](int q) { return StoreMasked{dy + rowOff(q, HP), HP, mask ? mask + rowOff(q, HP) : nullptr}; });
    return;
  }
  float* dxt = sl.DXT + rowOff(r0, lp.IK);
  if (narrowInput(P, k)) rowDots(n, lp.K, G, dgx, G, lp.wih, dxt, lp.IK);
  else rowBlocks(n, lp.IK, G, dgx, G, wih, sl.PART, [&](int q) { return StoreMasked{dxt + rowOff(q, lp.IK), lp.IK, nullptr}; });
  for (int t = t0; t < t1; t++)
    for (int b = 0; b < BS; b++) storeRow(io.dx + (static_cast<long>(sl.b0 + b) * sh.T + t) * sh.I, sl.DXT + rowOff(static_cast<long>(t) * BS + b, lp.IK), sh.I);
}

/** Asks for the cache lines of n contiguous floats at p (read within the next step). */
RING_INLINE void prefetchBlock(const float* p, long n) {
  for (long j = 0; j < n; j += 16) __builtin_prefetch(p + j);
}

/**
 * Backward through time of slice s, top layer first. Gate gradients live in a ring of two chunks of
 * steps: once the recurrence has passed a chunk, its weight and input gradients are taken while
 * its rows are still in cache (chunks in descending order, rows ascending within a chunk).
 */
void backward(const GruPlan& P, const GruBackwardIO& io, int s) {
  const GruShape& sh = P.s;
  const GruSlice& sl = P.slices[s];
  const int BS = sl.b1 - sl.b0;
  const int T = sh.T, H = sh.H, HP = P.HP, G = P.G;
  for (int k = 0; k < sh.L; k++) {
    // An idle slice still reports zero partials.
    zero(sl.layers[k].dWih, static_cast<long>(G) * P.layers[k].IK);
    zero(sl.layers[k].dWhh, static_cast<long>(G) * HP);
    zero(sl.layers[k].db, 2L * G);
  }
  if (BS <= 0) return;
  const long stepH = static_cast<long>(BS) * HP, stepG = static_cast<long>(BS) * G;
  const int C = chunkSteps(BS);
  auto slot = [&](int t) { return (t / C % 2 * C + t % C) * stepG; };
  float* dy = sl.DY;
  float* dyBelow = sl.DY2;
  for (int t = 0; t < T; t++)
    for (int b = 0; b < BS; b++) loadRow(dy + rowOff(static_cast<long>(t) * BS + b, HP), io.dout + (static_cast<long>(sl.b0 + b) * T + t) * H, H, HP);

  for (int k = sh.L - 1; k >= 0; k--) {
    const GruLayerPack& lp = P.layers[k];
    const GruSliceLayer& ly = sl.layers[k];
    auto saved = [&](int t) { return StepSaved{ly.GX + t * stepG, ly.GHN + t * stepH, ly.HS + t * stepH, sl.DGH + slot(t), sl.DGX + slot(t)}; };
    // The last step's gradients need no product: g_{T−1} = DY_{T−1}.
    const StepSaved last = saved(T - 1);
    for (int b = 0; b < BS; b++)
      for (int u = 0; u < HP; u += W) gateGrads(V::load(dy + (T - 1) * stepH + rowOff(b, HP) + u), b, u, last, sl.DH, HP, G);
    const PackedB whh{lp.whh, G};
    for (int t = T - 1; t >= 0; t--) {
      // The epilogue of the next step reads step t−2's saved values and output gradient: a step's
      // blocks are far behind in memory (the forward wrote them long ago), so ask for them one step
      // ahead instead of stalling the product's epilogue on them.
      if (t >= 2) {
        prefetchBlock(ly.GX + (t - 2) * stepG, stepG);
        prefetchBlock(ly.GHN + (t - 2) * stepH, stepH);
        prefetchBlock(ly.HS + (t - 2) * stepH, stepH);
        prefetchBlock(dy + (t - 2) * stepH, stepH);
      }
      GatesBackward epi{sl.DH, t > 0 ? dy + (t - 1) * stepH : nullptr, t > 0 ? saved(t - 1) : StepSaved{}, HP, G};
      gemm(BS, HP, G, DenseRows{sl.DGH + slot(t), G, BS}, whh, epi, sl.PART);
      if (t % C == 0) stepsGradients(P, sl, io, k, t, t + C < T ? t + C : T, sl.DGH + slot(t), sl.DGX + slot(t), dyBelow);
    }
    for (int b = 0; b < BS; b++) storeRow(io.dh0 + (static_cast<long>(k) * sh.B + sl.b0 + b) * H, sl.DH + rowOff(b, HP), H);
    float* done = dy;
    dy = dyBelow;
    dyBelow = done;
  }
}

// ---- reduction --------------------------------------------------------------------------------------

void reduce(const GruPlan& P, const GruBackwardIO& io, int part, int parts) {
  const int H = P.s.H, G = P.G, S = P.S;
  const long q0 = 3L * H * part / parts, q1 = 3L * H * (part + 1) / parts;
  for (int k = 0; k < P.s.L; k++) {
    const GruLayerPack& lp = P.layers[k];
    auto sum = [&](float* GruSliceLayer::*buf, long at) {
      float x = (P.slices[0].layers[k].*buf)[at];
      for (int s = 1; s < S; s++) x += (P.slices[s].layers[k].*buf)[at];
      return x;
    };
    for (long q = q0; q < q1; q++) {
      const int c = gateColumn(static_cast<int>(q), H);
      for (int j = 0; j < lp.K; j++) io.dWih[k][q * lp.K + j] = sum(&GruSliceLayer::dWih, rowOff(j, G) + c);
      for (int j = 0; j < H; j++) io.dWhh[k][q * H + j] = sum(&GruSliceLayer::dWhh, rowOff(j, G) + c);
      io.dbih[k][q] = sum(&GruSliceLayer::db, c);
      io.dbhh[k][q] = sum(&GruSliceLayer::db, G + c);
    }
  }
}

}  // namespace gru
}  // namespace RING_NS
}  // namespace ring

/** The ISA's entry in the addon's GRU table. */
#define RING_DEFINE_GRU(var, label)                                                                                             \
  namespace ring {                                                                                                              \
  extern const GruOps var = {label,                   RING_NS::W,                RING_NS::gru::K_CHUNK,  RING_NS::gru::ROW_BLOCK, \
                             RING_NS::MR_MAX,         RING_NS::gru::pack,        RING_NS::gru::forward,  RING_NS::gru::backward,  \
                             RING_NS::gru::reduce};                                                                               \
  }
