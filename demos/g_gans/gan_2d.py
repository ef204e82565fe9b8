"""A GAN on 2-D data: the adversarial game you can see (questions g.01–g.06, g.08).

The generator G maps noise z ~ N(0, I) to a point of the plane; the discriminator D maps a
point to a logit, σ(logit) = P(real). They are trained alternately, each with its own
optimiser (g.04, g.05):

    D step   L_D = −mean[t·log σ(D(x)) + (1 − t)·log(1 − σ(D(x)))] − mean[log(1 − σ(D(G(z))))]
             with G(z) detached (no gradient reaches G); t = 1, or 0.9 with one-sided
             label smoothing
    G step   non-saturating  L_G = −mean[log σ(D(G(z)))]
             minimax         L_G =  mean[log(1 − σ(D(G(z))))]
             the gradient flows through D (its weights are not stepped) into G

Live: the probability map σ(D(x)) over the plane (the binary classifier of g.03, a moving
boundary), where the generator's samples lie next to the real density, both losses
(D's loss at the equilibrium D = ½ is 2·ln 2), D's mean output on real and fake points,
precision (fakes near real data) and recall (real data near some fake), and the fakes
per mode of a ring of Gaussians — the classic picture of mode collapse (g.08). The
usual fixes are parameters: the non-saturating loss, one-sided label smoothing, k D
steps per G step, separate learning rates, Adam with β1 = 0.5.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from demos.lib.gan import (
    check_d_step,
    check_g_step,
    d_step,
    g_loss_from_logits,
    g_step,
    mlp,
)
from demos.platform import Check, Demo, Frame, RunContext, data, heatmap, histogram
from demos.platform.figures import plot_history, save_figure, subplots

GRID = 24  # cells per side of the terminal heatmaps


# --- the model and the two training steps (the equations of the docstring) -----------


# --- checks (functions, so that a test can hand them a broken step) ------------------


def check_saturation(loss_fn: Callable = g_loss_from_logits) -> Check:
    """∂L_G/∂a: minimax −σ(a) vanishes when D rejects the fakes, non-saturating −(1 − σ(a))."""
    a = torch.linspace(-8.0, 2.0, 11, dtype=torch.float64, requires_grad=True)  # D's logits
    n = a.numel()
    (g_mm,) = torch.autograd.grad(loss_fn(a, "minimax"), a)
    (g_ns,) = torch.autograd.grad(loss_fn(a, "nonsat"), a)
    s = torch.sigmoid(a.detach())
    gap = max(
        (g_mm * n - (-s)).abs().max().item(),
        (g_ns * n - (-(1 - s))).abs().max().item(),
    )
    weak, strong = abs(g_mm[0].item()) * n, abs(g_ns[0].item()) * n
    ok = gap < 1e-12 and strong > 100 * weak
    return Check(
        "non-saturating-gradient",
        bool(ok),
        f"autograd vs −σ(a) and −(1−σ(a)): max gap {gap:.1e}; where D rejects a fake "
        f"(D = σ(−8) = {s[0].item():.1e}) |∂L/∂a| is {weak:.1e} for log(1−D) "
        f"and {strong:.3f} for −log D",
    )


# --- sample quality -----------------------------------------------------------------


def quality(
    fake: torch.Tensor, real: torch.Tensor, labels: torch.Tensor, radius: float, k: int
) -> tuple[float, float, torch.Tensor]:
    """(precision, recall, fakes per mode): near = within ``radius`` of the other set."""
    dist = torch.cdist(fake, real)  # (F, R)
    nearest, which = dist.min(dim=1)
    near = nearest <= radius
    precision = near.float().mean().item()
    recall = (dist.min(dim=0).values <= radius).float().mean().item()
    per_mode = torch.bincount(labels[which[near]], minlength=k)  # (K,)
    return precision, recall, per_mode


def covered(per_mode: torch.Tensor, share: torch.Tensor, n_fake: int) -> int:
    """Modes that receive at least a fifth of their fair share of the fakes."""
    return int((per_mode >= 0.2 * share * n_fake).sum().item())


class GAN2D(Demo):
    # -- setup ------------------------------------------------------------------

    def _sample(self, n: int, rng) -> tuple[Any, Any]:
        p = self._p
        if p["data"] == "ring":
            return data.gaussian_ring(n, rng, modes=p["modes"], std=p["spread"])
        if p["data"] == "moons":
            return data.two_moons(n, rng, noise=p["spread"])
        return data.spirals(n, rng, noise=p["spread"])

    def setup(self, ctx: RunContext) -> None:
        p = self._p = ctx.params
        dev = ctx.device
        x, _ = self._sample(8192, ctx.rng())
        ex, ey = self._sample(2000, ctx.rng(offset=1))
        self.train_x = torch.from_numpy(x).to(dev)  # (N, 2)
        self.eval_x, self.eval_y = torch.from_numpy(ex).to(dev), torch.from_numpy(ey).to(dev)
        self.k = int(ey.max()) + 1
        self.share = torch.bincount(self.eval_y, minlength=self.k).float() / len(ey)  # (K,)
        spread = math.sqrt(float(np.var(ex, axis=0).sum()))
        self.radius = 0.1 * spread  # "near" for precision and recall
        lo, hi = ex.min(axis=0), ex.max(axis=0)
        centre, half = (lo + hi) / 2, float((hi - lo).max()) * 0.6
        self.extent = (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)
        xs = torch.linspace(self.extent[0], self.extent[1], GRID)
        ys = torch.linspace(self.extent[3], self.extent[2], GRID)  # top row = largest y
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")
        self.grid = torch.stack([gx, gy], dim=-1).reshape(-1, 2).to(dev)  # (G·G, 2)
        # parameters drawn on the CPU so that a seed gives the same start on every device
        self.g_net = mlp(p["noise_dim"], p["hidden"], 2).to(dev)
        self.d_net = mlp(2, p["hidden"], 1).to(dev)
        gen = torch.Generator().manual_seed(ctx.seed + 7)
        self.fixed_z = torch.randn(2000, p["noise_dim"], generator=gen).to(dev)  # (F, Z)
        self.fixture_z = torch.randn(32, p["noise_dim"], generator=gen).to(dev)  # (32, Z)

    # -- checks -----------------------------------------------------------------

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        real, z = self.train_x[:32], self.fixture_z
        yield check_d_step(d_step, self.d_net, self.g_net, real, z, ctx.params["smooth"])
        yield check_g_step(g_step, self.d_net, self.g_net, z, ctx.params["loss"])
        yield check_saturation()

    # -- training ---------------------------------------------------------------

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        betas = (p["beta1"], 0.999)
        opt_g = torch.optim.Adam(self.g_net.parameters(), lr=p["lr_g"], betas=betas)
        opt_d = torch.optim.Adam(self.d_net.parameters(), lr=p["lr_d"], betas=betas)
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n, b, dev = len(self.train_x), p["batch"], ctx.device
        self.snapshots: dict[str, dict[str, Any]] = {}
        for step in range(ctx.total_steps):
            for _ in range(p["d_steps"]):
                real = self.train_x[torch.randint(0, n, (b,), device=dev, generator=gen)]
                z = torch.randn(b, p["noise_dim"], device=dev, generator=gen)
                loss_d = d_step(self.d_net, self.g_net, opt_d, real, z, p["smooth"])
            z = torch.randn(b, p["noise_dim"], device=dev, generator=gen)
            loss_g = g_step(self.d_net, self.g_net, opt_g, z, p["loss"])
            if ctx.wants(step):
                yield self._frame(ctx, step, loss_d, loss_g)

    def _frame(self, ctx: RunContext, step: int, loss_d, loss_g) -> Frame:
        with torch.no_grad():
            fake = self.g_net(self.fixed_z)  # (F, 2)
            d_real = torch.sigmoid(self.d_net(self.eval_x)).mean().item()
            d_fake = torch.sigmoid(self.d_net(fake)).mean().item()
            d_map = torch.sigmoid(self.d_net(self.grid)).reshape(GRID, GRID)
            precision, recall, per_mode = quality(
                fake, self.eval_x, self.eval_y, self.radius, self.k
            )
            fake_density = self._density(fake)
            real_density = self._density(self.eval_x)
        modes = covered(per_mode, self.share, len(fake))
        metrics = {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "d_real": d_real,
            "d_fake": d_fake,
            "precision": precision,
            "recall": recall,
            "modes": float(modes),
        }
        last = step >= ctx.total_steps - 1
        if step == 0 or last:
            self.snapshots["first" if step == 0 else "last"] = {
                "step": step,
                "map": d_map.cpu().numpy(),
                "fake": fake[:600].cpu().numpy(),
                "per_mode": per_mode.cpu().numpy(),
                "field": self._field() if last else None,
            }
        return Frame(
            step=step,
            metrics=metrics,
            heatmaps=[
                heatmap("D(x) = P(real) over the plane", d_map, "x1", "x2"),
                heatmap("where G(z) lands (density)", fake_density, "x1", "x2"),
                heatmap("real data (density)", real_density, "x1", "x2"),
            ],
            histograms=[
                histogram(
                    f"fakes per mode ({modes}/{self.k} covered)",
                    per_mode,
                    [str(i) for i in range(self.k)],
                )
            ],
        )

    def _density(self, pts: torch.Tensor) -> torch.Tensor:
        """A GRID×GRID histogram of points, top row = largest x2, normalised to max 1."""
        x0, x1, y0, y1 = self.extent
        col = ((pts[:, 0] - x0) / (x1 - x0) * GRID).long()
        row = ((y1 - pts[:, 1]) / (y1 - y0) * GRID).long()
        inside = (col >= 0) & (col < GRID) & (row >= 0) & (row < GRID)
        counts = torch.bincount(row[inside] * GRID + col[inside], minlength=GRID * GRID)
        counts = counts.float().reshape(GRID, GRID)
        return counts / counts.max().clamp_min(1.0)

    def _field(self) -> dict[str, Any]:
        """∇x log D(x) on a coarse grid: the direction the G step pushes a fake at x."""
        x0, x1, y0, y1 = self.extent
        g = torch.stack(
            torch.meshgrid(torch.linspace(x0, x1, 14), torch.linspace(y0, y1, 14), indexing="xy"),
            dim=-1,
        ).reshape(-1, 2)
        pts = g.to(self.grid.device).clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(F.logsigmoid(self.d_net(pts)).sum(), pts)
        return {"at": g.numpy(), "grad": grad.detach().cpu().numpy()}

    # -- judgement and figures ---------------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        precision, recall = f.get("precision", math.nan), f.get("recall", math.nan)
        modes = f.get("modes", math.nan)
        need = math.ceil(0.75 * self.k)
        ok = precision >= 0.5 and recall >= 0.5 and modes >= need
        start = ctx.history[0] if ctx.history else {}
        return Check(
            "learning",
            bool(ok),
            f"precision {start.get('precision', math.nan):.2f} -> {precision:.2f}, "
            f"recall {start.get('recall', math.nan):.2f} -> {recall:.2f} (floors 0.5, "
            f"radius {self.radius:.3f}); modes covered {modes:.0f}/{self.k} (needs {need}); "
            f"D(real) {f.get('d_real', math.nan):.2f}, D(fake) {f.get('d_fake', math.nan):.2f}",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist = ctx.history
        real = self.eval_x[:600].cpu().numpy()
        fig, axes = subplots(2, 3, (14, 8.5))
        ax = axes[0, 0]
        plot_history(ax, hist, ["loss_d"], labels=["L_D"])
        plot_history(ax, hist, ["loss_g"], labels=[f"L_G ({ctx.params['loss']})"])
        ax.axhline(2 * math.log(2), color="grey", ls=":", label="2 ln 2 (L_D at D = 1/2)")
        ax.set(title="losses: a game, not a minimisation", xlabel="step")
        ax.legend()
        ax = axes[0, 1]
        plot_history(ax, hist, ["d_real"], labels=["mean D(x), real"])
        plot_history(ax, hist, ["d_fake"], labels=["mean D(G(z)), fake"])
        ax.axhline(0.5, color="grey", ls=":")
        ax.set(title="discriminator output", xlabel="step", ylim=(0, 1))
        ax.legend()
        ax = axes[0, 2]
        plot_history(ax, hist, ["precision"], labels=["precision"])
        plot_history(ax, hist, ["recall"], labels=["recall"])
        plot_history(
            ax,
            hist,
            ["modes"],
            labels=[f"modes covered / {self.k}"],
            transform=lambda m: m / self.k,
        )
        ax.set(title="sample quality", xlabel="step", ylim=(0, 1.05))
        ax.legend()
        extent = self.extent
        for ax, key in ((axes[1, 0], "first"), (axes[1, 1], "last")):
            snap = self.snapshots[key]
            im = ax.imshow(snap["map"], extent=extent, cmap="RdBu", vmin=0, vmax=1, alpha=0.8)
            ax.scatter(real[:, 0], real[:, 1], s=3, c="k", alpha=0.4, label="real")
            ax.scatter(snap["fake"][:, 0], snap["fake"][:, 1], s=3, c="orange", label="G(z)")
            if snap["field"] is not None:
                at, grad = snap["field"]["at"], snap["field"]["grad"]
                norm = np.linalg.norm(grad, axis=1, keepdims=True).clip(min=1e-8)
                ax.quiver(at[:, 0], at[:, 1], *(grad / norm).T, color="green", alpha=0.6)
            ax.set(
                title=f"σ(D(x)) at step {snap['step']}"
                + (" (arrows: ∇x log D, where G is pushed)" if snap["field"] is not None else ""),
                xlim=extent[:2],
                ylim=extent[2:],
            )
            ax.legend(loc="upper right", fontsize=7)
        fig.colorbar(im, ax=axes[1, 1], fraction=0.046, label="P(real)")
        ax = axes[1, 2]
        per_mode = self.snapshots["last"]["per_mode"]
        ax.bar(range(self.k), per_mode, label="fakes near the mode")
        fair = self.share.cpu().numpy() * len(self.fixed_z)
        ax.plot(range(self.k), fair, "k_", markersize=20, label="fair share")
        ax.set(title="fakes per mode (collapse = empty bars)", xlabel="mode")
        ax.legend()
        title = (
            f"GAN on {ctx.params['data']}: {ctx.total_steps} steps, loss {ctx.params['loss']}, "
            f"{ctx.params['d_steps']} D step(s) per G step, {ctx.device}"
        )
        return [save_figure(out_dir, "gan-2d", fig, title=title, dpi=100)]
