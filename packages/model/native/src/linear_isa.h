// The transformer encoder layer's native steps (linear, activation, causal attention), on buffers the
// caller owns (the baselines' wasm kernel memory: src/baselines/kernel/encoderSteps.ts), for every
// ISA path. Shared by addon.cpp and the isa_*.cpp units.
#pragma once
#include <cstdint>

#include "isa.h"

namespace ring {

/**
 * One call. Rows are padded: x and dx rows of KP floats, y and dy rows of NP, both multiples of the
 * path's vector width; w is N × K (PyTorch's layout) and b has NP floats (padding 0).
 */
struct LinearCall {
  int M, N, K, NP, KP;
  const float* x;   // M × KP
  const float* w;   // N × K
  const float* b;   // NP (forward)
  float* y;         // M × NP, written (forward)
  const float* dy;  // M × NP (backward)
  float* dx;        // M × KP, written or added to (backward; null: not wanted)
  int accumulate;   // 1: dx += dy·W
  float* dw;        // N × K, written (backward)
  float* db;        // N, written (backward)
};

/** One thread's rows [r0, r1) of x and y, output units [n0, n1) of the weight gradient (a multiple of W), and its buffers. */
struct LinearSlice {
  int r0, r1, n0, n1;
  float* PART;  // the products' partial sums over blocks of k: (rowBlock + slack) · max(NP, KP)
  float* WORK;  // the weight-gradient product's packed operands: kChunk · (KP + slack + n1 − n0)
  float* DWT;   // KP × (n1 − n0): its columns of dWᵀ
  float* DB;    // n1 − n0: its entries of db
};

/** A call's packed weights and its slices. */
struct LinearPlan {
  LinearCall c;
  int S;
  float* wT;  // Wᵀ, KP × NP in column panels (the forward's B operand)
  float* wP;  // W, NP × KP in column panels (the input gradient's B operand)
  LinearSlice slices[MAX_THREADS];
};

/** A dropout mask: element i is 0 or `scale` by src/baselines/dropout.ts's maskHash of i (on = 0: all 1). */
struct DropMask {
  int on;
  uint32_t key, threshold;
  float scale;
};

/**
 * One activation step over n contiguous floats (n a multiple of the path's vector width):
 * forward y = F(x)·mask, backward dx = dy·mask·F′(x); mask element i counted from the first float.
 */
struct ActivationCall {
  long n;
  int act;         // the kernels' activation code (generated/layout.h: ACT_RELU, ACT_GELU)
  int backward;
  const float* x;
  float* y;        // forward
  const float* dy; // backward
  float* dx;       // backward
  DropMask mask;
};

/**
 * Causal multi-head self-attention over B sequences of S tokens: qkv rows of 3D floats (q, k, v side
 * by side, head h in columns h·hd … h·hd + hd − 1 of each), out and dout rows of D, dqkv rows of 3D.
 *   s_ij = q_i·k_j/√hd (j ≤ i), p = softmax_j(s), p′ = p·m, out_i = Σ_j p′_ij v_j
 * with mask element ((b·nhead + h)·S + i)·S + j.
 */
struct AttentionCall {
  int B, S, D, nhead, hd;
  int backward;
  const float* qkv;
  float* out;         // forward
  const float* dout;  // backward
  float* dqkv;        // backward
  DropMask mask;
  float* work;        // attentionWork(S, hd, W) floats per part, allocated by the caller
};

/** Floats of one part's attention scratch: keys, values and their gradients transposed, score rows, q, dout, dq. */
inline long attentionWork(int S, int hd, int W) {
  const long SW = (S + W - 1) / W * W;
  return (4L * hd + 3) * SW + 2L * hd + static_cast<long>(hd) * W;
}

/** One ISA's linear kernel; each function works on a disjoint part, so threads may call them concurrently. */
struct LinearOps {
  const char* name;
  int W;         // vector lanes (NP and KP must be multiples)
  int kChunk;    // rows of the weight-gradient product packed at a time
  int rowBlock;  // rows of a product done at a time
  int slack;     // rows of a register tile past the last row
  /** Packing job j: Wᵀ for the forward (0), W for the input gradient (1). */
  void (*pack)(const LinearPlan& plan, int job);
  /** Slice s's rows of y. */
  void (*forward)(const LinearPlan& plan, int s);
  /** Slice s's rows of dx, and its rows of dW and db (each a sum over every row of dy, in row order). */
  void (*backward)(const LinearPlan& plan, int s);
  /** Part `part` of `parts` of an activation step's floats. */
  void (*activation)(const ActivationCall& call, int part, int parts);
  /** Part `part` of `parts` of an attention step's sequences. */
  void (*attention)(const AttentionCall& call, int part, int parts);
};

extern const LinearOps linear_portable;
extern const LinearOps linear_wide16;
#if defined(__x86_64__) || defined(_M_X64)
extern const LinearOps linear_avx2;
extern const LinearOps linear_avx512;
#endif

}  // namespace ring
