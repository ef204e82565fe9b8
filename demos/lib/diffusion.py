"""The diffusion pieces of ddpm-2d, latent-diffusion and dalle2-toy.

The noise schedule (β_t, α_t, ᾱ_t), the closed-form jump q(x_t | x_0), the ε-network
ε_θ(x_t, t[, c]) as an MLP over the input, sinusoidal time features and an optional
condition, DDPM's simplified loss, the reverse step and ancestral sampling, and the
distances and density pictures that score samples against data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from demos.platform import RunContext


def make_schedule(timesteps: int, kind: str = "linear", beta_end: float = 0.02) -> Any:
    """β_t, α_t, ᾱ_t as float64 CPU tensors of length T (index 0 is the first step).

    ``beta_end`` is β_T of the linear schedule at T = 1000; like improved DDPM, both ends
    are scaled by 1000/T so that a shorter chain destroys the data as completely.
    """
    t = timesteps
    if kind == "linear":
        scale = 1000.0 / t
        betas = torch.linspace(scale * 1e-4, min(scale * beta_end, 0.999), t, dtype=torch.float64)
    elif kind == "cosine":
        s = 0.008
        steps = torch.arange(t + 1, dtype=torch.float64) / t
        f = torch.cos((steps + s) / (1 + s) * math.pi / 2) ** 2
        betas = (1 - f[1:] / f[:-1]).clamp(max=0.999)
    else:
        raise ValueError(f"unknown schedule {kind!r}")
    alphas = 1.0 - betas
    return {"betas": betas, "alphas": alphas, "alpha_bar": torch.cumprod(alphas, 0)}


def on_device(schedule: dict, device) -> dict:
    """The schedule in float32 on the training device."""
    return {k: v.to(device=device, dtype=torch.float32) for k, v in schedule.items()}


def q_sample(x0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor, alpha_bar) -> torch.Tensor:
    """The closed-form jump x_t = √ᾱ_t x_0 + √(1-ᾱ_t) ε (t: (B,) step indices)."""
    ab = alpha_bar[t].view(-1, *([1] * (x0.dim() - 1)))  # (B, 1, ...)
    return ab.sqrt() * x0 + (1 - ab).sqrt() * eps


def iterate_noising(x0: torch.Tensor, betas: torch.Tensor, noises: torch.Tensor) -> torch.Tensor:
    """The Markov chain itself, one step at a time: returns every x_t, shape (T, *x0.shape)."""
    x, out = x0, []
    for beta, eps in zip(betas, noises, strict=True):
        x = (1 - beta).sqrt() * x + beta.sqrt() * eps
        out.append(x)
    return torch.stack(out)


def time_features(t: torch.Tensor, timesteps: int, dim: int = 16) -> torch.Tensor:
    """Sinusoidal embedding of the step index, (B,) → (B, dim), as in transformers."""
    half = dim // 2
    freqs = torch.exp(-math.log(1000.0) * torch.arange(half, device=t.device) / half)  # (half,)
    angle = (t.float() / timesteps * 1000.0)[:, None] * freqs[None] / 10.0  # (B, half)
    return torch.cat([angle.sin(), angle.cos()], dim=1)


def build_denoiser(dim: int, hidden: int, cond: int = 0, temb: int = 16, out: int | None = None):
    """An MLP over [x_t, time features, condition]: ε_θ(x_t, t[, c])."""
    return nn.Sequential(
        nn.Linear(dim + temb + cond, hidden),
        nn.SiLU(),
        nn.Linear(hidden, hidden),
        nn.SiLU(),
        nn.Linear(hidden, hidden),
        nn.SiLU(),
        nn.Linear(hidden, out or dim),
    )


def denoise(net, x: torch.Tensor, t: torch.Tensor, timesteps: int, cond=None) -> torch.Tensor:
    """Run the denoiser on x (B, D) at steps t (B,), optionally with a condition (B, C)."""
    parts = [x, time_features(t, timesteps, net[0].in_features - x.shape[1] - _cond_dim(cond))]
    if cond is not None:
        parts.append(cond)
    return net(torch.cat(parts, dim=1))


def _cond_dim(cond) -> int:
    return 0 if cond is None else int(cond.shape[1])


def eps_loss(net, x0: torch.Tensor, sched: dict, gen, cond=None) -> tuple[Any, Any]:
    """DDPM's simplified loss on a batch; returns (loss, per-sample loss, t)."""
    b, t_count = x0.shape[0], len(sched["betas"])
    t = torch.randint(0, t_count, (b,), device=x0.device, generator=gen)
    eps = torch.randn(x0.shape, device=x0.device, generator=gen)
    pred = denoise(net, q_sample(x0, t, eps, sched["alpha_bar"]), t, t_count, cond)
    per = ((pred - eps) ** 2).mean(dim=1)  # (B,)
    return per.mean(), per.detach(), t


def reverse_step(x: torch.Tensor, eps_hat: torch.Tensor, t: int, sched: dict, z) -> torch.Tensor:
    """x_{t-1} = (x_t - β_t/√(1-ᾱ_t) ε̂) / √α_t + σ_t z with σ_t² = β_t (z = 0 at the end)."""
    beta, alpha, ab = sched["betas"][t], sched["alphas"][t], sched["alpha_bar"][t]
    mean = (x - beta / (1 - ab).sqrt() * eps_hat) / alpha.sqrt()
    return mean + beta.sqrt() * z if t > 0 else mean


def reverse_sample(
    predict: Callable[[Any, Any], Any],
    x_T: torch.Tensor,
    sched: dict,
    gen,
    keep: tuple[int, ...] = (),
    noise: float | torch.Tensor = 1.0,
) -> tuple[Any, dict[int, Any]]:
    """Ancestral sampling from x_T; ``predict(x, t_batch)`` returns ε̂. Keeps x_t for t in keep.

    The step at schedule index t (β_t of step t+1) turns x_{t+1} into x_t, so the loop
    runs t = T-1 … 0 and ``kept[t]`` is x_t: ``kept[T]`` the start, ``kept[0]`` the output.
    ``noise`` scales the σ_t z term (0: each step keeps only its mean; the same draws are
    made either way); a (B, 1) tensor scales each row on its own.
    """
    t_count = len(sched["betas"])
    x, kept = x_T, {}
    if t_count in keep:
        kept[t_count] = x
    for t in range(t_count - 1, -1, -1):
        t_batch = torch.full((x.shape[0],), t, device=x.device, dtype=torch.long)
        z = torch.randn(x.shape, device=x.device, generator=gen, dtype=x.dtype)
        plain = not isinstance(noise, torch.Tensor) and noise == 1.0
        x = reverse_step(x, predict(x, t_batch), t, sched, z if plain else z * noise)
        if t in keep:
            kept[t] = x
    return x, kept


def sample_chain(
    net, noise: torch.Tensor, sched: dict, ctx: RunContext, keep, scale: Any = 1.0
) -> tuple:
    """Reverse-sample from ``noise`` with the trained ``net``; the seed makes it repeatable.

    ``scale`` multiplies the σ_t z term of every step (0: the means alone, the contrast).
    """
    t_count = ctx.params["timesteps"]
    gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed + 3)
    with torch.no_grad():
        return reverse_sample(
            lambda x, t: denoise(net, x, t, t_count),
            noise,
            sched,
            gen,
            keep=tuple(keep),
            noise=scale,
        )


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, gen, projections: int = 64) -> float:
    """Mean 1-D Wasserstein-1 distance over random directions (equal sample sizes)."""
    n = min(len(a), len(b))
    dirs = torch.randn(a.shape[1], projections, device=a.device, generator=gen)
    dirs = dirs / dirs.norm(dim=0, keepdim=True)  # (D, P)
    pa = (a[:n] @ dirs).sort(dim=0).values  # (n, P)
    pb = (b[:n] @ dirs).sort(dim=0).values
    return (pa - pb).abs().mean().item()


def nn_distances(a: torch.Tensor, b: torch.Tensor) -> tuple[float, float]:
    """(mean distance from each a to its nearest b, from each b to its nearest a).

    The first is small when the samples a lie on the data b (precision), the second when
    they cover all of it (no mode dropped).
    """
    d = torch.cdist(a, b)  # (|a|, |b|)
    return d.min(dim=1).values.mean().item(), d.min(dim=0).values.mean().item()


def shown_steps(timesteps: int) -> tuple[int, ...]:
    """Five step indices from the data to pure noise, for the pictures: 0 … T."""
    return tuple(sorted({0, timesteps // 4, timesteps // 2, (3 * timesteps) // 4, timesteps}))


def density(points: torch.Tensor, bins: int = 20, extent: float = 3.0) -> torch.Tensor:
    """2-D histogram of points in [-extent, extent]², scaled to [0, 1], shape (bins, bins)."""
    idx = ((points + extent) / (2 * extent) * bins).floor().long().clamp(0, bins - 1)
    flat = (bins - 1 - idx[:, 1]) * bins + idx[:, 0]  # row 0 = top (large y)
    counts = torch.bincount(flat, minlength=bins * bins).float().view(bins, bins)
    return counts / counts.max().clamp_min(1.0)
