// Products and helpers shared by the baselines' native ops (gru.h, head.h), for one ISA: packing
// for kernel.h's B panels, row-blocked products through an epilogue, sums of outer products with
// their packing, narrow products as dot products, and dropout masks from their key. Included by
// each isa_*.cpp (through gru.h) after kernel.h.
#pragma once
#include <cstdint>
#include <cstring>

namespace ring {
namespace RING_NS {
namespace dense {

// Rows of the long products done at a time (their A block stays in L2), and k-rows of the weight
// gradients per chunk (both operands of a chunk stay in L2).
constexpr int ROW_BLOCK = 192;
constexpr int K_CHUNK = 256;

/** Writes value(k, col) for k < K, col < cols in kernel.h's PackedB panels of width NR (then a narrower last one). */
template <class F>
void packPanels(float* dst, int K, int cols, int NR, F value) {
  for (int j0 = 0; j0 < cols; j0 += NR) {
    const int width = imin(NR, cols - j0);
    float* p = dst + static_cast<long>(j0) * K;
    for (int k = 0; k < K; k++)
      for (int x = 0; x < width; x++) p[static_cast<long>(k) * width + x] = value(k, j0 + x);
  }
}

/** C = acc + bias (the input products; the bias is indexed by column). */
struct StoreBias {
  float* C;
  int ld;
  const float* bias;
  template <int MR, int NVX>
  RING_INLINE void put(int r0, int nr, int j0, v (&acc)[MR][NVX]) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      if (r >= nr) break;
      float* dst = C + rowOff(r0 + r, ld) + j0;
#pragma GCC unroll 4
      for (int j = 0; j < NVX; j++) V::store(dst + j * W, V::add(acc[r][j], V::load(bias + j0 + j * W)));
    }
  }
};

/** C = acc ⊙ mask (mask null: C = acc); mask has C's layout (the input gradient through dropout). */
struct StoreMasked {
  float* C;
  int ld;
  const float* mask;
  template <int MR, int NVX>
  RING_INLINE void put(int r0, int nr, int j0, v (&acc)[MR][NVX]) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      if (r >= nr) break;
      const long at = rowOff(r0 + r, ld) + j0;
#pragma GCC unroll 4
      for (int j = 0; j < NVX; j++) V::store(C + at + j * W, mask ? V::mul(acc[r][j], V::load(mask + at + j * W)) : acc[r][j]);
    }
  }
};

/**
 * C rows (rows × cols) = A rows (K of lda) · packed B, through epilogue makeEpi(r0) per block of
 * ROW_BLOCK rows; `part` holds gemm's partial sums ((ROW_BLOCK + MR_MAX) × cols floats).
 */
template <class MakeEpi>
void rowBlocks(int rows, int cols, int K, const float* A, int lda, const PackedB& b, float* part, MakeEpi makeEpi) {
  for (int r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
    const int n = imin(ROW_BLOCK, rows - r0);
    auto epi = makeEpi(r0);
    gemm(n, cols, K, DenseRows{A + rowOff(r0, lda), lda, n}, b, epi, part);
  }
}

/**
 * A's kc rows (lda apart) as PackedRows: blocks of MR columns, each kc × MR floats, k-major; the last
 * block's columns past `rows` are 0. MR is a constant so each block's copy is a few moves, not a
 * loop testing every element (the packing ran as long as a fifth of the product it feeds).
 */
template <int MR>
RING_INLINE void packRowBlocks(float* ap, const float* A, int lda, int rows, int kc) {
  const int full = rows / MR, blocks = (rows + MR - 1) / MR;
  for (int k = 0; k < kc; k++) {
    const float* a = A + rowOff(k, lda);
    float* d = ap + static_cast<long>(k) * MR;
    const long step = static_cast<long>(kc) * MR;
    for (int q = 0; q < full; q++, d += step, a += MR)
#pragma GCC unroll 16
      for (int i = 0; i < MR; i++) d[i] = a[i];
    if (full < blocks)
      for (int i = 0; i < MR; i++) d[i] = full * MR + i < rows ? a[i] : 0.0f;
  }
}

/**
 * C (rows × cols, ld cols) += Σ_k A[k]ᵀ ⊗ B[k] over K rows of A (lda) and B (ldb), on kernel.h's
 * accumulate. In chunks of K_CHUNK rows, each packed into `work` (A as PackedRows, B as column
 * panels) so both operands stream sequentially and one B panel stays in L1 while every block of A
 * passes over it. The packing also adds B's column sums Σ_k B[k] (in order) to sumB (the bias gradients).
 */
void outerSum(float* C, int rows, int cols, int K, const float* A, int lda, const float* B, int ldb, float* work, float* sumB) {
  const int MR = tileRows(cols);
  const int blocks = (rows + MR - 1) / MR;
  float* ap = work;
  float* bp = work + static_cast<long>(K_CHUNK) * blocks * MR;
  for (int k0 = 0; k0 < K; k0 += K_CHUNK) {
    const int kc = imin(K_CHUNK, K - k0);
    if (MR == MR_B) packRowBlocks<MR_B>(ap, A + rowOff(k0, lda), lda, rows, kc);
    else packRowBlocks<MR_A>(ap, A + rowOff(k0, lda), lda, rows, kc);
    const int NR = tileWidth(cols);
    for (int j0 = 0; j0 < cols; j0 += NR) {
      const int width = imin(NR, cols - j0);
      float* p = bp + static_cast<long>(j0) * kc;
      for (int k = 0; k < kc; k++) {
        const float* b = B + rowOff(k0 + k, ldb) + j0;
        for (int x = 0; x < width; x += W) {
          const v y = V::load(b + x);
          V::store(p + static_cast<long>(k) * width + x, y);
          V::store(sumB + j0 + x, V::add(V::load(sumB + j0 + x), y));
        }
      }
    }
    accumulate(C, rows, cols, kc, PackedRows{ap, kc}, bp, kc);
  }
}

/** dst[row·ldd + i] = Σ_c A[row][c]·Bt[i][c] for rows of K-length A rows and n < W rows of Bt (a narrow product, as dot products). */
void rowDots(int rows, int n, int K, const float* A, int lda, const float* Bt, float* dst, int ldd) {
  for (int r = 0; r < rows; r++) {
    const float* a = A + rowOff(r, lda);
    for (int i = 0; i < n; i++) {
      const float* b = Bt + rowOff(i, K);
      v s0 = V::zero(), s1 = V::zero();
      int c = 0;
      for (; c + 2 * W <= K; c += 2 * W) {
        s0 = V::madd(s0, V::load(a + c), V::load(b + c));
        s1 = V::madd(s1, V::load(a + c + W), V::load(b + c + W));
      }
      if (c < K) s0 = V::madd(s0, V::load(a + c), V::load(b + c));
      dst[rowOff(r, ldd) + i] = V::hsum(V::add(s0, s1));
    }
  }
}

/** The mask multipliers (0 or scale) of elements base … base + n − 1 into m (n a multiple of W; src/baselines/dropout.ts's maskHash). */
RING_INLINE void maskRow(float* m, uint32_t base, int n, uint32_t key, uint32_t threshold, float scale) {
  typedef uint32_t U __attribute__((vector_size(4 * W)));
  typedef int32_t S __attribute__((vector_size(4 * W)));
  U lane;
  for (int i = 0; i < W; i++) lane[i] = static_cast<uint32_t>(i);
  int32_t bits;
  std::memcpy(&bits, &scale, 4);
  for (int j = 0; j < n; j += W) {
    U x = (lane + (base + static_cast<uint32_t>(j))) * 0x9e3779b9u + key;
    x ^= x >> 16;
    x *= 0x85ebca6bu;
    x ^= x >> 13;
    x *= 0xc2b2ae35u;
    x ^= x >> 16;
    const S kept = reinterpret_cast<S>(x >= threshold) & bits;
    std::memcpy(m + j, &kept, sizeof kept);
  }
}

}  // namespace dense
}  // namespace RING_NS
}  // namespace ring
