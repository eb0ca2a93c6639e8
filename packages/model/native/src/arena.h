// What every engine's plan shares (the ring kernel's in addon.cpp, the GRU's and the head's): one
// arena per engine, grown to the largest call it has planned and never shrunk, so a call allocates
// nothing once its shapes have been seen; buffers carved from it 64-byte aligned; and the split of
// a batch into contiguous slices, one per thread.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <string>

#include "isa.h"

namespace ring {

constexpr size_t ALIGN = 64;

/** Hands out 64-byte-aligned buffers from a base (or only sizes them when base is null). */
struct Carver {
  char* base;
  size_t at = 0;
  template <class T = float>
  T* take(size_t count) {
    at = (at + ALIGN - 1) / ALIGN * ALIGN;
    T* p = base ? reinterpret_cast<T*>(base + at) : nullptr;
    at += count * sizeof(T);
    return p;
  }
  /** The bytes taken, rounded up to the alignment. */
  size_t bytes() const { return (at + ALIGN - 1) / ALIGN * ALIGN; }
};

/** An engine's kernel memory. */
struct Arena {
  char* base = nullptr;
  size_t bytes = 0;

  void release() {
    std::free(base);
    base = nullptr;
    bytes = 0;
  }

  /**
   * Makes room for `need` bytes (a larger arena is kept). Failures go to fail(message), naming the
   * engine `what`; `smaller` says which sizes to lower.
   */
  template <class Fail>
  void fit(size_t need, const char* what, const char* smaller, Fail fail) {
    if (need > (size_t(1) << 40)) fail(std::string(what) + ": these shapes need " + std::to_string(need >> 30) + " GiB of kernel memory; " + smaller);
    if (need <= bytes) return;
    release();
    base = static_cast<char*>(std::aligned_alloc(ALIGN, need));
    if (base == nullptr) fail(std::string(what) + ": could not allocate " + std::to_string((need + (1 << 20) - 1) >> 20) + " MiB of kernel memory for these shapes");
    bytes = need;
  }
};

/** What an engine keeps between a forward and its backward: the plan, the path it ran on, the call it holds, its memory. */
template <class Plan, class Ops>
struct Resident {
  Plan plan{};
  const Ops* ops = nullptr;  // the path the resident forward ran on (its backward must match)
  double resident = 0;       // id of the call whose forward state is held (0: none)
  Arena arena;

  void release() {
    arena.release();
    resident = 0;
  }
};

/** Splits B rows into at most `threads` (and MAX_THREADS, and B) contiguous slices, the first B % S one row longer; returns S. */
template <class Slice>
int splitBatch(Slice* slices, int B, int threads) {
  const int S = threads < 1 ? 1 : threads > B ? B : threads > MAX_THREADS ? MAX_THREADS : threads;
  const int base = B / S, extra = B % S;
  for (int i = 0, b0 = 0; i < S; i++) {
    const int bs = base + (i < extra ? 1 : 0);
    slices[i].b0 = b0;
    slices[i].b1 = b0 + bs;
    b0 += bs;
  }
  return S;
}

}  // namespace ring
