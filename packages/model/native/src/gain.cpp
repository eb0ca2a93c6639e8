// See gain.h. GELU as u·Φ(u) with Φ(u) = ½·erfc(−u/√2), accurate in both tails; Softplus and its
// gradient as PyTorch's (beta 1, threshold 20: the identity above 20). A row entry with x = 0 has
// a = 0 and contributes nothing to any gradient (every term carries the factor x), so it is skipped.
#include "gain.h"

#include <cmath>
#include <vector>

namespace ring {
namespace gain {
namespace {

constexpr double SQRT1_2 = 0.70710678118654752440;
constexpr double INV_SQRT_2PI = 0.39894228040143267794;
constexpr double SOFTPLUS_THRESHOLD = 20.0;

/** The net's output pre-activation s (before Softplus); each hidden unit's u and Φ(u) into u[j], phi[j]. */
inline double hidden(double x, int H, const float* p, double* u, double* phi) {
  const float *w0 = p, *b0 = p + H, *w2 = p + 2 * H;
  double s = p[3 * H];
  for (int j = 0; j < H; j++) {
    u[j] = static_cast<double>(w0[j]) * x + b0[j];
    phi[j] = 0.5 * std::erfc(-u[j] * SQRT1_2);
    s += static_cast<double>(w2[j]) * (u[j] * phi[j]);
  }
  return s;
}

inline double softplus(double s) { return s > SOFTPLUS_THRESHOLD ? s : std::log1p(std::exp(s)); }
inline double softplusGrad(double s) { return s > SOFTPLUS_THRESHOLD ? 1.0 : 1.0 / (1.0 + std::exp(-s)); }

}  // namespace

void forward(const float* x, long r0, long r1, int k, int H, const float* params, float* a) {
  std::vector<double> u(H), phi(H);
  for (long row = r0; row < r1; row++) {
    for (int c = 0; c < k; c++) {
      const long i = row * k + c;
      const double xi = x[i];
      if (xi == 0.0) {
        a[i] = 0.0f;
        continue;
      }
      const double s = hidden(xi, H, params + c * channelParams(H), u.data(), phi.data());
      a[i] = static_cast<float>(softplus(s) * xi);
    }
  }
}

void backwardBlocks(const float* x, const float* da, long rows, long blk0, long blk1, int k, int H, const float* params, double* partial) {
  const int P = channelParams(H);
  std::vector<double> u(H), phi(H);
  for (long blk = blk0; blk < blk1; blk++) {
    double* g = partial + blk * k * P;
    for (int i = 0; i < k * P; i++) g[i] = 0.0;
    const long end = (blk + 1) * BLOCK < rows ? (blk + 1) * BLOCK : rows;
    for (long row = blk * BLOCK; row < end; row++) {
      for (int c = 0; c < k; c++) {
        const long i = row * k + c;
        const double xi = x[i];
        if (xi == 0.0) continue;
        const float* p = params + c * P;
        const double s = hidden(xi, H, p, u.data(), phi.data());
        // ∂(da·a)/∂s, a = softplus(s)·x.
        const double e = static_cast<double>(da[i]) * xi * softplusGrad(s);
        double* gc = g + c * P;
        const float* w2 = p + 2 * H;
        for (int j = 0; j < H; j++) {
          // gelu′(u) = Φ(u) + u·φ(u).
          const double dgelu = phi[j] + u[j] * INV_SQRT_2PI * std::exp(-0.5 * u[j] * u[j]);
          const double du = e * static_cast<double>(w2[j]) * dgelu;
          gc[j] += du * xi;                       // w0
          gc[H + j] += du;                        // b0
          gc[2 * H + j] += e * (u[j] * phi[j]);  // w2
        }
        gc[3 * H] += e;  // b2
      }
    }
  }
}

void sumBlocks(const double* partial, long blocks, int k, int H, float* grads) {
  const int n = k * channelParams(H);
  for (int i = 0; i < n; i++) {
    double s = 0.0;
    for (long blk = 0; blk < blocks; blk++) s += partial[blk * n + i];
    grads[i] = static_cast<float>(s);
  }
}

}  // namespace gain
}  // namespace ring
