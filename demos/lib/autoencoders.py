"""The autoencoder pieces that autoencoder, denoising-ae, vae and faceswap share.

An MLP encoder/decoder pair for (B, 1, S, S) images in [0, 1], the per-image
reconstruction error written out, the seeded train/held-out split, and the two latent
plane pictures (the most common digit per cell, the decoder swept over the plane).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from demos.lib.images import montage, small
from demos.platform import RunContext


def build_mlp(size: int, hidden: int, latent: int, heads: int = 1) -> tuple[Any, Any]:
    """Encoder (B,1,S,S) → (B, heads·latent) and a mirrored decoder (B, latent) → (B,1,S,S).

    ``heads=2`` gives the VAE encoder (μ and log σ² side by side).
    """
    n = size * size
    encoder = nn.Sequential(
        nn.Flatten(),
        nn.Linear(n, hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden // 2),
        nn.ReLU(),
        nn.Linear(hidden // 2, heads * latent),
    )
    decoder = nn.Sequential(
        nn.Linear(latent, hidden // 2),
        nn.ReLU(),
        nn.Linear(hidden // 2, hidden),
        nn.ReLU(),
        nn.Linear(hidden, n),
        nn.Sigmoid(),  # pixels live in [0, 1]
        nn.Unflatten(1, (1, size, size)),
    )
    return encoder, decoder


def recon_error(x_hat: torch.Tensor, x: torch.Tensor, kind: str = "mse") -> torch.Tensor:
    """Per-image reconstruction error (B,), written out: mean squared error or Bernoulli NLL."""
    if kind == "mse":
        return ((x_hat - x) ** 2).flatten(1).mean(1)
    p = x_hat.clamp(1e-7, 1 - 1e-7)
    return -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).flatten(1).mean(1)


def split(ctx: RunContext, data: Any, n_eval: int | None = None):
    """Shuffle with the run's seed; return (train_x, train_y, eval_x, eval_y) on the device."""
    perm = ctx.rng().permutation(len(data.x))
    n_eval = n_eval or min(1000, max(64, len(data.x) // 7))
    x = torch.from_numpy(data.x[perm]).to(ctx.device)  # (N, 1, S, S)
    y = torch.from_numpy(data.y[perm]).to(ctx.device)  # (N,)
    return x[n_eval:], y[n_eval:], x[:n_eval], y[:n_eval]


def class_map(
    points: torch.Tensor, labels: torch.Tensor, lo: float, hi: float, bins: int = 12
) -> torch.Tensor:
    """Most common label of the 2-D points in each cell of a bins×bins grid; −1 where empty.

    Row 0 is the top of the plane (largest second coordinate), as in a scatter plot.
    """
    cell = ((points - lo) / (hi - lo) * bins).long().clamp(0, bins - 1)  # (N, 2)
    flat = (bins - 1 - cell[:, 1]) * bins + cell[:, 0]  # (N,)
    k = int(labels.max().item()) + 1
    counts = torch.zeros(bins * bins, k, device=points.device)
    counts.index_put_((flat, labels), torch.ones_like(flat, dtype=counts.dtype), accumulate=True)
    best = counts.argmax(1).float()
    best[counts.sum(1) == 0] = -1.0
    return best.view(bins, bins)


def decode_plane(
    decoder: Any,
    lo: float,
    hi: float,
    n: int,
    *,
    y_lo: float | None = None,
    y_hi: float | None = None,
) -> torch.Tensor:
    """Decode an n×n grid of 2-D codes; top row = largest z2, as in the scatter plot.

    z1 runs over [lo, hi]; z2 over [y_lo, y_hi] when given (the codes' own box), else the same.
    """
    dev = next(decoder.parameters()).device
    ticks = torch.linspace(lo, hi, n, device=dev)
    rows = ticks if y_lo is None or y_hi is None else torch.linspace(y_lo, y_hi, n, device=dev)
    z2, z1 = torch.meshgrid(rows.flip(0), ticks, indexing="ij")
    with torch.no_grad():
        imgs = small(decoder(torch.stack([z1.flatten(), z2.flatten()], 1)))[:, 0]  # (n², H, W)
    return montage(imgs, cols=n)
