// The boundary between the addon and the norm-MLP head compiled once per ISA (head.h): the GRU
// baseline's output head, linear(W2, dropout(relu(linear(W1, LayerNorm(x))))) over M rows (the dense
// op normMlp of src/baselines/ops.ts). Plain structs and function pointers only, as in isa.h.
#pragma once
#include <cstdint>

#include "isa.h"

namespace ring {

/** Sizes of one call, LayerNorm's epsilon and the dropout mask on the hidden layer. */
struct HeadShape {
  int M, H, F, O;      // rows, input width, hidden width, output width
  float eps;           // LayerNorm's ε
  int masked;          // 1: the hidden activations are multiplied by the mask of `key`
  uint32_t key;        // mask element r·F + j scales hidden unit j of row r
  uint32_t threshold;  // an element is kept when its hash is ≥ threshold
  float scale;         // a kept element's multiplier, 1/(1 − p)
};

/** One thread's rows [r0, r1) and its buffers; rows of HP or FP floats, padding kept at 0. */
struct HeadSlice {
  int r0, r1;
  float* XH;    // rows × HP: x̂ = (x − μ)·rstd
  float* RSTD;  // rows: 1/√(var + ε)
  float* N;     // rows × HP: x̂·γ + β, the first linear's input
  float* F1;    // rows × FP: the first linear's output
  float* A;     // rows × FP: relu(F1)·mask, the second linear's input
  float* DF;    // rows × FP: gradient of F1
  float* DN;    // rows × HP: gradient of N, then of x
  float* WORK;  // the weight-gradient product's packed operands
  float* PART;  // the products' partial sums over blocks of k: (rowBlock + slack) · max(FP, HP)
  float* dW1;   // HP × FP: this slice's partial of dW1ᵀ
  float* dW2;   // O × FP: partial of dW2
  float* db1;   // FP
  float* db2;   // O
  float* dg;    // HP: partial of dγ
  float* dbeta; // HP: partial of dβ
};

/** A call's resident state: shape, padded sizes, packed weights and every slice. */
struct HeadPlan {
  HeadShape s;
  int HP, FP, S;
  float* w1T;   // W1ᵀ, H × FP, in column panels (the first linear)
  float* w1;    // W1, F × HP, in column panels (its input gradient)
  float* w2;    // W2, O rows of FP (dot products per row)
  float* b1;    // FP
  float* b2;    // O
  float* g;     // HP: γ
  float* beta;  // HP: β
  HeadSlice slices[MAX_THREADS];
};

/** Arrays owned by JavaScript for the duration of one forward call (PyTorch's layouts). */
struct HeadForwardIO {
  const float* x;  // M × H
  const float *g, *b, *w1, *b1, *w2, *b2;
  float* y;  // M × O, written
};

/** Arrays owned by JavaScript for the duration of one backward call. */
struct HeadBackwardIO {
  const float* dy;  // M × O
  float* dx;        // M × H, written
  float *dg, *db, *dw1, *db1, *dw2, *db2;
};

/** One ISA's head kernel. Each function works on a disjoint part, so threads may call them concurrently. */
struct HeadOps {
  const char* name;
  int W;       // vector lanes (HP and FP are multiples)
  int kChunk;    // rows of the weight-gradient product packed at a time
  int rowBlock;  // rows of the products done at a time
  int slack;     // rows of a register tile past the last row (padding of packed A blocks and of partial sums)
  /** Packing job j of 3: W1ᵀ, W1, the vectors. */
  void (*pack)(const HeadPlan& plan, const HeadForwardIO& io, int job);
  /** The rows of slice s; writes its rows of y. */
  void (*forward)(const HeadPlan& plan, const HeadForwardIO& io, int s);
  /** The backward of slice s; writes its rows of dx and its weight-gradient partials. */
  void (*backward)(const HeadPlan& plan, const HeadBackwardIO& io, int s);
  /** Part `part` of `parts` of the weight gradients: the slices' partials summed in slice order. */
  void (*reduce)(const HeadPlan& plan, const HeadBackwardIO& io, int part, int parts);
};

extern const HeadOps head_portable;
extern const HeadOps head_wide16;
#if defined(__x86_64__) || defined(_M_X64)
extern const HeadOps head_avx2;
extern const HeadOps head_avx512;
#endif

}  // namespace ring
