// The transformer linear layers' memory in the addon (an arena grown to the largest call seen), the
// plan of a call's buffers, and the linear kernel of each ISA path. Included by addon.cpp.
#pragma once
#include <cstddef>
#include <cstring>

#include "arena.h"
#include "linear_isa.h"

namespace ring {

/** The linear kernel compiled for the ring kernel's ISA path `isa` (same name). */
inline const LinearOps* linearOpsFor(const IsaOps* isa) {
#if defined(__x86_64__) || defined(_M_X64)
  static const LinearOps* const all[] = {&linear_avx512, &linear_avx2, &linear_portable, &linear_wide16};
#else
  static const LinearOps* const all[] = {&linear_portable, &linear_wide16};
#endif
  for (const LinearOps* l : all)
    if (std::strcmp(l->name, isa->name) == 0) return l;
  return &linear_portable;
}

/** Lays out the plan's buffers from `base` (or only sizes them when base is null); returns the bytes they need. */
inline size_t linearCarve(LinearPlan& p, const LinearOps& ops, char* base) {
  Carver c{base};
  const size_t NP = p.c.NP, KP = p.c.KP;
  p.wT = c.take(KP * NP);
  p.wP = c.take(NP * KP);
  for (int i = 0; i < p.S; i++) {
    LinearSlice& sl = p.slices[i];
    const size_t units = sl.n1 - sl.n0;
    sl.PART = c.take((static_cast<size_t>(ops.rowBlock) + ops.slack) * (NP > KP ? NP : KP));
    sl.WORK = c.take(static_cast<size_t>(ops.kChunk) * (KP + ops.slack + units));
    sl.DWT = c.take(KP * units);
    sl.DB = c.take(units);
  }
  return c.bytes();
}

/** Plans call `call` over `threads` slices on `ops`, growing `arena` if needed; failures go to fail(message). */
template <class Fail>
void linearPlan(LinearPlan& p, Arena& arena, const LinearCall& call, int threads, const LinearOps* ops, Fail fail) {
  p.c = call;
  const int M = call.M, lanes = call.NP / ops->W;
  p.S = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
  for (int i = 0; i < p.S; i++) {
    p.slices[i].r0 = static_cast<int>(static_cast<long>(M) * i / p.S);
    p.slices[i].r1 = static_cast<int>(static_cast<long>(M) * (i + 1) / p.S);
    p.slices[i].n0 = lanes * i / p.S * ops->W;
    p.slices[i].n1 = lanes * (i + 1) / p.S * ops->W;
  }
  arena.fit(linearCarve(p, *ops, nullptr), "native linear", "use fewer rows or narrower layers", fail);
  linearCarve(p, *ops, arena.base);
}

}  // namespace ring
