// The native kernel's Node-API boundary (compiled for the baseline ISA): argument checks, the arena
// that holds a forward's resident state, the thread pool, and the choice of ISA path at load time
// (__builtin_cpu_supports), so a binary built elsewhere never runs an instruction this CPU lacks.
// Every failure reaches JavaScript as an Error whose message is one sentence.
#define NAPI_VERSION 8
#include <node_api.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "adam.h"
#include "gain.h"
#include "gru_plan.h"
#include "head_plan.h"
#include "linear_plan.h"
#include "isa.h"

namespace ring {
namespace {

/** A failure to report to JavaScript as it is. */
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- ISA paths ------------------------------------------------------------------------------

struct IsaEntry {
  const IsaOps* ops;
  bool (*supported)();
  bool automatic;  // a candidate for the default choice (wide16 is a test path)
};

bool always() { return true; }
#if defined(__x86_64__) || defined(_M_X64)
bool hasAvx512() { return __builtin_cpu_supports("avx512f"); }
bool hasAvx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
// In order of preference.
const IsaEntry ISAS[] = {
    {&isa_avx512, hasAvx512, true},
    {&isa_avx2, hasAvx2, true},
    {&isa_portable, always, true},
    {&isa_wide16, always, false},
};
#else
const IsaEntry ISAS[] = {
    {&isa_portable, always, true},
    {&isa_wide16, always, false},
};
#endif

const IsaOps* bestIsa() {
  for (const IsaEntry& e : ISAS)
    if (e.automatic && e.supported()) return e.ops;
  return &isa_portable;
}

// ---- thread pool ------------------------------------------------------------------------------

/**
 * Worker i (1-based) always runs part i of a job, the calling thread part 0: the batch split stays
 * pinned to the same threads from call to call.
 */
class Pool {
 public:
  using Job = std::function<void(int)>;

  void run(int parts, const Job& job) {
    if (parts <= 1) {
      job(0);
      return;
    }
    while (static_cast<int>(threads_.size()) < parts - 1) {
      const int index = static_cast<int>(threads_.size()) + 1;
      unsigned long seen;
      {
        std::lock_guard<std::mutex> lock(mu_);
        seen = generation_;
      }
      threads_.emplace_back([this, index, seen] { loop(index, seen); });
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = &job;
      parts_ = parts;
      pending_ = parts - 1;
      error_.clear();
      generation_++;
    }
    wake_.notify_all();
    std::string mine;
    try {
      job(0);
    } catch (const std::exception& e) {
      mine = e.what();
    }
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return pending_ == 0; });
    if (!mine.empty()) throw Failure(mine);
    if (!error_.empty()) throw Failure(error_);
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      exit_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    exit_ = false;
  }

 private:
  void loop(int index, unsigned long seen) {
    for (;;) {
      const Job* job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return exit_ || generation_ != seen; });
        if (exit_) return;
        seen = generation_;
        if (index >= parts_) continue;
        job = job_;
      }
      std::string error;
      try {
        (*job)(index);
      } catch (const std::exception& e) {
        error = e.what();
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (!error.empty() && error_.empty()) error_ = error;
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const Job* job_ = nullptr;
  int parts_ = 0, pending_ = 0;
  unsigned long generation_ = 0;
  bool exit_ = false;
  std::string error_;
};

// ---- state ------------------------------------------------------------------------------------

/** Per Node environment: the chosen ISA, the arena and the resident forward. */
struct State {
  const IsaOps* isa = bestIsa();
  const IsaOps* planIsa = nullptr;  // the path the resident forward ran on (its backward must match)
  Plan plan{};
  bool resident = false;
  Arena arena;
  Pool pool;
  GruState gru;
  HeadState head;
  LinearPlan linear{};
  Arena linearArena;
  Arena attentionArena;

  void release() {
    pool.stop();
    gru.release();
    head.release();
    linearArena.release();
    attentionArena.release();
    arena.release();
    resident = false;
  }
};

/** Lays out the plan's buffers from `base`; returns the bytes they need. */
size_t carve(Plan& p, const IsaOps& isa, char* base) {
  const Shape& s = p.s;
  Carver c{base};
  const size_t B = s.B, T = s.T, N = s.N, K = s.K, LD = p.LD, KS = p.KS;
  p.Bf = c.take<float>((K + 1) * N * LD);
  p.Bb = c.take<float>((K + 1) * N * LD);
  p.actions = c.take<float>(B * T * K);
  for (int i = 0; i < p.S; i++) {
    Slice& sl = p.slices[i];
    const size_t BS = sl.b1 - sl.b0;
    sl.R = c.take<float>((T + 1) * BS * LD);
    sl.FD = c.take<float>(T * BS * LD);
    sl.pre = c.take<float>(BS * LD);
    sl.dR = c.take<float>(BS * LD);
    sl.part = c.take<float>((BS + isa.MR) * LD);
    sl.dapart = c.take<float>(BS);
    sl.idx = c.take<int>(BS);
    sl.dW = c.take<float>((K + 1) * N * LD);
    // The staged block is read as its transpose by whole register tiles: MR floats of slack.
    sl.Sd = c.take<float>((K + 1) * KS * LD + isa.MR);
    sl.Sr = c.take<float>((K + 1) * KS * LD);
    sl.scount = c.take<int>(K + 1);
  }
  return c.bytes();
}

/** Plans a forward of shape s over `threads` slices on `isa`, growing the arena if needed. */
void plan(State& st, const Shape& s, int threads, const IsaOps* isa) {
  Plan& p = st.plan;
  st.resident = false;
  p.s = s;
  p.LD = (s.N + isa->W - 1) / isa->W * isa->W;
  p.S = splitBatch(p.slices, s.B, threads);
  p.KS = isa->KS;
  st.arena.fit(carve(p, *isa, nullptr), "native kernel", "use a smaller batch or sequence length", [](const std::string& m) { throw Failure(m); });
  carve(p, *isa, st.arena.base);
}

// ---- Node-API helpers ---------------------------------------------------------------------------

void check(napi_env env, napi_status status, const char* what) {
  if (status == napi_ok) return;
  const napi_extended_error_info* info = nullptr;
  napi_get_last_error_info(env, &info);
  throw Failure(std::string("native kernel: ") + what + " failed (" + (info && info->error_message ? info->error_message : "unknown Node-API error") + ")");
}

/** The call's arguments: `expected` of them, then up to `optional` more (undefined where absent). */
std::vector<napi_value> args(napi_env env, napi_callback_info cb, size_t expected, const char* fn, size_t optional = 0) {
  size_t n = expected + optional;
  std::vector<napi_value> v(n);
  check(env, napi_get_cb_info(env, cb, &n, v.data(), nullptr, nullptr), "reading arguments");
  if (n < expected) throw Failure(std::string("native kernel: ") + fn + " takes " + std::to_string(expected) + " arguments (got " + std::to_string(n) + ")");
  return v;
}

template <class T>
T* typedArray(napi_env env, napi_value value, napi_typedarray_type type, const char* name, size_t expected) {
  bool is = false;
  check(env, napi_is_typedarray(env, value, &is), "inspecting an argument");
  napi_typedarray_type t;
  size_t length = 0;
  void* data = nullptr;
  if (is) check(env, napi_get_typedarray_info(env, value, &t, &length, &data, nullptr, nullptr), "reading a typed array");
  const char* kind = type == napi_float32_array ? "Float32Array" : type == napi_float64_array ? "Float64Array" : "Int32Array";
  if (!is || t != type) throw Failure(std::string("native kernel: ") + name + " must be a " + kind);
  if (length != expected) {
    throw Failure(std::string("native kernel: ") + name + " has " + std::to_string(length) + " values, expected " + std::to_string(expected));
  }
  return static_cast<T*>(data);
}

float* f32(napi_env env, napi_value v, const char* name, size_t n) { return typedArray<float>(env, v, napi_float32_array, name, n); }
/** A Float32Array of n values, or null for null/undefined. */
float* f32OrNull(napi_env env, napi_value v, const char* name, size_t n) {
  napi_valuetype t;
  check(env, napi_typeof(env, v, &t), "inspecting an argument");
  return t == napi_null || t == napi_undefined ? nullptr : f32(env, v, name, n);
}
double* f64(napi_env env, napi_value v, const char* name, size_t n) { return typedArray<double>(env, v, napi_float64_array, name, n); }

/** Word i of a parameter array as an integer in [lo, hi]; otherwise a one-sentence error from `who` naming the word. */
long long paramInt(const double* w, int i, const char* who, const char* name, double lo, double hi) {
  if (!(w[i] >= lo && w[i] <= hi) || w[i] != static_cast<double>(static_cast<long long>(w[i]))) {
    throw Failure(std::string(who) + ": " + name + " must be an integer in [" + std::to_string(static_cast<long long>(lo)) + ", " + std::to_string(static_cast<long long>(hi)) + "]");
  }
  return static_cast<long long>(w[i]);
}

/** A Float32Array of any length (a view of a caller's whole memory); its length goes to `length`. */
float* memoryView(napi_env env, napi_value value, const char* who, size_t& length) {
  bool is = false;
  check(env, napi_is_typedarray(env, value, &is), "inspecting an argument");
  napi_typedarray_type type;
  void* data = nullptr;
  length = 0;
  if (is) check(env, napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr), "reading a typed array");
  if (!is || type != napi_float32_array) throw Failure(std::string(who) + ": memory must be a Float32Array");
  return static_cast<float*>(data);
}

int integer(napi_env env, napi_value value, const char* name, int lo) {
  double d = 0;
  if (napi_get_value_double(env, value, &d) != napi_ok || !(d >= lo) || d > 2147483647.0 || d != static_cast<int>(d)) {
    throw Failure(std::string("native kernel: ") + name + " must be an integer >= " + std::to_string(lo));
  }
  return static_cast<int>(d);
}

napi_value string(napi_env env, const char* s) {
  napi_value v;
  check(env, napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v), "creating a string");
  return v;
}

State& state(napi_env env) {
  void* data = nullptr;
  check(env, napi_get_instance_data(env, &data), "reading the addon state");
  if (data == nullptr) throw Failure("native kernel: the addon is not initialised");
  return *static_cast<State*>(data);
}

/** Runs a callback body, turning any C++ failure into a thrown JavaScript Error (one sentence). */
template <class F>
napi_value guarded(napi_env env, F body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, nullptr, "native kernel: out of memory");
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

/** Splits [0, n) into `parts` contiguous ranges. */
void range(long n, int parts, int i, long& lo, long& hi) {
  lo = n * i / parts;
  hi = n * (i + 1) / parts;
}

// ---- exported functions -----------------------------------------------------------------------

#include "gru_exports.inc"
#include "head_exports.inc"
#include "linear_exports.inc"

/**
 * forward(params: Int32Array, threads, actions, r0, Wo, Wa, history | null[, basis, sums]): runs every
 * step, keeps the states, writes the history and/or (with the readout basis) its ring readout.
 */
napi_value Forward(napi_env env, napi_callback_info cb) {
  return guarded(env, [&] {
    State& st = state(env);
    auto a = args(env, cb, 7, "forward", 2);
    const int32_t* words = typedArray<int32_t>(env, a[0], napi_int32_array, "params", PARAM_WORDS);
    Shape s{};
    s.B = words[P_B], s.T = words[P_T], s.N = words[P_N], s.K = words[P_K], s.act = words[P_ACT], s.sparse = words[P_SPARSE];
    std::memcpy(&s.J0, words + P_J0, 4);
    std::memcpy(&s.J1, words + P_J1, 4);
    std::memcpy(&s.alpha, words + P_ALPHA, 4);
    if (s.B < 1 || s.T < 1 || s.N < 1 || s.K < 1) {
      throw Failure("native kernel: shapes must be positive (got B=" + std::to_string(s.B) + " T=" + std::to_string(s.T) + " N=" + std::to_string(s.N) + " k=" + std::to_string(s.K) + ")");
    }
    if (s.act < 0 || s.act > ACT_GELU) throw Failure("native kernel: unknown activation code " + std::to_string(s.act));
    const int threads = integer(env, a[1], "threads", 1);
    const size_t B = s.B, T = s.T, N = s.N, K = s.K;
    const float* actions = f32(env, a[2], "actions", B * T * K);
    ForwardIO io{f32(env, a[3], "r0", B * N), f32(env, a[4], "Wo", N * N), f32(env, a[5], "Wa", K * N * N), f32OrNull(env, a[6], "history", B * T * N),
                 nullptr, f32OrNull(env, a[8], "sums", 3 * B * T)};
    if (io.sums) io.basis = f64(env, a[7], "basis", 2 * N);
    const IsaOps* isa = st.isa;
    plan(st, s, threads, isa);
    Plan& p = st.plan;
    std::memcpy(p.actions, actions, B * T * K * sizeof(float));
    const int packers = p.S < s.K + 1 ? p.S : s.K + 1;
    st.pool.run(packers, [&](int w) {
      for (int c = w; c <= s.K; c += packers) isa->pack(p, io, c);
    });
    st.pool.run(p.S, [&](int i) { isa->forward(p, io, i); });
    st.planIsa = isa;
    st.resident = true;
    return undefined(env);
  });
}

/** backward(dh | null, dA, dr0, dWo, dWa[, dsums, basis]): backward through time of the resident forward, from the history's or its readout's cotangent. */
napi_value Backward(napi_env env, napi_callback_info cb) {
  return guarded(env, [&] {
    State& st = state(env);
    auto a = args(env, cb, 5, "backward", 2);
    if (!st.resident) throw Failure("native kernel: backward called without a forward to pair with");
    Plan& p = st.plan;
    const size_t B = p.s.B, T = p.s.T, N = p.s.N, K = p.s.K;
    BackwardIO io{f32OrNull(env, a[0], "dh", B * T * N), f32(env, a[1], "dA", B * T * K), f32(env, a[2], "dr0", B * N),
                  f32(env, a[3], "dWo", N * N), f32(env, a[4], "dWa", K * N * N), nullptr, nullptr};
    if (!io.dh) io.dsums = f32(env, a[5], "dsums", 3 * B * T), io.basis = f64(env, a[6], "basis", 2 * N);
    const IsaOps* isa = st.planIsa;
    st.pool.run(p.S, [&](int i) { isa->backward(p, io, i); });
    const long rows = static_cast<long>(K + 1) * N;
    st.pool.run(p.S, [&](int i) {
      long lo, hi;
      range(rows, p.S, i, lo, hi);
      isa->reduce(p, io, static_cast<int>(lo), static_cast<int>(hi));
    });
    return undefined(env);
  });
}

/** Threads worth using for `rows` rows of readout work. */
int readoutParts(int threads, long rows) {
  const long useful = rows / 256 > 0 ? rows / 256 : 1;
  long n = threads < useful ? threads : useful;
  return static_cast<int>(n > MAX_THREADS ? MAX_THREADS : n);
}

/** readoutForward(r, rows, N, basis, out, threads): X, Y, Σ|r| of every row into out (3×rows). */
napi_value ReadoutForward(napi_env env, napi_callback_info cb) {
  return guarded(env, [&] {
    State& st = state(env);
    auto a = args(env, cb, 6, "readoutForward");
    const long rows = integer(env, a[1], "rows", 0);
    const int N = integer(env, a[2], "N", 1);
    const float* r = f32(env, a[0], "r", static_cast<size_t>(rows) * N);
    const double* cs = f64(env, a[3], "basis", 2 * static_cast<size_t>(N));
    float* out = f32(env, a[4], "out", 3 * static_cast<size_t>(rows));
    const int parts = readoutParts(integer(env, a[5], "threads", 1), rows);
    const IsaOps* isa = st.isa;
    st.pool.run(parts, [&](int i) {
      long lo, hi;
      range(rows, parts, i, lo, hi);
      isa->readoutForward(r, lo, hi, rows, N, cs, out);
    });
    return undefined(env);
  });
}

/** readoutBackward(r, dy, rows, N, basis, dr, threads): the readout's gradient into dr (rows×N). */
napi_value ReadoutBackward(napi_env env, napi_callback_info cb) {
  return guarded(env, [&] {
    State& st = state(env);
    auto a = args(env, cb, 7, "readoutBackward");
    const long rows = integer(env, a[2], "rows", 0);
    const int N = integer(env, a[3], "N", 1);
    const float* r = f32(env, a[0], "r", static_cast<size_t>(rows) * N);
    const float* dy = f32(env, a[1], "dy", 3 * static_cast<size_t>(rows));
    const double* cs = f64(env, a[4], "basis", 2 * static_cast<size_t>(N));
    float* dr = f32(env, a[5], "dr", static_cast<size_t>(rows) * N);
    const int parts = readoutParts(integer(env, a[6], "threads", 1), rows);
    const IsaOps* isa = st.isa;
    st.pool.run(parts, [&](int i) {
      long lo, hi;
      range(rows, parts, i, lo, hi);
      isa->readoutBackward(r, dy, lo, hi, rows, N, cs, dr);
    });
    return undefined(env);
  });
}

/** gainForward(x, rows, k, H, params, a, threads): the gated actions a = gain(x)·x (see gain.h). */
napi_value GainForward(napi_env env, napi_callback_info cb) {
  return guarded(env, [&] {
    State& st = state(env);
    auto a = args(env, cb, 7, "gainForward");
    const long rows = integer(env, a[1], "rows", 0);
    const int k = integer(env, a[2], "k", 1), H = integer(env, a[3], "H", 1);
    const float* x = f32(env, a[0], "x", static_cast<size_t>(rows) * k);
    const float* params = f32(env, a[4], "params", static_cast<size_t>(k) * gain::channelParams(H));
    float* out = f32(env, a[5], "a", static_cast<size_t>(rows) * k);
    // A few hundred rows per thread at least, as for the readout.
    const int parts = readoutParts(integer(env, a[6], "threads", 1), rows);
    st.pool.run(parts, [&](int i) {
      long lo, hi;
      range(rows, parts, i, lo, hi);
      gain::forward(x, lo, hi, k, H, params, out);
    });
    return undefined(env);
  });
}

/** gainBackward(x, da, rows, k, H, params, grads, threads): the gain nets' parameter gradients for the actions' cotangent da. */
napi_value GainBackward(napi_env env, napi_callback_info cb) {
  return guarded(env, [&] {
    State& st = state(env);
    auto a = args(env, cb, 8, "gainBackward");
    const long rows = integer(env, a[2], "rows", 0);
    const int k = integer(env, a[3], "k", 1), H = integer(env, a[4], "H", 1);
    const size_t n = static_cast<size_t>(k) * gain::channelParams(H);
    const float* x = f32(env, a[0], "x", static_cast<size_t>(rows) * k);
    const float* da = f32(env, a[1], "da", static_cast<size_t>(rows) * k);
    const float* params = f32(env, a[5], "params", n);
    float* grads = f32(env, a[6], "grads", n);
    const long blocks = (rows + gain::BLOCK - 1) / gain::BLOCK;
    std::vector<double> partial(static_cast<size_t>(blocks) * n);
    const int parts = readoutParts(integer(env, a[7], "threads", 1), rows);
    st.pool.run(parts, [&](int i) {
      long lo, hi;
      range(blocks, parts, i, lo, hi);
      gain::backwardBlocks(x, da, rows, lo, hi, k, H, params, partial.data());
    });
    gain::sumBlocks(partial.data(), blocks, k, H, grads);
    return undefined(env);
  });
}

/** adamUpdate(p, g, m, v, hyper, scaled, decayed): one Adam update in place (see adam.h). */
napi_value AdamUpdate(napi_env env, napi_callback_info cb) {
  return guarded(env, [&] {
    auto a = args(env, cb, 7, "adamUpdate");
    bool is = false;
    size_t n = 0;
    check(env, napi_is_typedarray(env, a[0], &is), "inspecting an argument");
    if (is) check(env, napi_get_typedarray_info(env, a[0], nullptr, &n, nullptr, nullptr, nullptr), "reading a typed array");
    float* p = f32(env, a[0], "p", n);
    adam::update(p, f32(env, a[1], "g", n), f32(env, a[2], "m", n), f32(env, a[3], "v", n), static_cast<long>(n), f32(env, a[4], "hyper", adam::HYPER_COUNT),
                 integer(env, a[5], "scaled", 0) != 0, integer(env, a[6], "decayed", 0) != 0);
    return undefined(env);
  });
}

napi_value nameList(napi_env env, bool onlySupported) {
  napi_value list;
  check(env, napi_create_array(env, &list), "creating an array");
  uint32_t i = 0;
  for (const IsaEntry& e : ISAS) {
    if (onlySupported && !e.supported()) continue;
    check(env, napi_set_element(env, list, i++, string(env, e.ops->name)), "filling an array");
  }
  return list;
}

/** info(): { isa, built, supported, best }: the path in use, those compiled in, those this CPU runs, the default. */
napi_value Info(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    State& st = state(env);
    napi_value o;
    check(env, napi_create_object(env, &o), "creating an object");
    check(env, napi_set_named_property(env, o, "isa", string(env, st.isa->name)), "setting a property");
    check(env, napi_set_named_property(env, o, "built", nameList(env, false)), "setting a property");
    check(env, napi_set_named_property(env, o, "supported", nameList(env, true)), "setting a property");
    check(env, napi_set_named_property(env, o, "best", string(env, bestIsa()->name)), "setting a property");
    return o;
  });
}

/**
 * fmaPeak(threads): GFLOP/s of independent multiply-adds on the ISA path in use, on `threads` of the
 * pool at once (the yardstick of the benches' GFLOP/s): the best of five bursts of ~50 ms, since
 * anything else running on the machine can only slow a burst down.
 */
napi_value FmaPeak(napi_env env, napi_callback_info cb) {
  return guarded(env, [&] {
    State& st = state(env);
    auto a = args(env, cb, 1, "fmaPeak");
    const int threads = integer(env, a[0], "threads", 1);
    if (threads > MAX_THREADS) throw Failure("native kernel: fmaPeak's threads must be at most " + std::to_string(MAX_THREADS));
    using clock = std::chrono::steady_clock;
    const auto seconds = [](clock::time_point t0) { return std::chrono::duration<double>(clock::now() - t0).count(); };
    long rounds = 1L << 14;
    double took = 0;
    float sink = 0;
    // Double until one thread's burst takes 10 ms, then scale to 50 ms.
    for (;;) {
      const auto t0 = clock::now();
      sink += st.isa->fmaBurst(rounds);
      took = seconds(t0);
      if (took > 0.01) break;
      rounds *= 2;
    }
    rounds = static_cast<long>(static_cast<double>(rounds) * 0.05 / took);
    const double flop = 2.0 * threads * static_cast<double>(rounds) * FMA_CHAINS * st.isa->W;
    std::vector<float> sinks(threads, 0.0f);
    double best = 0;
    for (int trial = 0; trial < 5; trial++) {
      const auto t0 = clock::now();
      st.pool.run(threads, [&](int i) { sinks[i] = st.isa->fmaBurst(rounds); });
      took = seconds(t0);
      if (flop / took > best) best = flop / took;
      for (float x : sinks) sink += x;
    }
    napi_value v;
    // sink is finite by construction; comparing it keeps the bursts' results live.
    check(env, napi_create_double(env, sink == sink ? best / 1e9 : 0.0, &v), "creating a number");
    return v;
  });
}

/** setIsa(name): the ISA path of forwards from now on; refuses one this CPU cannot run. */
napi_value SetIsa(napi_env env, napi_callback_info cb) {
  return guarded(env, [&] {
    State& st = state(env);
    auto a = args(env, cb, 1, "setIsa");
    char name[32] = {0};
    size_t len = 0;
    if (napi_get_value_string_utf8(env, a[0], name, sizeof name, &len) != napi_ok) throw Failure("native kernel: setIsa takes an ISA name");
    for (const IsaEntry& e : ISAS) {
      if (std::strcmp(e.ops->name, name) != 0) continue;
      if (!e.supported()) throw Failure(std::string("native kernel: this CPU cannot run the ") + name + " path");
      st.isa = e.ops;
      return undefined(env);
    }
    throw Failure(std::string("native kernel: no ISA path named '") + name + "' in this build");
  });
}

/** memoryBytes(): bytes of the arena (grows only when shapes grow). */
napi_value MemoryBytes(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    napi_value v;
    check(env, napi_create_double(env, static_cast<double>(state(env).arena.bytes), &v), "creating a number");
    return v;
  });
}

/** release(): stops the threads and frees the arena; the next call starts afresh. */
napi_value Release(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    state(env).release();
    return undefined(env);
  });
}

void finalize(napi_env, void* data, void*) {
  State* st = static_cast<State*>(data);
  st->release();
  delete st;
}

}  // namespace
}  // namespace ring

NAPI_MODULE_INIT() {
  using namespace ring;
  __builtin_cpu_init();
  State* st = new (std::nothrow) State();
  if (st == nullptr || napi_set_instance_data(env, st, finalize, nullptr) != napi_ok) {
    delete st;
    napi_throw_error(env, nullptr, "native kernel: could not initialise the addon");
    return nullptr;
  }
  const napi_property_descriptor fns[] = {
      {"forward", nullptr, Forward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"backward", nullptr, Backward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"readoutForward", nullptr, ReadoutForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"readoutBackward", nullptr, ReadoutBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gainForward", nullptr, GainForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gainBackward", nullptr, GainBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamUpdate", nullptr, AdamUpdate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fmaPeak", nullptr, FmaPeak, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setIsa", nullptr, SetIsa, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"memoryBytes", nullptr, MemoryBytes, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"release", nullptr, Release, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gruForward", nullptr, GruForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gruBackward", nullptr, GruBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"headForward", nullptr, HeadForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"headBackward", nullptr, HeadBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"denseLinear", nullptr, DenseLinear, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"denseActivation", nullptr, DenseActivation, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"denseAttention", nullptr, DenseAttention, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"baselinesRelease", nullptr, BaselinesRelease, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"baselinesMemoryBytes", nullptr, BaselinesMemoryBytes, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  return exports;
}
