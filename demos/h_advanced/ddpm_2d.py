"""DDPM on 2-D points: forward noising, the schedule and reverse sampling (question h.07).

The forward process adds Gaussian noise in T small steps,
``q(x_t | x_{t-1}) = N(√(1-β_t) x_{t-1}, β_t I)``; with ``α_t = 1 - β_t`` and
``ᾱ_t = ∏_{s≤t} α_s`` it collapses to one closed-form jump,
``x_t = √ᾱ_t x_0 + √(1-ᾱ_t) ε``, so training draws a random t and regresses the added
noise: ``L = ||ε - ε_θ(x_t, t)||²``. Sampling starts from pure noise ``x_T ~ N(0, I)``
(ᾱ_T ≈ 0 makes that the right start) and applies the learned reverse step
``x_{t-1} = (x_t - β_t/√(1-ᾱ_t) ε_θ) / √α_t + σ_t z``, σ_t² = β_t, T times.

The schedule is DDPM's linear one (β from 1e-4 to 0.02 at T = 1000, scaled by 1000/T
for shorter chains so that ᾱ_T stays near zero) or the cosine schedule of Nichol &
Dhariwal. Live: the ε-loss overall and per timestep range, the distance of the samples
from the data (sliced Wasserstein), and two rows of density pictures: the data being
noised forward (top) and samples being denoised in reverse (bottom) at the same t.

The diffusion pieces (schedule, q_sample, the ε-network, the sampler) are plain functions
here; ``latent-diffusion`` and ``dalle2-toy`` reuse them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from demos.framework import Check, Demo, Frame, Param, RunContext, histogram, image

if TYPE_CHECKING:
    import torch


# --- the diffusion pieces, shared with latent-diffusion and dalle2-toy -----------------


def make_schedule(timesteps: int, kind: str = "linear", beta_end: float = 0.02) -> Any:
    """β_t, α_t, ᾱ_t as float64 CPU tensors of length T (index 0 is the first step).

    ``beta_end`` is β_T of the linear schedule at T = 1000; like improved DDPM, both ends
    are scaled by 1000/T so that a shorter chain destroys the data as completely.
    """
    import torch

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
    import torch

    return {k: v.to(device=device, dtype=torch.float32) for k, v in schedule.items()}


def q_sample(x0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor, alpha_bar) -> torch.Tensor:
    """The closed-form jump x_t = √ᾱ_t x_0 + √(1-ᾱ_t) ε (t: (B,) step indices)."""
    ab = alpha_bar[t].view(-1, *([1] * (x0.dim() - 1)))  # (B, 1, ...)
    return ab.sqrt() * x0 + (1 - ab).sqrt() * eps


def iterate_noising(x0: torch.Tensor, betas: torch.Tensor, noises: torch.Tensor) -> torch.Tensor:
    """The Markov chain itself, one step at a time: returns every x_t, shape (T, *x0.shape)."""
    import torch

    x, out = x0, []
    for beta, eps in zip(betas, noises, strict=True):
        x = (1 - beta).sqrt() * x + beta.sqrt() * eps
        out.append(x)
    return torch.stack(out)


def time_features(t: torch.Tensor, timesteps: int, dim: int = 16) -> torch.Tensor:
    """Sinusoidal embedding of the step index, (B,) → (B, dim), as in transformers."""
    import torch

    half = dim // 2
    freqs = torch.exp(-math.log(1000.0) * torch.arange(half, device=t.device) / half)  # (half,)
    angle = (t.float() / timesteps * 1000.0)[:, None] * freqs[None] / 10.0  # (B, half)
    return torch.cat([angle.sin(), angle.cos()], dim=1)


def build_denoiser(dim: int, hidden: int, cond: int = 0, temb: int = 16, out: int | None = None):
    """An MLP over [x_t, time features, condition]: ε_θ(x_t, t[, c])."""
    from torch import nn

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
    import torch

    parts = [x, time_features(t, timesteps, net[0].in_features - x.shape[1] - _cond_dim(cond))]
    if cond is not None:
        parts.append(cond)
    return net(torch.cat(parts, dim=1))


def _cond_dim(cond) -> int:
    return 0 if cond is None else int(cond.shape[1])


def eps_loss(net, x0: torch.Tensor, sched: dict, gen, cond=None) -> tuple[Any, Any]:
    """DDPM's simplified loss on a batch; returns (loss, per-sample loss, t)."""
    import torch

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
) -> tuple[Any, dict[int, Any]]:
    """Ancestral sampling from x_T; ``predict(x, t_batch)`` returns ε̂. Keeps x_t for t in keep.

    The step at schedule index t (β_t of step t+1) turns x_{t+1} into x_t, so the loop
    runs t = T-1 … 0 and ``kept[t]`` is x_t: ``kept[T]`` the start, ``kept[0]`` the output.
    """
    import torch

    t_count = len(sched["betas"])
    x, kept = x_T, {}
    if t_count in keep:
        kept[t_count] = x
    for t in range(t_count - 1, -1, -1):
        t_batch = torch.full((x.shape[0],), t, device=x.device, dtype=torch.long)
        z = torch.randn(x.shape, device=x.device, generator=gen, dtype=x.dtype)
        x = reverse_step(x, predict(x, t_batch), t, sched, z)
        if t in keep:
            kept[t] = x
    return x, kept


def sample_chain(net, noise: torch.Tensor, sched: dict, ctx: RunContext, keep) -> tuple:
    """Reverse-sample from ``noise`` with the trained ``net``; the seed makes it repeatable."""
    import torch

    t_count = ctx.params["timesteps"]
    gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed + 3)
    with torch.no_grad():
        return reverse_sample(
            lambda x, t: denoise(net, x, t, t_count), noise, sched, gen, keep=tuple(keep)
        )


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, gen, projections: int = 64) -> float:
    """Mean 1-D Wasserstein-1 distance over random directions (equal sample sizes)."""
    import torch

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
    import torch

    d = torch.cdist(a, b)  # (|a|, |b|)
    return d.min(dim=1).values.mean().item(), d.min(dim=0).values.mean().item()


def shown_steps(timesteps: int) -> tuple[int, ...]:
    """Five step indices from the data to pure noise, for the pictures: 0 … T."""
    return tuple(sorted({0, timesteps // 4, timesteps // 2, (3 * timesteps) // 4, timesteps}))


# --- checks, as functions so a test can feed them broken inputs ----------------------


def check_closed_form(sched: dict, gen, samples: int = 4000) -> Check:
    """q(x_t | x_0) in closed form equals the distribution of the iterated chain."""
    import torch

    betas, alpha_bar = sched["betas"], sched["alpha_bar"]
    t_count = len(betas)
    # exact: the chain's mean factor and variance, by the recursion v_t = α_t v_{t-1} + β_t
    mean_f, var, worst = 1.0, 0.0, 0.0
    for t in range(t_count):
        mean_f = mean_f * (1 - betas[t]).sqrt()
        var = (1 - betas[t]) * var + betas[t]
        worst = max(
            worst, abs(mean_f - alpha_bar[t].sqrt()).item(), abs(var - (1 - alpha_bar[t])).item()
        )
    # Monte Carlo: run the chain on fixed points and score it against torch.distributions
    x0 = torch.tensor([[1.5, -0.5], [-1.0, 2.0]], dtype=torch.float64)  # (2, 2)
    noises = torch.randn(t_count, samples, 2, 2, generator=gen, dtype=torch.float64)
    chain = iterate_noising(x0.expand(samples, 2, 2), betas, noises)  # (T, S, 2, 2)
    z_worst = 0.0
    for t in sorted({t_count // 10, t_count // 2, t_count - 1}):
        ref = torch.distributions.Normal(alpha_bar[t].sqrt() * x0, (1 - alpha_bar[t]).sqrt())
        emp_mean, emp_std = chain[t].mean(0), chain[t].std(0)
        z_mean = ((emp_mean - ref.mean) / (ref.stddev / math.sqrt(samples))).abs().max()
        z_std = ((emp_std / ref.stddev - 1) / math.sqrt(1 / (2 * samples))).abs().max()
        z_worst = max(z_worst, z_mean.item(), z_std.item())
    ok = worst < 1e-9 and z_worst < 5.0
    return Check(
        "closed-form-q(x_t|x_0)",
        bool(ok),
        f"√ᾱ_t and 1-ᾱ_t vs the iterated chain: max |Δ| = {worst:.1e}; "
        f"{samples} chains vs Normal(√ᾱ_t x_0, 1-ᾱ_t) at 3 steps: worst z-score {z_worst:.2f} "
        "(needs < 5)",
    )


def check_alpha_bar_end(sched: dict, limit: float = 1e-3) -> Check:
    """x_T must be (almost) pure noise for sampling to start from N(0, I)."""
    end = sched["alpha_bar"][-1].item()
    return Check(
        "alpha_bar_T",
        end < limit,
        f"ᾱ_T = {end:.2e} (needs < {limit:g}): x_T keeps {math.sqrt(max(end, 0)):.1e} of x_0",
    )


def check_reverse_mean(sched: dict, gen) -> Check:
    """With the true noise, the ε-form reverse mean equals the posterior mean μ̃(x_t, x_0)."""
    import torch

    betas, alphas, ab = sched["betas"], sched["alphas"], sched["alpha_bar"]
    x0 = torch.randn(64, 2, generator=gen, dtype=torch.float64)
    worst = 0.0
    for t in range(1, len(betas)):
        eps = torch.randn(64, 2, generator=gen, dtype=torch.float64)
        xt = ab[t].sqrt() * x0 + (1 - ab[t]).sqrt() * eps
        ours = reverse_step(xt, eps, t, sched, torch.zeros_like(xt))
        c0 = ab[t - 1].sqrt() * betas[t] / (1 - ab[t])
        ct = alphas[t].sqrt() * (1 - ab[t - 1]) / (1 - ab[t])
        worst = max(worst, (ours - (c0 * x0 + ct * xt)).abs().max().item())
    return Check(
        "reverse-mean",
        worst < 1e-8,
        f"(x_t - β_t/√(1-ᾱ_t) ε)/√α_t vs posterior mean of q(x_{{t-1}}|x_t,x_0) over all t: "
        f"max |Δ| = {worst:.1e}",
    )


# --- pictures ---------------------------------------------------------------------------


def density(points: torch.Tensor, bins: int = 20, extent: float = 3.0) -> torch.Tensor:
    """2-D histogram of points in [-extent, extent]², scaled to [0, 1], shape (bins, bins)."""
    import torch

    idx = ((points + extent) / (2 * extent) * bins).floor().long().clamp(0, bins - 1)
    flat = (bins - 1 - idx[:, 1]) * bins + idx[:, 0]  # row 0 = top (large y)
    counts = torch.bincount(flat, minlength=bins * bins).float().view(bins, bins)
    return counts / counts.max().clamp_min(1.0)


def strip(tiles: list[torch.Tensor], pad: float = 0.35) -> torch.Tensor:
    """Tiles (H, W) side by side with a grey column between them."""
    import torch

    h = tiles[0].shape[0]
    gap = torch.full((h, 1), pad, device=tiles[0].device)
    parts = [p for tile in tiles for p in (tile, gap)][:-1]
    return torch.cat(parts, dim=1)


# --- the demo -------------------------------------------------------------------------


class DDPM2D(Demo):
    name = "ddpm-2d"
    title = "DDPM on 2-D points: forward noising, the schedule, reverse sampling"
    questions = ("h.07",)
    summary = (
        "A denoising diffusion model on 2-D toy data: closed-form forward noising, linear "
        "or cosine schedule, the epsilon-prediction loss, ancestral sampling from pure noise."
    )
    params = (
        Param("steps", "int", 4000, "training steps", 10, 100_000),
        Param("batch", "int", 256, "points per step", 8, 8192),
        Param("lr", "float", 3e-3, "Adam learning rate (cosine-annealed to 0)", 1e-5, 1.0),
        Param("hidden", "int", 128, "width of the ε-network", 8, 1024),
        Param("timesteps", "int", 200, "diffusion steps T", 2, 2000),
        Param("schedule", "str", "linear", "β schedule", choices=("linear", "cosine")),
        Param("beta_end", "float", 0.02, "linear β_T at T = 1000 (scaled by 1000/T)", 1e-4, 0.5),
        Param("data", "str", "moons", "2-D data set", choices=("moons", "ring", "spirals")),
        Param("samples", "int", 1000, "points sampled for each picture", 100, 20_000),
    )
    quick: ClassVar[dict[str, Any]] = {"steps": 1300, "timesteps": 100, "hidden": 64, "lr": 5e-3}
    plots: ClassVar[dict[str, tuple[str, ...]]] = {
        "ε-prediction loss": ("loss",),
        "distance from samples to held-out data": ("nn_samples", "nn_noise", "nn_data"),
        "distance from held-out data to samples": ("cover_samples", "cover_data"),
    }

    def setup(self, ctx: RunContext) -> None:
        import torch

        from demos.data import gaussian_ring, spirals, two_moons

        p = ctx.params
        make = {"moons": two_moons, "ring": gaussian_ring, "spirals": spirals}[p["data"]]
        raw, _ = make(6000, ctx.rng())
        raw = raw[ctx.rng(offset=1).permutation(len(raw))]  # moons come sorted by label
        raw = (raw - raw.mean(0)) / raw.std(0)  # unit variance per axis, like the noise
        x = torch.from_numpy(raw.astype("float32"))
        self.train_x = x[: -p["samples"]].to(ctx.device)
        self.eval_x = x[-p["samples"] :].to(ctx.device)
        self.sched64 = make_schedule(p["timesteps"], p["schedule"], p["beta_end"])
        self.sched = on_device(self.sched64, ctx.device)
        self.net = build_denoiser(2, p["hidden"]).to(ctx.device)
        gen = torch.Generator().manual_seed(ctx.seed + 1)  # CPU draw: same start everywhere
        self.noise = torch.randn(p["samples"], 2, generator=gen).to(ctx.device)
        # reference distances: pure noise (an untrained sampler at best) and fresh data
        self.nn_noise, _ = nn_distances(self.noise, self.eval_x)
        self.nn_data, self.cover_data = nn_distances(self.train_x[: p["samples"]], self.eval_x)
        self.shown = shown_steps(p["timesteps"])
        forward = torch.randn(p["samples"], 2, generator=gen).to(ctx.device)
        self.forward_row = []
        for t in self.shown:
            if t == 0:
                self.forward_row.append(self.eval_x)
            else:
                tt = torch.full((p["samples"],), t - 1, device=ctx.device)
                self.forward_row.append(q_sample(self.eval_x, tt, forward, self.sched["alpha_bar"]))

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        import torch

        gen = torch.Generator().manual_seed(ctx.seed + 2)
        yield check_closed_form(self.sched64, gen, samples=2000 if ctx.quick else 4000)
        yield check_alpha_bar_end(self.sched64)
        yield check_reverse_mean(self.sched64, gen)

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        import torch

        p = ctx.params
        opt = torch.optim.Adam(self.net.parameters(), lr=p["lr"])
        anneal = torch.optim.lr_scheduler.CosineAnnealingLR(opt, ctx.total_steps)
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        buckets = 10
        t_count = p["timesteps"]
        self.bucket_loss = torch.zeros(buckets, device=ctx.device)
        self.bucket_n = torch.zeros(buckets, device=ctx.device)
        n = len(self.train_x)
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (p["batch"],), device=ctx.device, generator=gen)
            loss, per, t = eps_loss(self.net, self.train_x[idx], self.sched, gen)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            anneal.step()
            b = (t * buckets) // t_count
            self.bucket_loss.mul_(0.98).index_add_(0, b, per * 0.02)
            self.bucket_n.mul_(0.98).index_add_(0, b, torch.full_like(per, 0.02))
            if ctx.due(step):
                yield self._frame(ctx, step, loss)

    def sample(self, ctx: RunContext) -> tuple[Any, dict[int, Any]]:
        return sample_chain(self.net, self.noise, self.sched, ctx, self.shown)

    def _frame(self, ctx: RunContext, step: int, loss) -> Frame:
        import torch

        x, kept = self.sample(ctx)
        nn_samples, cover = nn_distances(x, self.eval_x)
        reverse = [kept[t] for t in self.shown]  # kept[t] = x_t: after T - t reverse steps
        top = strip([density(f) for f in self.forward_row])
        bottom = strip([density(r) for r in reverse])
        pad = torch.full((1, top.shape[1]), 0.35, device=top.device)
        per_t = (self.bucket_loss / self.bucket_n.clamp_min(1e-8)).cpu()
        ab = self.sched64["alpha_bar"]
        picks = torch.linspace(0, len(ab) - 1, 10).round().long()
        self.last = {"samples": x.cpu(), "reverse": [r.cpu() for r in reverse], "per_t": per_t}
        return Frame(
            step=step,
            metrics={
                "loss": loss.item(),
                "nn_samples": nn_samples,
                "nn_noise": self.nn_noise,
                "nn_data": self.nn_data,
                "cover_samples": cover,
                "cover_data": self.cover_data,
            },
            images=[
                image(
                    "forward q(x_t|x_0) (top) / reverse samples (bottom), t = "
                    + ", ".join(str(t) for t in self.shown),
                    torch.cat([top, pad, bottom], dim=0),
                )
            ],
            histograms=[
                histogram("ε-loss by timestep (tenths of T, recent batches)", per_t, labels=None),
                histogram(
                    "ᾱ_t of the schedule",
                    ab[picks],
                    labels=[f"t={int(i) + 1}" for i in picks],
                ),
            ],
        )

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        ours, noise, data = (f.get(k, math.nan) for k in ("nn_samples", "nn_noise", "nn_data"))
        cover, cover_data = f.get("cover_samples", math.nan), f.get("cover_data", math.nan)
        ok = ours <= 0.6 * noise and cover <= 1.5 * cover_data
        return Check(
            "learning",
            bool(ok),
            f"mean distance sample → nearest held-out point {ours:.3f} (pure noise {noise:.3f}, "
            f"fresh data {data:.3f}; needs ≤ 0.6 × noise); held-out point → nearest sample "
            f"{cover:.3f} (fresh data {cover_data:.3f}; needs ≤ 1.5 ×, no mode dropped)",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        hist = ctx.history
        steps = [h["step"] for h in hist]
        sched = self.sched64
        n = len(self.shown)
        fig = plt.figure(figsize=(3.2 * n, 10))
        grid = fig.add_gridspec(3, n * 2)
        ax = fig.add_subplot(grid[0, 0:n])
        ts = range(1, len(sched["betas"]) + 1)
        ax.plot(ts, sched["alpha_bar"].numpy(), label="ᾱ_t")
        ax.plot(ts, sched["betas"].numpy(), label="β_t")
        ax.plot(ts, (1 - sched["alpha_bar"]).sqrt().numpy(), ":", label="√(1-ᾱ_t) (noise std)")
        ax.set_yscale("log")
        ax.set(
            title=f"{ctx.params['schedule']} schedule, ᾱ_T = {sched['alpha_bar'][-1]:.1e}",
            xlabel="t",
        )
        ax.legend()
        ax = fig.add_subplot(grid[0, n:])
        ax.plot(steps, [h["loss"] for h in hist], label="ε-loss")
        ax.plot(steps, [h["nn_samples"] for h in hist], label="NN distance, samples")
        ax.plot(steps, [h["nn_noise"] for h in hist], ":", label="NN distance, pure noise")
        ax.plot(steps, [h["nn_data"] for h in hist], ":", label="NN distance, fresh data")
        ax.plot(steps, [h["cover_samples"] for h in hist], label="coverage distance, samples")
        ax.set_yscale("log")
        ax.set(title="training (the untrained sampler diverges)", xlabel="step")
        ax.legend()
        rows = (
            ("forward: data noised to x_t", [f.cpu() for f in self.forward_row]),
            ("reverse: samples at x_t", self.last["reverse"]),
        )
        for r, (label, pts) in enumerate(rows):
            for k, t in enumerate(self.shown):
                ax = fig.add_subplot(grid[1 + r, 2 * k : 2 * k + 2])
                ax.scatter(pts[k][:, 0].numpy(), pts[k][:, 1].numpy(), s=2, alpha=0.5)
                ax.set(xlim=(-3, 3), ylim=(-3, 3), title=f"{label.split(':')[0]} t = {t}")
                ax.set_xticks([])
                ax.set_yticks([])
        fig.suptitle(
            f"DDPM on {ctx.params['data']}: T = {ctx.params['timesteps']}, "
            f"{ctx.total_steps} steps, {ctx.device}"
        )
        fig.tight_layout()
        path = out_dir / "ddpm-2d.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return [path]
