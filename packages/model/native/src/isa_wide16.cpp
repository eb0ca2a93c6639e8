// A test path: the AVX-512 path's shapes (16 lanes, 12 × 32 and 6 × 64 tiles) on generic vectors for
// the baseline ISA, so every width-dependent branch of the AVX-512 kernel runs on any machine.
#define RING_VEC_GENERIC 1
#define RING_VEC_LANES 16
#define RING_NS wide16
#define RING_MR_A 12
#define RING_NV_A 2
#define RING_MR_B 6
#define RING_NV_B 4
#include "kernel.h"
RING_DEFINE_ISA(isa_wide16, "wide16")
#include "gru.h"
RING_DEFINE_GRU(gru_wide16, "wide16")
#include "head.h"
RING_DEFINE_HEAD(head_wide16, "wide16")
#include "linear.h"
RING_DEFINE_LINEAR(linear_wide16, "wide16")
