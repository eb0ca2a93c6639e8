// The fused recurrence (docs/model.md §2) for one ISA: forward and backward through time over one batch
// slice, the weight packing, the slices' gradient reduction and the ring readout. Included by one
// isa_*.cpp per ISA after it defines RING_NS (its namespace), two register-tile shapes RING_MR_A ×
// RING_NV_A and RING_MR_B × RING_NV_B (rows × vectors) and one RING_VEC_* (see vec.h). No allocation and no standard-library
// templates here: the addon owns memory and threads, and every definition stays in RING_NS.
//
// Data layout: state-like rows are LD floats (N rounded up to the vector width, padding lanes kept
// at 0). The products are GEMMs on register tiles, A rows broadcast, B rows loaded as vectors:
//   forward   pre      = J0·Σr + J1·(r·Woᵀ) + Σ_c a_c·(r·W_cᵀ)     A = state rows,  B = Bf (W_cᵀ)
//   backward  dR      += J1·(dpre·Wo) + Σ_c a_c·(dpre·W_c)       A = dpre rows,   B = Bb (W_c)
//             dA[c]    = (dpre·W_c)·r                            (same tiles, in their epilogue)
//             dW_c    += dP_cᵀ·R  with dP_0 = J1·dpre, dP_c = a_c·dpre, over rows staged across steps
// With actionGrads 'nonzero' (sparse) an action channel's products use only the rows whose action
// is nonzero (gathered through row pointers; the other rows' terms are exact zeros, or not needed).
#pragma once
#include "isa.h"
#include "vec.h"

namespace ring {
namespace RING_NS {

using v = V::v;
constexpr int W = V::W;
// Two register-tile shapes (MR rows × NV vectors): the GEMMs of a call take the one whose width
// divides the padded row length, so most calls have no narrower last panel (see tileWidth).
constexpr int MR_A = RING_MR_A, NV_A = RING_NV_A;
constexpr int MR_B = RING_MR_B, NV_B = RING_NV_B;
constexpr int MR_MAX = MR_A > MR_B ? MR_A : MR_B;

#include "generated/activations.h"

RING_INLINE int imin(int a, int b) { return a < b ? a : b; }
RING_INLINE long rowOff(long row, int ld) { return row * ld; }

// ---- register tiles -------------------------------------------------------------------------

/** A operand as MR row pointers: A(r, k) = p[r][k]. */
template <int MR>
struct RowsA {
  const float* p[MR];
  RING_INLINE const float* at(int k, int r) const { return p[r] + k; }
};
/** A operand stored k-major: A(r, k) = a[k·as + r] (a staged dP block read as its transpose). */
struct StridedA {
  const float* a;
  long as;
  RING_INLINE const float* at(int k, int r) const { return a + k * as + r; }
};

/**
 * acc (MR × NVX vectors) += Σ_k A(·, k) ⊗ B(k, ·) for k = 0…K−1 in order, B(k, ·) the NVX vectors at
 * b + k·bs. The caller zeroes acc or loads a partial sum, so a product split into blocks of k adds
 * every term in the same order as one pass.
 */
template <int MR, int NVX, class A>
RING_INLINE void tile(int K, const A& a, const float* b, long bs, v (&acc)[MR][NVX]) {
  for (int k = 0; k < K; k++, b += bs) {
    v bv[NVX];
#pragma GCC unroll 4
    for (int j = 0; j < NVX; j++) bv[j] = V::load(b + j * W);
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      const v x = V::bcast(a.at(k, r));
#pragma GCC unroll 4
      for (int j = 0; j < NVX; j++) acc[r][j] = V::madd(acc[r][j], x, bv[j]);
    }
  }
}

template <int MR, int NVX>
RING_INLINE void zeroTile(v (&acc)[MR][NVX]) {
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
    for (int j = 0; j < NVX; j++) acc[r][j] = V::zero();
}

// Row sources: the A operand of the row panel starting at row r0, from column k0 on (rows past the
// end repeat the last row; their results are never stored).
struct DenseRows {
  const float* base;
  int ld, rows;
  template <int MR>
  RING_INLINE RowsA<MR> at(int r0, int k0) const {
    RowsA<MR> a;
    for (int r = 0; r < MR; r++) a.p[r] = base + rowOff(imin(r0 + r, rows - 1), ld) + k0;
    return a;
  }
  RING_INLINE int row(int q) const { return q; }
};
struct IndexedRows {
  const float* base;
  int ld, rows;
  const int* idx;
  template <int MR>
  RING_INLINE RowsA<MR> at(int r0, int k0) const {
    RowsA<MR> a;
    for (int r = 0; r < MR; r++) a.p[r] = base + rowOff(idx[imin(r0 + r, rows - 1)], ld) + k0;
    return a;
  }
  RING_INLINE int row(int q) const { return idx[q]; }
};

/** B in column panels: the panel at column j0 holds K rows of its width, contiguous (see pack). */
struct PackedB {
  const float* base;
  int K;
  RING_INLINE const float* panel(int j0) const { return base + static_cast<long>(j0) * K; }
};

/**
 * Rows of k per block: products longer than this run in blocks of k (a block's panel of B, KC rows
 * of the widest tile, is 16 KiB: it stays in L1 while every row tile passes over it).
 */
constexpr int KC = 16384 / (4 * W * (NV_A > NV_B ? NV_A : NV_B));

/**
 * Rows [0, rows) of one column panel over k-block [k0, k0 + kn): the first block starts from 0, later
 * ones from the partial sums in `part` (rows × ld, MR_MAX rows of slack); the last hands each tile
 * to epi.put<MR, NVX>(r0, nrows, j0, acc), the others store it back to `part`.
 */
template <int MR, int NVX, class Rows, class Epi>
RING_INLINE void gemmPanel(int rows, int j0, int k0, int kn, bool first, bool last, const Rows& rowsOf, const PackedB& b, Epi& epi, float* part, int ld) {
  constexpr int NR = NVX * W;
  const float* bp = b.panel(j0) + static_cast<long>(k0) * NR;
  for (int r0 = 0; r0 < rows; r0 += MR) {
    v acc[MR][NVX];
    if (first) {
      zeroTile(acc);
    } else {
#pragma GCC unroll 16
      for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
        for (int j = 0; j < NVX; j++) acc[r][j] = V::load(part + rowOff(r0 + r, ld) + j0 + j * W);
    }
    tile<MR, NVX>(kn, rowsOf.template at<MR>(r0, k0), bp, NR, acc);
    if (last) {
      epi.template put<MR, NVX>(r0, imin(MR, rows - r0), j0, acc);
    } else {
#pragma GCC unroll 16
      for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
        for (int j = 0; j < NVX; j++) V::store(part + rowOff(r0 + r, ld) + j0 + j * W, acc[r][j]);
    }
  }
}

template <int MR, int NVX, class Rows, class Epi>
RING_INLINE void gemmTail(int vectors, int rows, int j0, int k0, int kn, bool first, bool last, const Rows& rowsOf, const PackedB& b, Epi& epi, float* part, int ld) {
  if constexpr (NVX >= 1) {
    if (vectors == NVX) gemmPanel<MR, NVX>(rows, j0, k0, kn, first, last, rowsOf, b, epi, part, ld);
    else gemmTail<MR, NVX - 1>(vectors, rows, j0, k0, kn, first, last, rowsOf, b, epi, part, ld);
  }
}

/**
 * Calls f(k0, kn, first, last) for each block [k0, k0 + kn) of a product over K terms, in order: at
 * most KC rows each, of near-equal length (every product blocks its k the same way).
 */
template <class F>
RING_INLINE void kBlocks(int K, F f) {
  const int blocks = (K + KC - 1) / KC;
  for (int kb = 0; kb < blocks; kb++) {
    const int k0 = static_cast<int>(static_cast<long>(K) * kb / blocks);
    const int kn = static_cast<int>(static_cast<long>(K) * (kb + 1) / blocks) - k0;
    f(k0, kn, kb == 0, kb == blocks - 1);
  }
}

template <int MR, int NV, class Rows, class Epi>
void gemmShape(int rows, int cols, int K, const Rows& rowsOf, const PackedB& b, Epi& epi, float* part) {
  kBlocks(K, [&](int k0, int kn, bool first, bool last) {
    int j0 = 0;
    for (; j0 + NV * W <= cols; j0 += NV * W) gemmPanel<MR, NV>(rows, j0, k0, kn, first, last, rowsOf, b, epi, part, cols);
    if (j0 < cols) gemmTail<MR, NV - 1>((cols - j0) / W, rows, j0, k0, kn, first, last, rowsOf, b, epi, part, cols);
  });
}

/** Shape B's width if it divides cols or shape A's does not, else shape A's (packing and products agree through this). */
RING_INLINE int tileWidth(int cols) {
  return cols % (NV_B * W) == 0 || cols % (NV_A * W) != 0 ? NV_B * W : NV_A * W;
}
/** Rows of the register tile whose width is tileWidth(cols) (the row blocks of a packed A operand). */
RING_INLINE int tileRows(int cols) { return tileWidth(cols) == NV_B * W ? MR_B : MR_A; }

/**
 * C (rows × cols) = A (rows × K) · B (K × cols), handed to epi.put<MR, NVX>(r0, nrows, j0, acc) tile
 * by tile; cols is a multiple of W. Blocks of k outside, then column panels, then row tiles: one
 * block of a panel of B stays in L1 while every row panel of A passes over it. Each output element
 * sums its K terms in order of k, however the product is blocked or its rows grouped. `part` holds
 * partial sums when K > KC ((rows + MR_MAX) × cols floats).
 */
template <class Rows, class Epi>
void gemm(int rows, int cols, int K, const Rows& rowsOf, const PackedB& b, Epi& epi, float* part) {
  if (rows <= 0) return;
  if (tileWidth(cols) == NV_B * W) gemmShape<MR_B, NV_B>(rows, cols, K, rowsOf, b, epi, part);
  else gemmShape<MR_A, NV_A>(rows, cols, K, rowsOf, b, epi, part);
}

// Sources of a weight-gradient product's A operand, read as its transpose: the tile at row r0 from
// column k0 on (A has MR rows of slack past the last row; their results are dropped).
/** A(i, k) = base[k·ld + i]: rows staged one after another (the ring's scaled dpre rows). */
struct StridedRows {
  const float* base;
  long ld;
  template <int MR>
  RING_INLINE StridedA at(int r0, int k0) const { return StridedA{base + k0 * ld + r0, ld}; }
};
/** A(i, k) in blocks of MR rows (MR = tileRows of the product's width), each K × MR floats, k-major (packed so tiles stream it). */
struct PackedRows {
  const float* base;
  int K;
  template <int MR>
  RING_INLINE StridedA at(int r0, int k0) const { return StridedA{base + static_cast<long>(r0) * K + static_cast<long>(k0) * MR, MR}; }
};

/**
 * The weight-gradient product C (rows × LD) += Aᵀ·B over n rows of k: A from its source (above), B
 * in column panels of tileWidth(LD) (panel j0 at b + j0·KS, rows of its width). Each tile starts
 * from C and adds its terms in order of k, so C sums every row of k in order whatever the number
 * per call. Rows of a tile past `rows` are computed and dropped.
 */
template <int MR, int NVX, class Rows>
RING_INLINE void accumulatePanel(float* C, int rows, int LD, int j0, int n, const Rows& rowsOf, const float* bp) {
  for (int r0 = 0; r0 < rows; r0 += MR) {
    const int nr = imin(MR, rows - r0);
    v acc[MR][NVX];
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
      for (int j = 0; j < NVX; j++) acc[r][j] = r < nr ? V::load(C + rowOff(r0 + r, LD) + j0 + j * W) : V::zero();
    tile<MR, NVX>(n, rowsOf.template at<MR>(r0, 0), bp, NVX * W, acc);
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      if (r >= nr) break;
#pragma GCC unroll 4
      for (int j = 0; j < NVX; j++) V::store(C + rowOff(r0 + r, LD) + j0 + j * W, acc[r][j]);
    }
  }
}

template <int MR, int NVX, class Rows>
RING_INLINE void accumulateTail(int vectors, float* C, int rows, int LD, int j0, int n, const Rows& rowsOf, const float* bp) {
  if constexpr (NVX >= 1) {
    if (vectors == NVX) accumulatePanel<MR, NVX>(C, rows, LD, j0, n, rowsOf, bp);
    else accumulateTail<MR, NVX - 1>(vectors, C, rows, LD, j0, n, rowsOf, bp);
  }
}

template <int MR, int NV, class Rows>
void accumulateShape(float* C, int rows, int LD, int n, const Rows& rowsOf, const float* b, int KS) {
  int j0 = 0;
  for (; j0 + NV * W <= LD; j0 += NV * W) accumulatePanel<MR, NV>(C, rows, LD, j0, n, rowsOf, b + static_cast<long>(j0) * KS);
  if (j0 < LD) accumulateTail<MR, NV - 1>((LD - j0) / W, C, rows, LD, j0, n, rowsOf, b + static_cast<long>(j0) * KS);
}

template <class Rows>
void accumulate(float* C, int rows, int LD, int n, const Rows& rowsOf, const float* b, int KS) {
  if (n <= 0) return;
  if (tileWidth(LD) == NV_B * W) accumulateShape<MR_B, NV_B>(C, rows, LD, n, rowsOf, b, KS);
  else accumulateShape<MR_A, NV_A>(C, rows, LD, n, rowsOf, b, KS);
}

// ---- epilogues --------------------------------------------------------------------------------

/** pre[b] = base[b] + J1·acc (channel 0 of the forward). */
struct PreFirst {
  float* pre;
  int ld;
  const float* base;
  v j1;
  template <int MR, int NVX>
  RING_INLINE void put(int r0, int nr, int j0, v (&acc)[MR][NVX]) {
    // Constant trip count (then a test), so the tile unrolls and its accumulators stay in registers.
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      if (r >= nr) break;
      float* dst = pre + rowOff(r0 + r, ld) + j0;
      const v b = V::set(base[r0 + r]);
#pragma GCC unroll 4
      for (int j = 0; j < NVX; j++) V::store(dst + j * W, V::madd(b, j1, acc[r][j]));
    }
  }
};

/** pre[row] += a[row]·acc for the tile's rows (an action channel of the forward). */
template <class Rows>
struct PreAdd {
  float* pre;
  int ld;
  Rows rows;
  const float* actions;  // the step's actions of this channel for slice row b: actions[b·stride]
  long stride;
  template <int MR, int NVX>
  RING_INLINE void put(int r0, int nr, int j0, v (&acc)[MR][NVX]) {
    // Constant trip count (then a test), so the tile unrolls and its accumulators stay in registers.
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      if (r >= nr) break;
      const int b = rows.row(r0 + r);
      float* dst = pre + rowOff(b, ld) + j0;
      const v a = V::set(actions[b * stride]);
#pragma GCC unroll 4
      for (int j = 0; j < NVX; j++) V::store(dst + j * W, V::madd(V::load(dst + j * W), a, acc[r][j]));
    }
  }
};

/** dR += J1·acc (channel 0 of the backward). */
struct GradFirst {
  float* dR;
  int ld;
  v j1;
  const float* dj0;  // per row: J0·Σ dpre, added on the real lanes before J1·acc (as a pass of its own would)
  int n;             // real lanes per row
  template <int MR, int NVX>
  RING_INLINE void put(int r0, int nr, int j0, v (&acc)[MR][NVX]) {
    // Constant trip count (then a test), so the tile unrolls and its accumulators stay in registers.
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      if (r >= nr) break;
      float* dst = dR + rowOff(r0 + r, ld) + j0;
      const v add = V::set(dj0[r0 + r]);
#pragma GCC unroll 4
      for (int j = 0; j < NVX; j++) {
        const int col = j0 + j * W;
        const v x = V::add(V::load(dst + j * W), col + W > n ? V::keepFirst(add, n - col) : add);
        V::store(dst + j * W, V::madd(x, j1, acc[r][j]));
      }
    }
  }
};

/** dR[row] += a[row]·acc and dot[q] += acc·r[row] (an action channel of the backward; acc = dpre·W_c). */
template <class Rows>
struct GradAdd {
  float* dR;
  int ld;
  Rows rows;
  const float* actions;
  long stride;
  const float* R;  // the step's states
  float* dot;      // per tile row q (position in the row list)
  template <int MR, int NVX>
  RING_INLINE void put(int r0, int nr, int j0, v (&acc)[MR][NVX]) {
    // Constant trip count (then a test), so the tile unrolls and its accumulators stay in registers.
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      if (r >= nr) break;
      const int b = rows.row(r0 + r);
      float* dst = dR + rowOff(b, ld) + j0;
      const float* rr = R + rowOff(b, ld) + j0;
      const v a = V::set(actions[b * stride]);
      v d = V::mul(acc[r][0], V::load(rr));
#pragma GCC unroll 4
      for (int j = 1; j < NVX; j++) d = V::madd(d, acc[r][j], V::load(rr + j * W));
      dot[r0 + r] += V::hsum(d);
#pragma GCC unroll 4
      for (int j = 0; j < NVX; j++) V::store(dst + j * W, V::madd(V::load(dst + j * W), a, acc[r][j]));
    }
  }
};

// ---- helpers ----------------------------------------------------------------------------------

RING_INLINE void zero(float* p, long n) {
  for (long i = 0; i < n; i++) p[i] = 0.0f;
}

/** Σ of a padded row (padding lanes are 0), vector lanes then a fixed-order horizontal sum. */
RING_INLINE float rowSum(const float* p, int ld) {
  v s = V::zero();
  for (int j = 0; j < ld; j += W) s = V::add(s, V::load(p + j));
  return V::hsum(s);
}

/** Copies n floats into a row of ld, zeroing its padding. */
RING_INLINE void loadRow(float* dst, const float* src, int n, int ld) {
  int j = 0;
  for (; j + W <= n; j += W) V::store(dst + j, V::load(src + j));
  if (j < n) {
    V::store(dst + j, V::loadN(src + j, n - j));
    j += W;
  }
  for (; j < ld; j += W) V::store(dst + j, V::zero());
}

/** Asks for the cache lines of n floats at p (a row about to be read or written). */
/** Rows of the history gradient fetched ahead of the backward's elementwise pass (see backward). */
constexpr int DH_AHEAD = 4;

RING_INLINE void prefetchRow(const float* p, int n) {
  for (int j = 0; j < n; j += 16) __builtin_prefetch(p + j);
  __builtin_prefetch(p + n - 1);
}

/** Copies the first n floats of a padded row out. */
RING_INLINE void storeRow(float* dst, const float* src, int n) {
  int j = 0;
  for (; j + W <= n; j += W) V::store(dst + j, V::load(src + j));
  if (j < n) V::storeN(dst + j, V::load(src + j), n - j);
}

/** Channel c's weight matrix (0 = Wo, c ≥ 1 = Wa[c−1]). */
RING_INLINE const float* weights(const ForwardIO& io, int c, int N) {
  return c == 0 ? io.Wo : io.Wa + static_cast<long>(c - 1) * N * N;
}

/** Rows of the slice whose action c at step t is nonzero, into idx; returns their count. */
RING_INLINE int nonzeroRows(const float* actions, int BS, long stride, int* idx) {
  int n = 0;
  for (int b = 0; b < BS; b++)
    if (actions[b * stride] != 0.0f) idx[n++] = b;
  return n;
}

// ---- packing ----------------------------------------------------------------------------------

/**
 * Lays out W_cᵀ (forward) and W_c (backward) in column panels of tileWidth(LD) (then a narrower last one):
 * panel j0 holds, for k = 0…N−1, the panel's columns of row k; columns ≥ N are 0.
 */
void pack(const Plan& P, const ForwardIO& io, int c) {
  const int N = P.s.N, LD = P.LD;
  const float* w = weights(io, c, N);
  float* bf = P.Bf + static_cast<long>(c) * N * LD;
  float* bb = P.Bb + static_cast<long>(c) * N * LD;
  const int NR = tileWidth(LD);
  for (int j0 = 0; j0 < LD; j0 += NR) {
    const int width = imin(NR, LD - j0);
    float* f = bf + static_cast<long>(j0) * N;
    float* g = bb + static_cast<long>(j0) * N;
    for (int k = 0; k < N; k++) {
      for (int x = 0; x < width; x++) {
        const int col = j0 + x;
        f[k * width + x] = col < N ? w[static_cast<long>(col) * N + k] : 0.0f;  // Bf(k, col) = W_c[col][k]
        g[k * width + x] = col < N ? w[static_cast<long>(k) * N + col] : 0.0f;  // Bb(k, col) = W_c[k][col]
      }
    }
  }
}

// ---- ring readout (the training loss's per-step sums) ---------------------------------------------
// In float64 with the wasm kernel's exact order of operations (four interleaved partial sums, then
// (s0 + s2) + (s1 + s3), then the tail), and no fused multiply-adds (the build passes
// -ffp-contract=off): bit-identical to the wasm kernel on every ISA and any thread count. The
// forward and backward call the same row functions, so their fused readout has the same bits too.

/** Four float64 lanes (any ISA: GCC/Clang vector extensions), for the readout's four partial sums. */
typedef double D4 __attribute__((vector_size(32), aligned(8), may_alias));
typedef int64_t I4 __attribute__((vector_size(32), aligned(8)));

/** X = Σ r_i cos φ_i, Y = Σ r_i sin φ_i, A = Σ |r_i| of one row of N f32, into out[row], out[rows + row], out[2·rows + row]. */
RING_INLINE void readoutRow(const float* o, int N, const double* cs, float* out, long rows, long row) {
  const double* sn = cs + N;
  // Lane l of each vector is the partial sum over i ≡ l (mod 4), as four scalars would be.
  D4 x = {0, 0, 0, 0}, y = {0, 0, 0, 0}, a = {0, 0, 0, 0};
  const I4 magnitude = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
  int i = 0;
  for (; i + 4 <= N; i += 4) {
    const D4 u = {o[i], o[i + 1], o[i + 2], o[i + 3]};
    // Unaligned vector loads (a memcpy here went through the stack, and its two halves could not
    // be forwarded to the full-width load).
    const D4 c = *reinterpret_cast<const D4*>(cs + i), s = *reinterpret_cast<const D4*>(sn + i);
    x = x + u * c;
    y = y + u * s;
    a = a + (D4)((I4)u & magnitude);
  }
  double X = (x[0] + x[2]) + (x[1] + x[3]);
  double Y = (y[0] + y[2]) + (y[1] + y[3]);
  double A = (a[0] + a[2]) + (a[1] + a[3]);
  for (; i < N; i++) {
    const double u = o[i];
    X = X + u * cs[i];
    Y = Y + u * sn[i];
    A = A + __builtin_fabs(u);
  }
  out[row] = static_cast<float>(X);
  out[rows + row] = static_cast<float>(Y);
  out[2 * rows + row] = static_cast<float>(A);
}

/** g_i = dX·cos φ_i + dY·sin φ_i + dA·sign(r_i) (sign(0) = 0, as PyTorch) for one row of N; dy is 3 × rows. */
RING_INLINE void readoutGradRow(const float* o, const float* dy, long rows, long row, int N, const double* cs, float* g) {
  const double* sn = cs + N;
  const double dx = dy[row], dys = dy[rows + row], da = dy[2 * rows + row];
  for (int i = 0; i < N; i++) {
    const double u = o[i];
    const double sign = static_cast<double>((u > 0) - (u < 0));
    g[i] = static_cast<float>((dx * cs[i] + dys * sn[i]) + da * sign);
  }
}

/** For rows [r0, r1) of N f32: X = Σ r_i cos φ_i, Y = Σ r_i sin φ_i, A = Σ |r_i|, into planes 0, 1, 2 of out (3×rows). */
void readoutForward(const float* r, long r0, long r1, long rows, int N, const double* cs, float* out) {
  for (long row = r0; row < r1; row++) readoutRow(r + row * N, N, cs, out, rows, row);
}

/** dr_i = dX·cos φ_i + dY·sin φ_i + dA·sign(r_i) (sign(0) = 0, as PyTorch) for rows [r0, r1). */
void readoutBackward(const float* r, const float* dy, long r0, long r1, long rows, int N, const double* cs, float* dr) {
  for (long row = r0; row < r1; row++) readoutGradRow(r + row * N, dy, rows, row, N, cs, dr + row * N);
}

// ---- forward ----------------------------------------------------------------------------------

void forward(const Plan& P, const ForwardIO& io, int s) {
  const Shape& sh = P.s;
  const Slice& sl = P.slices[s];
  const int BS = sl.b1 - sl.b0;
  if (BS <= 0) return;
  const int N = sh.N, T = sh.T, K = sh.K, LD = P.LD;
  const long stepR = static_cast<long>(BS) * LD;
  const int tail = N % W;  // real lanes of a row's last vector (0: all)
  const v keep = V::set(1.0f - sh.alpha), leak = V::set(sh.alpha);
  // The backward's scratch is free during the forward: dR holds each row's J0·Σr.
  float* base = sl.dR;

  for (int b = 0; b < BS; b++) {
    loadRow(sl.R + rowOff(b, LD), io.r0 + static_cast<long>(sl.b0 + b) * N, N, LD);
    base[b] = sh.J0 * rowSum(sl.R + rowOff(b, LD), LD);
  }
  for (int t = 0; t < T; t++) {
    const float* Rt = sl.R + t * stepR;
    float* Rn = sl.R + (t + 1) * stepR;
    float* FDt = sl.FD + t * stepR;
    // The step's action c of slice row b: act[b·aStride + c].
    const float* act = P.actions + (static_cast<long>(sl.b0) * T + t) * K;
    const long aStride = static_cast<long>(T) * K;

    PreFirst first{sl.pre, LD, base, V::set(sh.J1)};
    const DenseRows all{Rt, LD, BS};
    gemm(BS, LD, N, all, PackedB{P.Bf, N}, first, sl.part);
    for (int c = 1; c <= K; c++) {
      const PackedB bc{P.Bf + static_cast<long>(c) * N * LD, N};
      if (sh.sparse) {
        const int n = nonzeroRows(act + c - 1, BS, aStride, sl.idx);
        const IndexedRows some{Rt, LD, n, sl.idx};
        PreAdd<IndexedRows> epi{sl.pre, LD, some, act + c - 1, aStride};
        gemm(n, LD, N, some, bc, epi, sl.part);
      } else {
        PreAdd<DenseRows> epi{sl.pre, LD, all, act + c - 1, aStride};
        gemm(BS, LD, N, all, bc, epi, sl.part);
      }
    }
    for (int b = 0; b < BS; b++) {
      float* pre = sl.pre + rowOff(b, LD);
      float* fd = FDt + rowOff(b, LD);
      const float* r = Rt + rowOff(b, LD);
      float* rn = Rn + rowOff(b, LD);
      activateWithGradRow<V>(pre, fd, LD, sh.act);
      v sum = V::zero();
      for (int j = 0; j < LD; j += W) {
        v x = V::flush(V::madd(V::mul(keep, V::load(r + j)), leak, V::load(pre + j)));
        if (tail && j + W > N) x = V::keepFirst(x, tail);
        V::store(rn + j, x);
        sum = V::add(sum, x);
      }
      // The next step's J0·Σr (rowSum's order: the same bits; PreFirst of this step is done with base).
      base[b] = sh.J0 * V::hsum(sum);
      const long row = static_cast<long>(sl.b0 + b) * T + t;
      if (io.history) {
        storeRow(io.history + row * N, rn, N);
        // The row of the next step is T·N floats away: fetch its lines ahead of the stores.
        if (t + 1 < T) prefetchRow(io.history + (row + 1) * N, N);
      }
      if (io.sums) readoutRow(rn, N, io.basis, io.sums, static_cast<long>(sh.B) * T, row);
    }
  }
}

// ---- backward ---------------------------------------------------------------------------------

/**
 * Appends rows (scaled dpre, state) of channel c to its staging block, emptying it into dW when
 * full: the dpre rows as they are (read transposed), the states in column panels (see accumulate).
 */
struct Stage {
  const Plan& P;
  const Slice& sl;
  int c;
  RING_INLINE float* sd() const { return sl.Sd + static_cast<long>(c) * P.KS * P.LD; }
  RING_INLINE float* sr() const { return sl.Sr + static_cast<long>(c) * P.KS * P.LD; }
  void flush() const {
    const int n = sl.scount[c];
    if (n == 0) return;
    const int N = P.s.N, LD = P.LD;
    accumulate(sl.dW + static_cast<long>(c) * N * LD, N, LD, n, StridedRows{sd(), LD}, sr(), P.KS);
    sl.scount[c] = 0;
  }
  RING_INLINE void add(const float* dpre, const float* r, float scale) const {
    if (sl.scount[c] == P.KS) flush();
    const int LD = P.LD, KS = P.KS;
    const int at = sl.scount[c]++;
    float* d = sd() + rowOff(at, LD);
    const v a = V::set(scale);
    for (int j = 0; j < LD; j += W) V::store(d + j, V::mul(a, V::load(dpre + j)));
    const int NR = tileWidth(LD);
    for (int j0 = 0; j0 < LD; j0 += NR) {
      const int width = imin(NR, LD - j0);
      float* q = sr() + static_cast<long>(j0) * KS + static_cast<long>(at) * width;
      for (int j = 0; j < width; j += W) V::store(q + j, V::load(r + j0 + j));
    }
  }
};

void backward(const Plan& P, const BackwardIO& io, int s) {
  const Shape& sh = P.s;
  const Slice& sl = P.slices[s];
  const int BS = sl.b1 - sl.b0;
  const int N = sh.N, T = sh.T, K = sh.K, LD = P.LD;
  zero(sl.dW, static_cast<long>(K + 1) * N * LD);
  if (BS <= 0) return;
  const long stepR = static_cast<long>(BS) * LD;
  const v keep = V::set(1.0f - sh.alpha), leak = V::set(sh.alpha);
  float* dpre = sl.pre;
  zero(sl.dR, stepR);
  for (int c = 0; c <= K; c++) sl.scount[c] = 0;

  for (int t = T - 1; t >= 0; t--) {
    const float* Rt = sl.R + t * stepR;
    const float* FDt = sl.FD + t * stepR;
    const float* act = P.actions + (static_cast<long>(sl.b0) * T + t) * K;
    float* dA = io.dA + (static_cast<long>(sl.b0) * T + t) * K;
    const long aStride = static_cast<long>(T) * K;
    for (int b = 0; b < BS; b++) {
      const long row = static_cast<long>(sl.b0 + b) * T + t;
      const float* dh;
      if (io.dh) {
        dh = io.dh + row * N;
        // The slice's rows of a step are T·N floats apart, each on its own page, where no hardware
        // prefetcher follows: fetch the row DH_AHEAD rows on (fetched a whole step ahead, the lines
        // were evicted again by the step's products before their turn came).
        if (b + DH_AHEAD < BS) prefetchRow(dh + DH_AHEAD * static_cast<long>(T) * N, N);
      } else {
        // The cotangent of the ring readout of the history row (the state after step t), into
        // scratch that the products of this step have not used yet.
        readoutGradRow(sl.R + (t + 1) * stepR + rowOff(b, LD), io.dsums, static_cast<long>(sh.B) * T, row, N, io.basis, sl.part);
        dh = sl.part;
      }
      float* dr = sl.dR + rowOff(b, LD);
      float* dp = dpre + rowOff(b, LD);
      const float* fd = FDt + rowOff(b, LD);
      // The states of step t−1 were made long ago: fetch the row's F′ and state for the next step.
      if (t > 0) {
        prefetchRow(fd - stepR, LD);
        prefetchRow(Rt - stepR + rowOff(b, LD), LD);
      }
      v sum = V::zero();
      for (int j = 0; j < LD; j += W) {
        const v h = j + W <= N ? V::load(dh + j) : V::loadN(dh + j, N - j);
        const v g = V::add(h, V::load(dr + j));
        const v d = V::flush(V::mul(V::mul(g, leak), V::load(fd + j)));
        V::store(dr + j, V::mul(g, keep));
        V::store(dp + j, d);
        sum = V::add(sum, d);
      }
      // J0·Σ_j r_j feeds every unit: its gradient is J0·Σ_i dpre_i on every real lane (GradFirst adds it).
      sl.dapart[b] = sh.J0 * V::hsum(sum);
    }
    const DenseRows all{dpre, LD, BS};
    GradFirst first{sl.dR, LD, V::set(sh.J1), sl.dapart, N};
    gemm(BS, LD, N, all, PackedB{P.Bb, N}, first, sl.part);
    const Stage stage0{P, sl, 0};
    for (int b = 0; b < BS; b++) stage0.add(dpre + rowOff(b, LD), Rt + rowOff(b, LD), sh.J1);

    for (int c = 1; c <= K; c++) {
      const PackedB bc{P.Bb + static_cast<long>(c) * N * LD, N};
      const float* a = act + c - 1;
      const Stage stage{P, sl, c};
      if (sh.sparse) {
        const int n = nonzeroRows(a, BS, aStride, sl.idx);
        for (int b = 0; b < BS; b++) dA[b * aStride + c - 1] = 0.0f;
        if (n == 0) continue;
        zero(sl.dapart, n);
        const IndexedRows some{dpre, LD, n, sl.idx};
        GradAdd<IndexedRows> epi{sl.dR, LD, some, a, aStride, Rt, sl.dapart};
        gemm(n, LD, N, some, bc, epi, sl.part);
        for (int q = 0; q < n; q++) {
          const int b = sl.idx[q];
          dA[b * aStride + c - 1] = sl.dapart[q];
          stage.add(dpre + rowOff(b, LD), Rt + rowOff(b, LD), a[b * aStride]);
        }
      } else {
        zero(sl.dapart, BS);
        GradAdd<DenseRows> epi{sl.dR, LD, all, a, aStride, Rt, sl.dapart};
        gemm(BS, LD, N, all, bc, epi, sl.part);
        for (int b = 0; b < BS; b++) {
          dA[b * aStride + c - 1] = sl.dapart[b];
          // A zero action's dP row is exactly 0: it adds nothing to dW_c.
          if (a[b * aStride] != 0.0f) stage.add(dpre + rowOff(b, LD), Rt + rowOff(b, LD), a[b * aStride]);
        }
      }
    }
  }
  for (int c = 0; c <= K; c++) Stage{P, sl, c}.flush();
  for (int b = 0; b < BS; b++) storeRow(io.dr0 + static_cast<long>(sl.b0 + b) * N, sl.dR + rowOff(b, LD), N);
}

/** Stacked rows m = c·N + i of dWo (c = 0) and dWa (c ≥ 1): the slices' partials summed in slice order. */
void reduce(const Plan& P, const BackwardIO& io, int m0, int m1) {
  const int N = P.s.N, LD = P.LD;
  for (int m = m0; m < m1; m++) {
    const int c = m / N, i = m % N;
    float* dst = (c == 0 ? io.dWo : io.dWa + static_cast<long>(c - 1) * N * N) + static_cast<long>(i) * N;
    int j = 0;
    for (; j < N; j += W) {
      v x = V::load(P.slices[0].dW + rowOff(m, LD) + j);
      for (int s = 1; s < P.S; s++) x = V::add(x, V::load(P.slices[s].dW + rowOff(m, LD) + j));
      if (j + W <= N) V::store(dst + j, x);
      else V::storeN(dst + j, x, N - j);
    }
  }
}

// ---- peak ------------------------------------------------------------------------------------

/**
 * FMA_CHAINS independent chains of vector multiply-adds, `rounds` steps each: nothing but the FMA
 * units' throughput limits it, so its rate is the core's peak on this path, the yardstick of the
 * benches' GFLOP/s. Returns a lane of the result so the work cannot be dropped.
 */
float fmaBurst(long rounds) {
  v acc[FMA_CHAINS];
  for (int j = 0; j < FMA_CHAINS; j++) acc[j] = V::set(0.001f * static_cast<float>(j));
  const v a = V::set(0.999999f), c = V::set(1e-7f);
  for (long i = 0; i < rounds; i++) {
#pragma GCC unroll 16
    for (int j = 0; j < FMA_CHAINS; j++) acc[j] = V::madd(c, acc[j], a);
  }
  v sum = acc[0];
  for (int j = 1; j < FMA_CHAINS; j++) sum = V::add(sum, acc[j]);
  float lanes[W];
  V::store(lanes, sum);
  return lanes[0];
}

}  // namespace RING_NS
}  // namespace ring

/** The ISA's entry in the addon's table. */
#define RING_DEFINE_ISA(var, label)                                                                                        \
  namespace ring {                                                                                                         \
  extern const IsaOps var = {label,          RING_NS::W,        RING_NS::MR_MAX,         RING_NS::KC,                     \
                             RING_NS::pack,  RING_NS::forward,  RING_NS::backward,       RING_NS::reduce,                 \
                             RING_NS::readoutForward, RING_NS::readoutBackward, RING_NS::fmaBurst};                        \
  }
