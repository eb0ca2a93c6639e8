// The norm-MLP head's resident state in the addon: its arena, the plan of a call's buffers, and the
// head kernel of each ISA path. Included by addon.cpp (one translation unit, baseline ISA).
#pragma once
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include "head_isa.h"

namespace ring {

/** What the addon keeps between a head forward and its backward. */
using HeadState = Resident<HeadPlan, HeadOps>;

/** The head kernel compiled for the ring kernel's ISA path `isa` (same name). */
inline const HeadOps* headOpsFor(const IsaOps* isa) {
#if defined(__x86_64__) || defined(_M_X64)
  static const HeadOps* const all[] = {&head_avx512, &head_avx2, &head_portable, &head_wide16};
#else
  static const HeadOps* const all[] = {&head_portable, &head_wide16};
#endif
  for (const HeadOps* h : all)
    if (std::strcmp(h->name, isa->name) == 0) return h;
  return &head_portable;
}

/** Lays out the plan's buffers from `base` (or only sizes them when base is null); returns the bytes they need. */
inline size_t headCarve(HeadPlan& p, const HeadOps& ops, char* base) {
  Carver c{base};
  auto take = [&](size_t floats) { return c.take(floats); };
  const size_t H = p.s.H, F = p.s.F, O = p.s.O, HP = p.HP, FP = p.FP;
  p.w1T = take(H * FP);
  p.w1 = take(F * HP);
  p.w2 = take(O * FP);
  p.b1 = take(FP);
  p.b2 = take(O);
  p.g = take(HP);
  p.beta = take(HP);
  for (int i = 0; i < p.S; i++) {
    HeadSlice& sl = p.slices[i];
    const size_t rows = sl.r1 - sl.r0;
    sl.XH = take(rows * HP);
    sl.RSTD = take(rows);
    sl.N = take(rows * HP);
    sl.F1 = take(rows * FP);
    sl.A = take(rows * FP);
    sl.DF = take(rows * FP);
    sl.DN = take(rows * HP);
    sl.WORK = take(static_cast<size_t>(ops.kChunk) * (HP + ops.slack + FP));
    sl.PART = take((static_cast<size_t>(ops.rowBlock) + ops.slack) * (FP > HP ? FP : HP));
    sl.dW1 = take(HP * FP);
    sl.dW2 = take(O * FP);
    sl.db1 = take(FP);
    sl.db2 = take(O);
    sl.dg = take(HP);
    sl.dbeta = take(HP);
  }
  return c.bytes();
}

/** Plans a call of shape s over `threads` row slices on `ops`, growing the arena if needed; failures go to fail(message). */
template <class Fail>
void headPlan(HeadState& st, const HeadShape& s, int threads, const HeadOps* ops, Fail fail) {
  HeadPlan& p = st.plan;
  st.resident = 0;
  p.s = s;
  p.HP = (s.H + ops->W - 1) / ops->W * ops->W;
  p.FP = (s.F + ops->W - 1) / ops->W * ops->W;
  p.S = threads < 1 ? 1 : threads > s.M ? s.M : threads > MAX_THREADS ? MAX_THREADS : threads;
  for (int i = 0; i < p.S; i++) {
    p.slices[i].r0 = static_cast<int>(static_cast<long>(s.M) * i / p.S);
    p.slices[i].r1 = static_cast<int>(static_cast<long>(s.M) * (i + 1) / p.S);
  }
  st.arena.fit(headCarve(p, *ops, nullptr), "native head", "use fewer rows", fail);
  headCarve(p, *ops, st.arena.base);
}

}  // namespace ring
