// Adam's elementwise update (torch.optim.Adam/AdamW, as packages/train/src/optimizer.ts computes it)
// in float32: every operation an IEEE single-precision one (the build keeps multiplies and adds
// apart), which is what that file's Math.fround after each double operation of two float32 values
// yields, so both give the same bytes.
#pragma once

namespace ring {
namespace adam {

/** The update's float32 constants, in this order in the Float32Array JavaScript passes. */
enum Hyper { B1, C1, B2, C2, BC2_SQRT, STEP_SIZE, EPS, SCALE, DECAY, HYPER_COUNT };

/** p, m, v ← one Adam update with gradient g (n values); scale multiplies g unless it is 1, decay p unless weight decay is off. */
void update(float* p, const float* g, float* m, float* v, long n, const float* hyper, bool scaled, bool decayed);

}  // namespace adam
}  // namespace ring
