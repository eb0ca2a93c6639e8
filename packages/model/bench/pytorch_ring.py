"""PyTorch's own ring training step, the reference points of `npm run bench:train-step`.

Imports the reference's LeakyRingAttractor and losses from a checkout of
chongxi/rnn_train_ring_attractor (`--reference DIR`, its root; nothing of it is copied here) and times
full training steps at B = 128, T = 120: forward from the initial bump, the angle loss + 0.2 bump
loss, backward, global-norm clip 1, Adam 1e-3, as the reference trains. Two forms of the forward:
  reference  the class as shipped: a B×N×N effective matrix per step, applied with a batched matmul
  gemm       the same arithmetic as one GEMM per step, r·[Wo; Wl; Wr]ᵀ (B×3N), then the per-row
             mix J0·Σr + J1·(Wo r) + L·(Wl r) + R·(Wr r): PyTorch's fastest plain form of this model
The gemm form is checked against the reference form before timing. N = 120 uses both forms; larger
N only the gemm form (the reference form keeps B·N²·T floats for its backward: 16 GB at N = 512).
Needs python3 with torch (Debian: python3-torch, with libopenblas0-pthread for a fast BLAS).
Prints `pytorch-ring-step form=… N=… threads=… ms=…` (median of --steps after 2 warm-up steps).
"""
import argparse
import math
import statistics
import sys
import time
import types

parser = argparse.ArgumentParser()
parser.add_argument('--reference', required=True, help='root of a chongxi/rnn_train_ring_attractor checkout')
parser.add_argument('--steps', type=int, default=5)
parser.add_argument('--sizes', default='120,256,512', help='comma-separated ring sizes N')
args = parser.parse_args()

# The reference's training script imports matplotlib at module level for its plots; timing needs none.
for name in ('matplotlib', 'matplotlib.pyplot'):
    sys.modules.setdefault(name, types.ModuleType(name))
sys.path[:0] = [args.reference, f'{args.reference}/train']
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from train_ring_attractor import LeakyRingAttractor, bump_amplitude_loss, cosine_similarity_loss, create_initial_bump  # noqa: E402

B, T, ALPHA = 128, 120, 0.15


class GemmForm(LeakyRingAttractor):
    """The reference model with its forward as one GEMM per step (same parameters, same function)."""

    def forward(self, av_signal, r_init):
        R_base, L_base = torch.relu(av_signal), torch.relu(-av_signal)
        R = self.gain_r_net(R_base.unsqueeze(2)).squeeze(2) * R_base
        L = self.gain_l_net(L_base.unsqueeze(2)).squeeze(2) * L_base
        W = torch.cat([self.Wo, self.Wl, self.Wr]).t()  # N × 3N
        N = self.num_neurons
        r, outs, bumps = r_init, [], []
        for t in range(av_signal.shape[1]):
            p = r @ W
            x = -0.1 * r.sum(1, keepdim=True) + self.J1 * p[:, :N] + L[:, t:t + 1] * p[:, N:2 * N] + R[:, t:t + 1] * p[:, 2 * N:]
            r = r * (1 - ALPHA) + F.gelu(x) * ALPHA
            bumps.append(r)
            d = r @ self.W_delta7
            outs.append(d / d.max(dim=1, keepdim=True)[0])
        return torch.stack(outs, dim=1), torch.stack(bumps, dim=1)


def batch(seed):
    g = torch.Generator().manual_seed(seed)
    av = (torch.rand(B, T, generator=g) * 2 - 1) * 0.1 * math.pi
    start = torch.rand(B, generator=g) * 2 * math.pi
    angle = torch.remainder(start[:, None] + torch.cumsum(av, 1), 2 * math.pi)
    return av, start, angle


def make(form, N):
    torch.manual_seed(0)
    cls = LeakyRingAttractor if form == 'reference' else GemmForm
    return cls(num_neurons=N, activation='gelu', initialization='random', hidden_gain_neurons=3)


def step_loss(model, av, start, angle):
    out, bump = model(av, r_init=create_initial_bump(start, model.num_neurons))
    return cosine_similarity_loss(out, angle) + 0.2 * bump_amplitude_loss(bump)


# The gemm form is the reference's function: same loss and gradients on one batch.
av, start, angle = batch(1)
ref, gemm = make('reference', 24), make('gemm', 24)
lr, lg = step_loss(ref, av[:8, :20], start[:8], angle[:8, :20]), step_loss(gemm, av[:8, :20], start[:8], angle[:8, :20])
lr.backward()
lg.backward()
assert torch.allclose(lr, lg, rtol=1e-5), (lr.item(), lg.item())
for (name, a), b in zip(ref.named_parameters(), gemm.parameters()):
    assert torch.allclose(a.grad, b.grad, rtol=1e-3, atol=1e-6), name

av, start, angle = batch(2)
for threads in (1, 2):
    torch.set_num_threads(threads)
    for N in (int(n) for n in args.sizes.split(',')):
        for form in ('reference', 'gemm') if N <= 120 else ('gemm',):
            model = make(form, N)
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            times = []
            for i in range(2 + args.steps):
                t0 = time.perf_counter()
                opt.zero_grad()
                step_loss(model, av, start, angle).backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                if i >= 2:
                    times.append((time.perf_counter() - t0) * 1000)
            print(f'pytorch-ring-step form={form} N={N} threads={threads} ms={statistics.median(times):.1f}', flush=True)
