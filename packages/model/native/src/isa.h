// The boundary between the addon (addon.cpp, compiled for the baseline ISA) and the kernel, compiled
// once per ISA (isa_*.cpp). Plain structs and function pointers only: nothing here may instantiate
// a template or an inline function in two translation units built with different instruction sets.
#pragma once
#include <cstddef>

#include "generated/layout.h"

namespace ring {

/** Shape and constants of one call (from the parameter block of kernel-spec/layout.json). */
struct Shape {
  int B, T, N, K, act, sparse;
  float J0, J1, alpha;
};

/**
 * One thread's batch slice [b0, b1) and its private buffers (floats, rows of LD), carved from the
 * addon's arena. R and FD persist from the forward to the backward; the rest is scratch.
 */
struct Slice {
  int b0, b1;
  float* R;       // (T+1) × Bs × LD: state before each step, and after the last
  float* FD;      // T × Bs × LD: F'(pre) of every step
  float* pre;     // Bs × LD: pre-activations (forward), pre-activation gradients (backward)
  float* dR;      // Bs × LD: state gradient
  float* part;    // (Bs + MR) × LD: partial sums of products run in blocks of k
  float* dapart;  // Bs: each row's J0·Σ dpre (backward, channel 0), then partial action-gradient dots
  int* idx;       // Bs: rows of the slice whose action is nonzero
  float* dW;      // (K+1) × N × LD: this slice's weight-gradient partial
  float* Sd;      // (K+1) × KS × LD: staged dP rows (per channel) awaiting dW += Sdᵀ·Sr
  float* Sr;      // (K+1) × KS × LD: the state rows they pair with, in column panels
  int* scount;    // K+1: staged rows per channel
};

/** A forward's resident state: shapes, packed weights, the actions and every slice. */
struct Plan {
  Shape s;
  int LD;  // N rounded up to the ISA's vector width
  int KS;  // staging capacity (rows) per channel
  int S;   // slices (threads)
  float* Bf;       // (K+1) × N × LD: W_cᵀ in column panels (forward products r·W_cᵀ)
  float* Bb;       // (K+1) × N × LD: W_c in column panels (backward products dpre·W_c)
  float* actions;  // B × T × K
  Slice slices[MAX_THREADS];
};

/** Arrays owned by JavaScript for the duration of one forward call. */
struct ForwardIO {
  const float* r0;      // B × N
  const float* Wo;      // N × N
  const float* Wa;      // K × N × N
  float* history;       // B × T × N, written (null: not wanted)
  const double* basis;  // cos φ then sin φ (2N), with sums
  float* sums;          // 3 × B·T, written: the ring readout of every history row (null: not wanted)
};

/**
 * Arrays owned by JavaScript for the duration of one backward call. The history's cotangent is
 * either given (dh) or that of the ring readout (dsums, the readout's cotangent, 3 × B·T).
 */
struct BackwardIO {
  const float* dh;      // B × T × N history gradient (null: from dsums)
  float* dA;            // B × T × K, written
  float* dr0;           // B × N, written
  float* dWo;           // N × N, written
  float* dWa;           // K × N × N, written
  const float* dsums;   // 3 × B·T, when dh is null
  const double* basis;  // cos φ then sin φ (2N), with dsums
};

/** One ISA's kernel. Each function works on a disjoint part, so threads may call them concurrently. */
struct IsaOps {
  const char* name;
  int W;   // vector lanes (LD is a multiple)
  int MR;  // rows of a register tile (the staging slack)
  int KS;  // rows staged per channel before they are added into dW
  /** Packs channel c (0 = Wo) of the weights into plan.Bf and plan.Bb. */
  void (*pack)(const Plan& plan, const ForwardIO& io, int c);
  /** All T steps of slice s; writes its history rows and/or their ring readout. */
  void (*forward)(const Plan& plan, const ForwardIO& io, int s);
  /** Backward through time of slice s; writes its dA and dr0 rows and its dW partial. */
  void (*backward)(const Plan& plan, const BackwardIO& io, int s);
  /** dWo/dWa rows [m0, m1) of the (K+1)·N stacked rows: the slices' partials summed in slice order. */
  void (*reduce)(const Plan& plan, const BackwardIO& io, int m0, int m1);
  /** Rows [r0, r1) of the ring readout's forward (see readout in kernel.h); out is 3 × rows. */
  void (*readoutForward)(const float* r, long r0, long r1, long rows, int N, const double* cs, float* out);
  /** Rows [r0, r1) of the ring readout's backward; dy is 3 × rows, dr rows × N. */
  void (*readoutBackward)(const float* r, const float* dy, long r0, long r1, long rows, int N, const double* cs, float* dr);
  /** `rounds` rounds of FMA_CHAINS independent vector multiply-adds (the core's peak; see kernel.h's fmaBurst). */
  float (*fmaBurst)(long rounds);
};

/** Independent multiply-add chains per round of fmaBurst: enough to cover two FMA units' latency. */
constexpr int FMA_CHAINS = 12;

extern const IsaOps isa_portable;
extern const IsaOps isa_wide16;
#if defined(__x86_64__) || defined(_M_X64)
extern const IsaOps isa_avx2;
extern const IsaOps isa_avx512;
#endif

}  // namespace ring
