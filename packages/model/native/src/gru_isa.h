// The boundary between the addon (addon.cpp, baseline ISA) and the fused GRU stack compiled once per
// ISA (gru.h, included by each isa_*.cpp). Plain structs and function pointers only, as in isa.h.
//
// Gate columns are interleaved by groups of W units (W = the ISA's vector lanes): column
// 3W·g + gate·W + i is gate `gate` (0 r, 1 z, 2 n) of unit g·W + i, so one register tile of three
// vectors holds r, z and n of the same W units. G = 3·HP columns, HP = H rounded up to W; the
// padding units' weights and biases are 0, which keeps their states at exactly 0.
#pragma once
#include <cstdint>

#include "isa.h"

namespace ring {

constexpr int GRU_MAX_LAYERS = 16;

/** Sizes of one call, and the dropout mask between layers (see src/baselines/dropout.ts). */
struct GruShape {
  int B, T, I, H, L;
  int masked;          // 1: the input of layers 1…L−1 is multiplied by the mask of `key`
  uint32_t key;        // mask element ((k−1)·B + b)·T·H + t·H + j scales unit j of layer k's input at (b, t)
  uint32_t threshold;  // an element is kept when its hash is ≥ threshold
  float scale;         // a kept element's multiplier, 1/(1 − p)
};

/** One layer's weights, packed for the products of gru.h (shared by every slice). */
struct GruLayerPack {
  int K;        // real input width: I for layer 0, H above
  int IK;       // K rounded up to W (row length of the layer's input rows)
  float* wihT;  // W_ihᵀ, K × G, in column panels (input products of every step)
  float* whhT;  // W_hhᵀ, H × G, in panels of one gate group (the recurrent product, gates in its epilogue)
  float* whh;   // W_hh, G × HP, in column panels (backward: the state gradient)
  float* wih;   // W_ih, G × IK, in column panels (backward: the input gradient; K rows of G for a narrow input, see gru.h)
  float* bx;    // G: b_ih, plus b_hh for the r and z gates (added to the input products)
  float* bhn;   // HP: b_hh of the n gate (inside r ⊙ (W_hn h + b_hn))
};

/** One layer's buffers in a slice; rows are t-major (row t·Bs + b). */
struct GruSliceLayer {
  float* HS;    // (T+1)·Bs × HP: states h_0 … h_T
  float* GX;    // T·Bs × G: input products + bias, overwritten by the gates r, z, n
  float* GHN;   // T·Bs × HP: W_hn h + b_hn
  float* XM;    // T·Bs × HP: the masked input (layers ≥ 1 when masked), else null
  float* MT;    // T·Bs × HP: its mask, else null
  float* dWih;  // IK × G: this slice's partial of dW_ihᵀ (interleaved columns)
  float* dWhh;  // HP × G: partial of dW_hhᵀ
  float* db;    // 2G: partials of db_ih, then db_hh
};

/** One thread's batch slice [b0, b1) and its buffers, carved from the addon's GRU arena. */
struct GruSlice {
  int b0, b1;
  float* XT;   // T·Bs × IK of layer 0: the input rows
  float* DXT;  // T·Bs × IK of layer 0: their gradient
  float* DGH;  // R·Bs × G (R steps, see gru.h's backward): gradients of the recurrent pre-activations (r, z, r ⊙ n-part)
  float* DGX;  // R·Bs × G: gradients of the input pre-activations (r, z, n)
  float* DH;   // Bs × HP: the running state gradient
  float* DY;   // T·Bs × HP: gradient of a layer's outputs
  float* DY2;  // T·Bs × HP: the same for the layer below (the two alternate)
  float* WORK; // the weight-gradient products' packed operands: kChunk · (G + slack + max(HP, IK))
  float* PART; // the other products' partial sums over blocks of k: (max(rowBlock, Bs) + slack) · max(G, IK)
  GruSliceLayer layers[GRU_MAX_LAYERS];
};

/** A call's resident state: shape, padded sizes, packed weights and every slice. */
struct GruPlan {
  GruShape s;
  int HP, G, S;
  GruLayerPack layers[GRU_MAX_LAYERS];
  GruSlice slices[MAX_THREADS];
};

/** Arrays owned by JavaScript for the duration of one forward call (torch.nn.GRU's layouts). */
struct GruForwardIO {
  const float* x;   // B × T × I
  const float* h0;  // L × B × H
  const float* wIh[GRU_MAX_LAYERS];
  const float* wHh[GRU_MAX_LAYERS];
  const float* bIh[GRU_MAX_LAYERS];
  const float* bHh[GRU_MAX_LAYERS];
  float* out;  // B × T × H, written: the last layer's states h_1 … h_T
};

/** Arrays owned by JavaScript for the duration of one backward call. */
struct GruBackwardIO {
  const float* dout;  // B × T × H
  float* dx;          // B × T × I, written
  float* dh0;         // L × B × H, written
  float* dWih[GRU_MAX_LAYERS];
  float* dWhh[GRU_MAX_LAYERS];
  float* dbih[GRU_MAX_LAYERS];
  float* dbhh[GRU_MAX_LAYERS];
};

/** Steps per chunk for a slice of BS rows (about kChunk rows): the forward's input products and the backward's weight gradients go by chunks, and the plan sizes its buffers by it. */
inline int gruChunkSteps(long BS, int kChunk) { return BS >= kChunk ? 1 : static_cast<int>(kChunk / BS); }

/** One ISA's GRU kernel. Each function works on a disjoint part, so threads may call them concurrently. */
struct GruOps {
  const char* name;
  int W;       // vector lanes (HP and IK are multiples)
  int kChunk;    // k-rows of the weight-gradient products packed at a time
  int rowBlock;  // rows of the long products done at a time (gru.h's input products)
  int slack;     // rows of a register tile past the last row (padding of packed A blocks and of partial sums)
  /** Packing job j of 5·L (layer j / 5: four matrices and the biases). */
  void (*pack)(const GruPlan& plan, const GruForwardIO& io, int job);
  /** Every layer and step of slice s; writes its rows of out. */
  void (*forward)(const GruPlan& plan, const GruForwardIO& io, int s);
  /** Backward through time of slice s; writes its rows of dx and dh0 and its weight-gradient partials. */
  void (*backward)(const GruPlan& plan, const GruBackwardIO& io, int s);
  /** Part `part` of `parts` of the weight gradients: the slices' partials summed in slice order, in torch's layout. */
  void (*reduce)(const GruPlan& plan, const GruBackwardIO& io, int part, int parts);
};

extern const GruOps gru_portable;
extern const GruOps gru_wide16;
#if defined(__x86_64__) || defined(_M_X64)
extern const GruOps gru_avx2;
extern const GruOps gru_avx512;
#endif

}  // namespace ring
