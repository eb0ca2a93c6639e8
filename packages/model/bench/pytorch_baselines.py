"""PyTorch's own training step for the baselines, the reference points of `npm run bench:baselines`.

Imports the reference's classes and losses from a checkout of chongxi/rnn_train_ring_attractor
(`--reference DIR`, its root; nothing of it is copied here) and times full training steps at
B = 128, T = 60: forward, loss, backward, global-norm clip 1, Adam (GRU) or AdamW (transformer), as the
reference trains them, on 1 and 2 threads. Needs python3 with torch (Debian: python3-torch).
Prints `pytorch-step kind=… size=… threads=… ms=…` (median of --steps after 3 warm-up steps).
"""
import argparse
import math
import statistics
import sys
import time
import types

parser = argparse.ArgumentParser()
parser.add_argument('--reference', required=True, help='root of a chongxi/rnn_train_ring_attractor checkout')
parser.add_argument('--steps', type=int, default=15)
args = parser.parse_args()

# The reference's training scripts import matplotlib at module level for their plots; timing needs none.
for name in ('matplotlib', 'matplotlib.pyplot'):
    sys.modules.setdefault(name, types.ModuleType(name))
sys.path[:0] = [args.reference, f'{args.reference}/train']
import torch  # noqa: E402
from train_gru import GRU_Integrator, integration_aware_loss  # noqa: E402
from train_causal_transformer import CausalTransformer, transformer_loss  # noqa: E402

B, T = 128, 60
torch.manual_seed(0)
av = (torch.rand(B, T) * 2 - 1) * 0.1 * math.pi
start = torch.rand(B) * 2 * math.pi
angle = torch.remainder(start[:, None] + torch.cumsum(av, 1) - av, 2 * math.pi)

CASES = [
    ('gru', 'H128_L2', lambda: GRU_Integrator(hidden_size=128, num_layers=2, dropout=0.1),
     lambda m: torch.optim.Adam(m.parameters(), lr=3e-4), lambda out: integration_aware_loss(out, angle, av)[1]),
    ('transformer', 'default(d64_h8_l2_ff128)', lambda: CausalTransformer(d_model=64, nhead=8, num_layers=2, dim_feedforward=128, dropout=0.01),
     lambda m: torch.optim.AdamW(m.parameters(), lr=3e-4, weight_decay=1e-5), lambda out: transformer_loss(out, angle, av)[0]),
    ('transformer', 'reference(d64_h8_l8_ff128)', lambda: CausalTransformer(d_model=64, nhead=8, num_layers=8, dim_feedforward=128, dropout=0.01),
     lambda m: torch.optim.AdamW(m.parameters(), lr=3e-4, weight_decay=1e-5), lambda out: transformer_loss(out, angle, av)[0]),
]

for threads in (1, 2):
    torch.set_num_threads(threads)
    for kind, size, make, optimiser, loss_of in CASES:
        model = make()
        model.train()
        opt = optimiser(model)
        times = []
        for i in range(3 + args.steps):
            t0 = time.perf_counter()
            opt.zero_grad()
            loss = loss_of(model(av, start))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            if i >= 3:
                times.append((time.perf_counter() - t0) * 1000)
        print(f'pytorch-step kind={kind} size={size} threads={threads} ms={statistics.median(times):.1f}', flush=True)
