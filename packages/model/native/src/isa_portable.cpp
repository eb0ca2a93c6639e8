// The kernel for any CPU (compiled for the target's baseline: SSE2 on x86-64): 4-lane vectors, 4 × 8 tiles.
#define RING_VEC_GENERIC 1
#define RING_VEC_LANES 4
#define RING_NS portable
#define RING_MR_A 4
#define RING_NV_A 2
#define RING_MR_B 4
#define RING_NV_B 2
#include "kernel.h"
RING_DEFINE_ISA(isa_portable, "portable")
#include "gru.h"
RING_DEFINE_GRU(gru_portable, "portable")
#include "head.h"
RING_DEFINE_HEAD(head_portable, "portable")
#include "linear.h"
RING_DEFINE_LINEAR(linear_portable, "portable")
