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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from demos.lib.diffusion import (
    build_denoiser,
    density,
    eps_loss,
    iterate_noising,
    make_schedule,
    nn_distances,
    on_device,
    q_sample,
    reverse_step,
    sample_chain,
    shown_steps,
)
from demos.lib.images import montage
from demos.platform import Check, Demo, Frame, RunContext, histogram, picture
from demos.platform.data import gaussian_ring, spirals, two_moons
from demos.platform.figures import plot_history, plt, save_figure

# --- the diffusion pieces, shared with latent-diffusion and dalle2-toy -----------------


# --- checks, as functions so a test can feed them broken inputs ----------------------


def check_closed_form(sched: dict, gen, samples: int = 4000) -> Check:
    """q(x_t | x_0) in closed form equals the distribution of the iterated chain."""
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


# --- the demo -------------------------------------------------------------------------


class DDPM2D(Demo):
    def setup(self, ctx: RunContext) -> None:
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
        gen = torch.Generator().manual_seed(ctx.seed + 2)
        yield check_closed_form(self.sched64, gen, samples=2000 if ctx.quick else 4000)
        yield check_alpha_bar_end(self.sched64)
        yield check_reverse_mean(self.sched64, gen)

    def run(self, ctx: RunContext) -> Iterator[Frame]:
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
            if ctx.wants(step):
                yield self._frame(ctx, step, loss)

    def sample(self, ctx: RunContext) -> tuple[Any, dict[int, Any]]:
        return sample_chain(self.net, self.noise, self.sched, ctx, self.shown)

    def _frame(self, ctx: RunContext, step: int, loss) -> Frame:
        x, kept = self.sample(ctx)
        nn_samples, cover = nn_distances(x, self.eval_x)
        reverse = [kept[t] for t in self.shown]  # kept[t] = x_t: after T - t reverse steps
        top = montage([density(f) for f in self.forward_row], pad=0.35)
        bottom = montage([density(r) for r in reverse], pad=0.35)
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
            pictures=[
                picture(
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
        hist = ctx.history
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
        plot_history(ax, hist, ["loss"], labels=["ε-loss"])
        plot_history(ax, hist, ["nn_samples"], labels=["NN distance, samples"])
        plot_history(ax, hist, ["nn_noise"], styles=[":"], labels=["NN distance, pure noise"])
        plot_history(ax, hist, ["nn_data"], styles=[":"], labels=["NN distance, fresh data"])
        plot_history(ax, hist, ["cover_samples"], labels=["coverage distance, samples"])
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
        title = (
            f"DDPM on {ctx.params['data']}: T = {ctx.params['timesteps']}, "
            f"{ctx.total_steps} steps, {ctx.device}"
        )
        return [save_figure(out_dir, "ddpm-2d", fig, title=title, dpi=100)]
