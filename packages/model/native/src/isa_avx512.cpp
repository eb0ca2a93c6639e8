// The kernel for x86-64 with AVX-512F (compiled with -mavx512f): 12 × 32 and 6 × 64 register tiles.
#define RING_VEC_AVX512 1
#define RING_NS avx512
#define RING_MR_A 12
#define RING_NV_A 2
#define RING_MR_B 6
#define RING_NV_B 4
#include "kernel.h"
RING_DEFINE_ISA(isa_avx512, "avx512")
#include "gru.h"
RING_DEFINE_GRU(gru_avx512, "avx512")
#include "head.h"
RING_DEFINE_HEAD(head_avx512, "avx512")
#include "linear.h"
RING_DEFINE_LINEAR(linear_avx512, "avx512")
