// The kernel for x86-64 with AVX-512F (compiled with -mavx512f): 12 × 32 register tiles.
#define RING_VEC_AVX512 1
#define RING_NS avx512
#define RING_MR 12
#define RING_NV 2
#include "kernel.h"
RING_DEFINE_ISA(isa_avx512, "avx512")
