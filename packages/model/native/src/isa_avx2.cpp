// The kernel for x86-64 with AVX2 and FMA (compiled with -mavx2 -mfma): 6 × 16 register tiles.
#define RING_VEC_AVX2 1
#define RING_NS avx2
#define RING_MR 6
#define RING_NV 2
#include "kernel.h"
RING_DEFINE_ISA(isa_avx2, "avx2")
