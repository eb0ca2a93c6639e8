// The action channels' gain nets (docs/model.md §2.3: Linear(1,H) → GELU (exact) → Linear(H,1) → Softplus, per
// channel) and their gradients, for the fused training loss: a_c = gain_c(x_c)·x_c over rows of k
// rectified channels. Plain float64 arithmetic (compiled for the baseline ISA), rows split into parts
// a thread each; the gradients are summed over fixed blocks of rows in order, so they do not depend
// on how the rows were split.
#pragma once

namespace ring {
namespace gain {

/** Rows per block of the gradient sum (its order, whatever the threads). */
constexpr long BLOCK = 512;

/** Floats of one channel's parameters: w0 (H), b0 (H), w2 (H), b2. */
inline int channelParams(int H) { return 3 * H + 1; }

/** a[row·k + c] = gain_c(x)·x for rows [r0, r1); params holds each channel's w0, b0, w2, b2 in turn. */
void forward(const float* x, long r0, long r1, int k, int H, const float* params, float* a);

/**
 * The gradient of Σ da·a with respect to the parameters, for the blocks of rows [blk0, blk1) of `rows`:
 * block j's sums (k·channelParams(H) float64) go to partial + j·k·channelParams(H).
 */
void backwardBlocks(const float* x, const float* da, long rows, long blk0, long blk1, int k, int H, const float* params, double* partial);

/** The blocks' partial sums added in block order, rounded to float32 into grads (k·channelParams(H)). */
void sumBlocks(const double* partial, long blocks, int k, int H, float* grads);

}  // namespace gain
}  // namespace ring
