// The fused GRU's resident state in the addon: its arena, the plan of a call's buffers, and the GRU
// kernel of each ISA path. Included by addon.cpp (one translation unit, baseline ISA).
#pragma once
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "arena.h"
#include "gru_isa.h"

namespace ring {

/** What the addon keeps between a GRU forward and its backward. */
using GruState = Resident<GruPlan, GruOps>;

/** The GRU kernel compiled for the ring kernel's ISA path `isa` (same name). */
inline const GruOps* gruOpsFor(const IsaOps* isa) {
#if defined(__x86_64__) || defined(_M_X64)
  static const GruOps* const all[] = {&gru_avx512, &gru_avx2, &gru_portable, &gru_wide16};
#else
  static const GruOps* const all[] = {&gru_portable, &gru_wide16};
#endif
  for (const GruOps* g : all)
    if (std::strcmp(g->name, isa->name) == 0) return g;
  return &gru_portable;
}

/** Lays out the plan's buffers from `base` (or only sizes them when base is null); returns the bytes they need. */
inline size_t gruCarve(GruPlan& p, const GruOps& ops, char* base) {
  Carver c{base};
  auto take = [&](size_t floats) { return c.take(floats); };
  const GruShape& s = p.s;
  const size_t T = s.T, H = s.H, HP = p.HP, G = p.G;
  for (int k = 0; k < s.L; k++) {
    GruLayerPack& l = p.layers[k];
    l.wihT = take(static_cast<size_t>(l.K) * G);
    l.whhT = take(H * G);
    l.whh = take(G * HP);
    l.wih = take(G * l.IK);
    l.bx = take(G);
    l.bhn = take(HP);
  }
  const size_t IK0 = p.layers[0].IK;
  for (int i = 0; i < p.S; i++) {
    GruSlice& sl = p.slices[i];
    const size_t BS = sl.b1 - sl.b0, rows = T * BS;
    sl.XT = take(rows * IK0);
    sl.DXT = take(rows * IK0);
    // The backward keeps gate gradients for two chunks of steps.
    const size_t C = static_cast<size_t>(gruChunkSteps(static_cast<long>(BS), ops.kChunk));
    const size_t ring = (2 * C < T ? 2 * C : T) * BS;
    sl.DGH = take(ring * G);
    sl.DGX = take(ring * G);
    sl.DH = take(BS * HP);
    sl.DY = take(rows * HP);
    sl.DY2 = take(rows * HP);
    sl.WORK = take(static_cast<size_t>(ops.kChunk) * (G + ops.slack + (HP > IK0 ? HP : IK0)));
    // Partial sums of the recurrent products (Bs rows) and the input products (rowBlock rows at a time).
    const size_t partRows = (BS > static_cast<size_t>(ops.rowBlock) ? BS : ops.rowBlock) + ops.slack;
    sl.PART = take(partRows * (G > IK0 ? G : IK0));
    for (int k = 0; k < s.L; k++) {
      GruSliceLayer& ly = sl.layers[k];
      const bool masked = s.masked && k > 0;
      ly.HS = take((T + 1) * BS * HP);
      ly.GX = take(rows * G);
      ly.GHN = take(rows * HP);
      ly.XM = masked ? take(rows * HP) : nullptr;
      ly.MT = masked ? take(rows * HP) : nullptr;
      ly.dWih = take(G * p.layers[k].IK);
      ly.dWhh = take(G * HP);
      ly.db = take(2 * G);
    }
  }
  return c.bytes();
}

/**
 * Plans a call of shape s over `threads` batch slices on `ops`, growing the arena if needed. Throws
 * `fail(message)`'s exception for shapes too large or memory not available.
 */
template <class Fail>
void gruPlan(GruState& st, const GruShape& s, int threads, const GruOps* ops, Fail fail) {
  GruPlan& p = st.plan;
  st.resident = 0;
  p.s = s;
  const int W = ops->W;
  p.HP = (s.H + W - 1) / W * W;
  p.G = 3 * p.HP;
  for (int k = 0; k < s.L; k++) {
    p.layers[k].K = k == 0 ? s.I : s.H;
    p.layers[k].IK = (p.layers[k].K + W - 1) / W * W;
  }
  p.S = splitBatch(p.slices, s.B, threads);
  st.arena.fit(gruCarve(p, *ops, nullptr), "native GRU", "use a smaller batch or sequence length", fail);
  gruCarve(p, *ops, st.arena.base);
}

}  // namespace ring
