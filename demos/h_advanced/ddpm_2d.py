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
Dhariwal.

The contrast: the same trained network sampled again from the same x_T with the σ_t z
term dropped from every reverse step (each step keeps only its mean). The chain becomes a
deterministic map that squeezes every sample to nearly one point: the noise is what makes
the reverse process a sampler of the whole distribution, not a denoiser to its centre.

Live: the ε-loss overall and per timestep range, how close the samples come to the data
and how well they cover it (with and without the noise term), and rows of density
pictures: the data noised forward at t = 0 … T, the samples denoised from t = T … 0, and
the same chain without noise. The GIF plays the final reverse chain, both ways.

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
from demos.platform import Bilingual, Check, Demo, Frame, RunContext, histogram, picture
from demos.platform.data import gaussian_ring, spirals, two_moons
from demos.platform.figures import animation, plot_history, plt, save_figure, subplots

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
        t_count = p["timesteps"]  # the GIF's chain: 24 steps from x_T to x_0, and x_0
        self.chain_steps = sorted({round(t_count * (1 - k / 24)) for k in range(25)}, reverse=True)
        self.snapshot: dict[str, Any] = {}
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
        return self.caption(ctx)

    def sample(self, ctx: RunContext) -> tuple[Any, dict, Any, dict]:
        """The samples and their chain, and the same chain without σ_t·z: one batch, the
        same x_T twice, the noise term scaled by 1 in the first half and 0 in the second."""
        keep = {*self.shown, *self.chain_steps}
        n = len(self.noise)
        scale = torch.cat([torch.ones(n, 1), torch.zeros(n, 1)]).to(self.noise.device)
        both, kept = sample_chain(
            self.net, torch.cat([self.noise, self.noise]), self.sched, ctx, keep, scale
        )
        x, still = both.split(n)
        return x, {t: v[:n] for t, v in kept.items()}, still, {t: v[n:] for t, v in kept.items()}

    def _frame(self, ctx: RunContext, step: int, loss) -> Frame:
        x, kept, still, still_kept = self.sample(ctx)
        nn_samples, cover = nn_distances(x, self.eval_x)
        nn_still, cover_still = nn_distances(still, self.eval_x)
        reverse = [kept[t] for t in reversed(self.shown)]  # x_T first: the sampling order
        top = montage([density(f) for f in self.forward_row], pad=0.35)
        middle = montage([density(r) for r in reverse], pad=0.35)
        bottom = montage([density(still_kept[t]) for t in reversed(self.shown)], pad=0.35)
        pad = torch.full((1, top.shape[1]), 0.35, device=top.device)
        per_t = (self.bucket_loss / self.bucket_n.clamp_min(1e-8)).cpu()
        ab = self.sched64["alpha_bar"]
        picks = torch.linspace(0, len(ab) - 1, 10).round().long()
        self.last = {
            "samples": x.cpu(),
            "reverse": [r.cpu() for r in reverse],
            "still": [still_kept[t].cpu() for t in reversed(self.shown)],
            "per_t": per_t,
        }
        if step == ctx.total_steps - 1:  # the final model's chains, for the GIF
            self.snapshot = {
                "ancestral": {t: kept[t].cpu() for t in self.chain_steps},
                "still": {t: still_kept[t].cpu() for t in self.chain_steps},
            }
        ts = ", ".join(str(t) for t in self.shown)
        return Frame(
            step=step,
            metrics={
                "loss": loss.item(),
                "nn_samples": nn_samples,
                "nn_noise": self.nn_noise,
                "nn_data": self.nn_data,
                "cover_samples": cover,
                "cover_data": self.cover_data,
                "nn_no_noise": nn_still,
                "cover_no_noise": cover_still,
            },
            pictures=[
                picture(
                    f"forward q(x_t|x_0), t = {ts} (top); reverse from x_T, t = "
                    f"{', '.join(str(t) for t in reversed(self.shown))} (middle); the same "
                    "without σ_t·z (bottom)",
                    torch.cat([top, pad, middle, pad, bottom], dim=0),
                    key="densities",
                )
            ],
            histograms=[
                histogram(
                    "ε-loss by timestep (tenths of T, recent batches)",
                    per_t,
                    labels=None,
                    key="loss-by-t",
                ),
                histogram(
                    "ᾱ_t of the schedule",
                    ab[picks],
                    labels=[f"t={int(i) + 1}" for i in picks],
                    key="alpha-bar",
                ),
            ],
        )

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, from this run's numbers."""
        f, p = ctx.final, ctx.params
        end = self.sched64["alpha_bar"][-1].item()
        t, data = p["timesteps"], p["data"]
        it = {k: _it(v, ".3f") for k, v in f.items()}
        onto = {"moons": "sulle due lune", "ring": "sull'anello", "spirals": "sulle spirali"}
        return Bilingual(
            en=(
                f"Starting from pure noise (ᾱ_T = {end:.1e}), {t} reverse steps bring the points "
                f"back onto the {data}: on average a held-out point has its "
                f"nearest sample {f['cover_samples']:.3f} away (fresh data: "
                f"{f['cover_data']:.3f}), and a sample lies "
                f"{f['nn_samples']:.3f} from the data on average (pure noise: "
                f"{f['nn_noise']:.3f}). Drop "
                f"the σ_t·z term of each step and the same chain squeezes all samples together: "
                f"the coverage distance grows to {f['cover_no_noise']:.3f}."
            ),
            it=(
                f"Partendo da rumore puro (ᾱ_T = {_it(end, '.1e')}), {t} passi inversi riportano "
                f"i punti {onto.get(data, data)}: in media un punto di test ha il campione "
                f"più vicino a {it['cover_samples']} (dati nuovi: {it['cover_data']}), e un "
                "campione dista in "
                f"media {it['nn_samples']} dai dati (rumore puro: {it['nn_noise']}). Togliendo il "
                f"termine σ_t·z da ogni passo la stessa catena schiaccia tutti i campioni "
                f"insieme: la distanza di copertura sale a {it['cover_no_noise']}."
            ),
        )

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        ours, noise, data = (f.get(k, math.nan) for k in ("nn_samples", "nn_noise", "nn_data"))
        cover, cover_data = f.get("cover_samples", math.nan), f.get("cover_data", math.nan)
        still = f.get("cover_no_noise", math.nan)
        ok = ours <= 0.6 * noise and cover <= 1.5 * cover_data and still >= 3 * cover
        return Check(
            "learning",
            bool(ok),
            f"mean distance sample → nearest held-out point {ours:.3f} (pure noise {noise:.3f}, "
            f"fresh data {data:.3f}; needs ≤ 0.6 × noise); held-out point → nearest sample "
            f"{cover:.3f} (fresh data {cover_data:.3f}; needs ≤ 1.5 ×, no mode dropped); "
            f"without σ_t·z in the reverse steps {still:.3f} (needs ≥ 3 ×: the noise keeps the "
            f"samples spread)",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, p = ctx.history, ctx.params
        sched = self.sched64
        n = len(self.shown)
        fig = plt.figure(figsize=(3.6 * n, 15))
        grid = fig.add_gridspec(4, 3 * n, height_ratios=(1.15, 1, 1, 1))
        ax = fig.add_subplot(grid[0, 0:n])
        ts = range(1, len(sched["betas"]) + 1)
        ax.plot(ts, sched["alpha_bar"].numpy(), label="ᾱ_t (signal kept)")
        ax.plot(ts, sched["betas"].numpy(), label="β_t (noise added per step)")
        ax.plot(ts, (1 - sched["alpha_bar"]).sqrt().numpy(), ":", label="√(1-ᾱ_t) (noise std)")
        ax.axhline(1e-3, color="grey", ls="--", lw=0.8, label="ᾱ_T must be < 1e-3")
        ax.set_yscale("log")
        ax.set(
            title=f"{p['schedule']} schedule, ᾱ_T = {sched['alpha_bar'][-1]:.1e}",
            xlabel="diffusion step t",
        )
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, n : 2 * n])
        plot_history(ax, hist, ["cover_samples"], labels=["samples (with σ_t·z)"], color="C0", lw=2)
        plot_history(
            ax, hist, ["cover_no_noise"], styles=["--"], labels=["same chain, no σ_t·z"], color="C3"
        )
        plot_history(ax, hist, ["cover_data"], styles=[":"], labels=["fresh data"], color="k")
        plot_history(
            ax, hist, ["nn_samples"], styles=["-."], labels=["sample → nearest data"], color="C2"
        )
        ax.set_yscale("log")
        ax.set(title="held-out point → nearest sample (coverage)", ylabel="mean distance")
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, 2 * n :])
        plot_history(ax, hist, ["loss"], labels=["ε-loss (train)"])
        ax.set(title="ε-prediction loss ‖ε − ε_θ(x_t, t)‖²", ylabel="MSE")
        ax.legend(fontsize=8)
        rows = (
            (
                "forward q(x_t | x_0): data → noise",
                [f.cpu() for f in self.forward_row],
                list(self.shown),
                "C0",
            ),
            ("reverse, sampling x_T → x_0", self.last["reverse"], list(reversed(self.shown)), "C2"),
            ("the same chain without σ_t·z", self.last["still"], list(reversed(self.shown)), "C3"),
        )
        for r, (label, pts, steps, colour) in enumerate(rows):
            for k, t in enumerate(steps):
                ax = fig.add_subplot(grid[1 + r, 3 * k : 3 * k + 3])
                ax.scatter(pts[k][:, 0].numpy(), pts[k][:, 1].numpy(), s=2, alpha=0.5, color=colour)
                ax.set(xlim=(-3, 3), ylim=(-3, 3), title=f"t = {t}", aspect="equal")
                ax.set_xticks([])
                ax.set_yticks([])
                if k == 0:
                    ax.set_ylabel(label, fontsize=10)
        title = (
            f"ddpm-2d on {p['data']}: T = {p['timesteps']}, {ctx.total_steps} steps on "
            f"{ctx.device}; rows 2-3 run left to right in sampling order"
        )
        fig.suptitle(title, y=1.0, fontsize=13)
        words = self.caption(ctx)
        path = save_figure(out_dir, "ddpm-2d", fig, caption=f"{words.en}\n{words.it}")
        return [path, self._animation(out_dir)]

    def _animation(self, out_dir: Path) -> Path:
        """The final reverse chain from x_T to x_0: with its noise term and without."""
        steps = self.chain_steps
        snap = self.snapshot
        fig, axes = subplots(1, 2, (8.5, 4.6))
        fig.subplots_adjust(left=0.02, right=0.98, top=0.82, bottom=0.02, wspace=0.05)
        dots = []
        for ax, name, colour in zip(
            axes, ("with σ_t·z (DDPM)", "without σ_t·z"), ("C2", "C3"), strict=True
        ):
            held = self.eval_x.cpu().numpy()
            ax.scatter(held[:, 0], held[:, 1], s=2, color="0.85")
            dots.append(ax.scatter([], [], s=3, color=colour, alpha=0.6))
            ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", title=name)
            ax.set_xticks([])
            ax.set_yticks([])
        head = fig.suptitle("")

        def update(i: int) -> None:
            t = steps[i]
            for dot, key in zip(dots, ("ancestral", "still"), strict=True):
                dot.set_offsets(snap[key][t].numpy())
            head.set_text(f"reverse chain, t = {t} (grey: held-out data)")

        frames = len(steps) + 4  # hold the result for a moment
        return animation(
            out_dir, "ddpm-2d", fig, lambda i: update(min(i, len(steps) - 1)), frames, fps=5, dpi=70
        )


def _it(value: float, fmt: str) -> str:
    """A number as Italian writes it: decimal comma."""
    return format(value, fmt).replace(".", ",")
