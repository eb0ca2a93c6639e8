// The kernel for x86-64 with AVX2 and FMA (compiled with -mavx2 -mfma): 4 × 24 and 3 × 32 register
// tiles (on Zen 3, 6 × 16 tiles ran at ~60% of peak: their six broadcasts per step limit them).
#define RING_VEC_AVX2 1
#define RING_NS avx2
#define RING_MR_A 4
#define RING_NV_A 3
#define RING_MR_B 3
#define RING_NV_B 4
#include "kernel.h"
RING_DEFINE_ISA(isa_avx2, "avx2")
#include "gru.h"
RING_DEFINE_GRU(gru_avx2, "avx2")
#include "head.h"
RING_DEFINE_HEAD(head_avx2, "avx2")
#include "linear.h"
RING_DEFINE_LINEAR(linear_avx2, "avx2")
