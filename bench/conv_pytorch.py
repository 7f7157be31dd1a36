#!/usr/bin/python3
"""The service's `conv` preset written in PyTorch, for training throughput side by side.

Encoder: per width, Conv2d(3x3, stride 2, padding 1) + BatchNorm2d + LeakyReLU(0.01); flatten; fc_mu and fc_var.
Decoder: Linear to the last block's shape; per width in reverse, ConvTranspose2d(3x3, stride 2, padding 1,
output_padding restoring the encoder's size) + BatchNorm2d + LeakyReLU; a final Conv2d(3x3, padding 1) to the
input's channels. Bernoulli decoder (BCE with logits), KL to N(0, I), Adam 1e-3, one thread.
Data: the same kind of images as the service's built-in shapes are not available to Python, so random blobs of
the right shape are used: throughput does not depend on the pixel values.

Usage: conv_pytorch.py --shape 1 28 28 [--widths 32 64] [--latent 20] [--batch 64] [--steps 30]
Prints the median step (forward, backward, Adam) after five warm-up steps, examples/s and the median CPU time
of the process per step (comparable under load, when wall time is not).
"""
import argparse, time
import torch, torch.nn as nn, torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument('--shape', type=int, nargs=3, default=[1, 28, 28])
ap.add_argument('--widths', type=int, nargs='+', default=None)
ap.add_argument('--latent', type=int, default=20)
ap.add_argument('--batch', type=int, default=64)
ap.add_argument('--steps', type=int, default=30)
ap.add_argument('--threads', type=int, default=1)
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)
C, H, W = a.shape
widths = a.widths or ([32, 64, 128, 256] if H >= 64 and W >= 64 else [32, 64])


class ConvVAE(nn.Module):
    def __init__(self):
        super().__init__()
        enc, sizes, h, w, c = [], [], H, W, C
        for width in widths:
            sizes.append((h, w))
            enc += [nn.Conv2d(c, width, 3, 2, 1), nn.BatchNorm2d(width), nn.LeakyReLU(0.01)]
            c, h, w = width, (h + 1) // 2, (w + 1) // 2
        self.encoder = nn.Sequential(*enc)
        self.last = (c, h, w)
        self.fc_mu = nn.Linear(c * h * w, a.latent)
        self.fc_var = nn.Linear(c * h * w, a.latent)
        self.decoder_input = nn.Linear(a.latent, c * h * w)
        dec = []
        for i in range(len(widths) - 1, -1, -1):
            th, tw = sizes[i]
            op = 1 if th % 2 == 0 else 0
            dec += [nn.ConvTranspose2d(widths[i], widths[max(i - 1, 0)], 3, 2, 1, output_padding=op),
                    nn.BatchNorm2d(widths[max(i - 1, 0)]), nn.LeakyReLU(0.01)]
        dec.append(nn.Conv2d(widths[0], C, 3, 1, 1))
        self.decoder = nn.Sequential(*dec)

    def forward(self, x):
        h = self.encoder(x).flatten(1)
        mu, lv = self.fc_mu(h), self.fc_var(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * lv)
        logits = self.decoder(self.decoder_input(z).view(-1, *self.last))
        bce = F.binary_cross_entropy_with_logits(logits, x, reduction='none').flatten(1).sum(1)
        kl = 0.5 * (mu.pow(2) + lv.exp() - 1 - lv).sum(1)
        return (bce + kl).mean()


m = ConvVAE()
params = sum(p.numel() for p in m.parameters())
opt = torch.optim.Adam(m.parameters(), lr=1e-3)
x = torch.rand(a.batch * 8, C, H, W)
times, cpu = [], []
for step in range(a.steps):
    batch = x[(step % 8) * a.batch:(step % 8 + 1) * a.batch]
    t0, c0 = time.perf_counter(), time.process_time()
    loss = m(batch)
    opt.zero_grad()
    loss.backward()
    opt.step()
    times.append(time.perf_counter() - t0)
    cpu.append(time.process_time() - c0)
steady = sorted(times[5:] if len(times) > 5 else times)
per_step = steady[len(steady) // 2]
steady_cpu = sorted(cpu[5:] if len(cpu) > 5 else cpu)
print(f'pytorch conv {C}x{H}x{W} widths {widths} latent {a.latent} ({params} parameters): '
      f'{per_step * 1000:.1f} ms/step at batch {a.batch}, {a.batch / per_step:.0f} examples/s ({a.threads} thread(s); '
      f'the process\'s CPU time {steady_cpu[len(steady_cpu) // 2] * 1000:.1f} ms/step)')
