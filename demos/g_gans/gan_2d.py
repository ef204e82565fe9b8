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

import copy
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from demos.g_gans import LOSSES
from demos.lib.gan import (
    check_d_step,
    check_g_step,
    d_step,
    g_loss_from_logits,
    g_step,
    mlp,
)
from demos.lib.images import count, decimal_comma, diagram, thin
from demos.platform import Bilingual, Check, Demo, Frame, RunContext, data, heatmap, histogram
from demos.platform.figures import animation, integer_ticks, plot_history, plt, save_figure

GRID = 24  # cells per side of the terminal heatmaps
COLLAPSE_LR = 10.0  # the 'no fixes' twin: G's learning rate this many times D's
SATURATION = 2.5  # the non-saturating loss must push the rejected fakes this many times harder


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


@dataclass
class Player:
    """One GAN being trained: its two nets, their optimisers, its generator loss."""

    name: str
    g_net: Any
    d_net: Any
    opt_g: Any
    opt_d: Any
    loss: str


def adam(params: Any, lr: float, beta1: float) -> torch.optim.Optimizer:
    """Adam for tiny MLPs: the fused kernel where this torch has one for the device (three
    GANs train in one quick run), else the plain per-tensor loop."""
    params = list(params)
    try:
        return torch.optim.Adam(params, lr=lr, betas=(beta1, 0.999), fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(params, lr=lr, betas=(beta1, 0.999), foreach=False)


def fake_gradient(d_net: Any, fake: torch.Tensor, kind: str) -> torch.Tensor:
    """‖∂ℓ_G/∂x‖ at each fake x: how hard the G step pushes it (per point, (F,))."""
    x = fake.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(g_loss_from_logits(d_net(x), kind) * len(x), x)
    return grad.norm(dim=1)


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
        self.snapshots: dict[int, dict[str, Any]] = {}

    def _players(self, ctx: RunContext) -> list[Player]:
        """The run, and its two twins from the same weights: the other G loss, and no fixes."""
        p = ctx.params
        other = "minimax" if p["loss"] == "nonsat" else "nonsat"

        def player(name: str, loss: str, lr_g: float, beta1: float, twin: bool) -> Player:
            g = copy.deepcopy(self.g_net) if twin else self.g_net
            d = copy.deepcopy(self.d_net) if twin else self.d_net
            return Player(
                name,
                g,
                d,
                adam(g.parameters(), lr_g, beta1),
                adam(d.parameters(), p["lr_d"], beta1),
                loss,
            )

        players = [player("main", p["loss"], p["lr_g"], p["beta1"], twin=False)]
        if p["contrast"]:
            players.append(player(other, other, p["lr_g"], p["beta1"], twin=True))
            fast = COLLAPSE_LR * p["lr_g"]  # G far faster than D, Adam's default momentum
            players.append(player("collapse", p["loss"], fast, 0.9, twin=True))
        return players

    # -- checks -----------------------------------------------------------------

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        real, z = self.train_x[:32], self.fixture_z
        yield check_d_step(d_step, self.d_net, self.g_net, real, z, ctx.params["smooth"])
        yield check_g_step(g_step, self.d_net, self.g_net, z, ctx.params["loss"])
        yield check_saturation()

    # -- training ---------------------------------------------------------------

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        players = self.players = self._players(ctx)
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n, b, dev = len(self.train_x), p["batch"], ctx.device
        for step in range(ctx.total_steps):
            for _ in range(p["d_steps"]):  # the same real points and noise for every player
                real = self.train_x[torch.randint(0, n, (b,), device=dev, generator=gen)]
                z = torch.randn(b, p["noise_dim"], device=dev, generator=gen)
                losses_d = [
                    d_step(q.d_net, q.g_net, q.opt_d, real, z, p["smooth"]) for q in players
                ]
            z = torch.randn(b, p["noise_dim"], device=dev, generator=gen)
            losses_g = [g_step(q.d_net, q.g_net, q.opt_g, z, q.loss) for q in players]
            if ctx.wants(step):
                yield self._frame(ctx, step, losses_d[0], losses_g[0])
        return self.caption(ctx)

    def _measure(self, q: Player) -> dict[str, Any]:
        """Sample quality, D's view and the gradient G gets, for one player (no training)."""
        with torch.no_grad():
            fake = q.g_net(self.fixed_z)  # (F, 2)
            d_fake = torch.sigmoid(q.d_net(fake))[:, 0]  # (F,)
            d_real = torch.sigmoid(q.d_net(self.eval_x)).mean().item()
            precision, recall, per_mode = quality(
                fake, self.eval_x, self.eval_y, self.radius, self.k
            )
        grad = fake_gradient(q.d_net, fake, q.loss)  # (F,)
        rejected = d_fake <= torch.quantile(d_fake, 0.1)  # the tenth of fakes D rejects most
        # both generator losses on the same fakes under the same D: the saturation, measured
        push = {k: fake_gradient(q.d_net, fake[rejected], k).mean().item() for k in LOSSES}
        return {
            "push_nonsat": push["nonsat"],
            "push_minimax": push["minimax"],
            "fake": fake,
            "per_mode": per_mode,
            "precision": precision,
            "recall": recall,
            "modes": float(covered(per_mode, self.share, len(fake))),
            "d_real": d_real,
            "d_fake": d_fake.mean().item(),
            "grad": grad.mean().item(),
            "d_rejected": d_fake[rejected].mean().item(),
        }

    def _frame(self, ctx: RunContext, step: int, loss_d, loss_g) -> Frame:
        seen = {q.name: self._measure(q) for q in self.players}
        main = seen["main"]
        with torch.no_grad():
            d_map = torch.sigmoid(self.d_net(self.grid)).reshape(GRID, GRID)
            fake_density = self._density(main["fake"])
            real_density = self._density(self.eval_x)
        metrics = {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            **{k: main[k] for k in ("d_real", "d_fake", "precision", "recall", "modes")},
            "grad": main["grad"],
            "d_rejected": main["d_rejected"],
            "push_nonsat": main["push_nonsat"],
            "push_minimax": main["push_minimax"],
        }
        other = [q for q in self.players if q.name not in ("main", "collapse")]
        if other:
            twin = seen[other[0].name]
            metrics.update(
                {f"other_{k}": twin[k] for k in ("modes", "precision", "d_fake", "grad")}
            )
        if "collapse" in seen:
            col = seen["collapse"]
            metrics.update({f"collapse_{k}": col[k] for k in ("modes", "precision", "recall")})
        if ctx.should_record(step) or step >= ctx.total_steps - 1:
            self.snapshots[step] = self._snapshot(seen, metrics)
        modes = int(main["modes"])
        frame = Frame(
            step=step,
            metrics=metrics,
            heatmaps=[
                heatmap(
                    "D(x) = P(real) over the plane", d_map, "x1", "x2", key="d-map", vmin=0, vmax=1
                ),
                heatmap(
                    "where G(z) lands (density)",
                    fake_density,
                    "x1",
                    "x2",
                    key="fake",
                    vmin=0,
                    vmax=1,
                ),
                heatmap(
                    "real data (density)", real_density, "x1", "x2", key="real", vmin=0, vmax=1
                ),
            ],
            histograms=[
                histogram(
                    f"fakes per mode ({modes}/{self.k} covered)",
                    main["per_mode"],
                    [str(i) for i in range(self.k)],
                    key="per-mode",
                )
            ],
        )
        if "collapse" in seen:
            frame.heatmaps.append(
                heatmap(
                    f"no fixes (G lr x{COLLAPSE_LR:g}, β1 0.9): where G(z) lands",
                    self._density(seen["collapse"]["fake"]),
                    "x1",
                    "x2",
                    key="collapse-fake",
                    vmin=0,
                    vmax=1,
                )
            )
            frame.histograms.append(
                histogram(
                    f"no fixes: fakes per mode ({int(seen['collapse']['modes'])}/{self.k})",
                    seen["collapse"]["per_mode"],
                    [str(i) for i in range(self.k)],
                    key="collapse-per-mode",
                )
            )
        return frame

    def _snapshot(self, seen: dict[str, dict], metrics: dict) -> dict[str, Any]:
        """What a GIF frame and the PNG need of one recorded step (a few KB per player)."""
        out: dict[str, Any] = {"metrics": dict(metrics)}
        with torch.no_grad():
            for q in self.players:
                d_map = torch.sigmoid(q.d_net(self.grid)).reshape(GRID, GRID)
                out[q.name] = {
                    "map": d_map.cpu().numpy().copy(),
                    "fake": seen[q.name]["fake"][:600].cpu().numpy().copy(),
                    "per_mode": seen[q.name]["per_mode"].cpu().numpy().copy(),
                    "d_fake": torch.sigmoid(q.d_net(seen[q.name]["fake"][:600]))[:, 0]
                    .cpu()
                    .numpy(),
                }
        return out

    def _density(self, pts: torch.Tensor) -> torch.Tensor:
        """A GRID×GRID histogram of points, top row = largest x2, normalised to max 1."""
        x0, x1, y0, y1 = self.extent
        col = ((pts[:, 0] - x0) / (x1 - x0) * GRID).long()
        row = ((y1 - pts[:, 1]) / (y1 - y0) * GRID).long()
        inside = (col >= 0) & (col < GRID) & (row >= 0) & (row < GRID)
        counts = torch.bincount(row[inside] * GRID + col[inside], minlength=GRID * GRID)
        counts = counts.float().reshape(GRID, GRID)
        return counts / counts.max().clamp_min(1.0)

    def _field(self, d_net: Any) -> dict[str, Any]:
        """∇x log D(x) on a coarse grid: the direction the G step pushes a fake at x."""
        x0, x1, y0, y1 = self.extent
        g = torch.stack(
            torch.meshgrid(torch.linspace(x0, x1, 14), torch.linspace(y0, y1, 14), indexing="xy"),
            dim=-1,
        ).reshape(-1, 2)
        pts = g.to(self.grid.device).clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(F.logsigmoid(d_net(pts)).sum(), pts)
        return {"at": g.numpy(), "grad": grad.detach().cpu().numpy()}

    # -- judgement, caption and figures -----------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        precision, recall = f.get("precision", math.nan), f.get("recall", math.nan)
        modes = f.get("modes", math.nan)
        need = math.ceil(0.75 * self.k)
        ok = precision >= 0.5 and recall >= 0.5 and modes >= need
        start = ctx.history[0] if ctx.history else {}
        detail = (
            f"precision {start.get('precision', math.nan):.2f} -> {precision:.2f}, "
            f"recall {start.get('recall', math.nan):.2f} -> {recall:.2f} (floors 0.5, "
            f"radius {self.radius:.3f}); modes covered {modes:.0f}/{self.k} (needs {need}); "
            f"D(real) {f.get('d_real', math.nan):.2f}, D(fake) {f.get('d_fake', math.nan):.2f}"
        )
        if "collapse_modes" in f:
            lead = max(2, math.ceil(self.k / 2))
            col = f["collapse_modes"]
            ok = ok and modes - col >= lead
            detail += (
                f"; without the fixes (G lr x{COLLAPSE_LR:g}, β1 0.9) the twin collapses to "
                f"{col:.0f}/{self.k} modes (needs {lead} fewer)"
            )
        ratio = self._saturation(ctx)
        if ratio is not None:
            ok = ok and ratio >= SATURATION
            detail += (
                f"; on the tenth of fakes D rejects most, the non-saturating loss pushes "
                f"{ratio:.1f}x harder than the minimax one (median over the record, needs "
                f"{SATURATION:g}x)"
            )
        return Check("learning", bool(ok), detail)

    def _saturation(self, ctx: RunContext) -> float | None:
        """Median over the recorded steps of how much harder −log D pushes than log(1 − D).

        Measured on the tenth of the fakes D rejects most, both losses under the same D.
        """
        pairs = [(h.get("push_nonsat"), h.get("push_minimax")) for h in ctx.history[1:]]
        ratios = sorted(a / b for a, b in pairs if a is not None and b)
        return ratios[len(ratios) // 2] if ratios else None

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, filled from this run's numbers (1–3 sentences)."""
        f, p, k = ctx.final, ctx.params, self.k
        loss_en = {"nonsat": "non-saturating", "minimax": "minimax"}[p["loss"]]
        loss_it = {"nonsat": "non saturante", "minimax": "minimax"}[p["loss"]]
        en = (
            f"D's map σ(D(x)) turns blue on the real data and G's samples follow it: with the "
            f"{loss_en} loss, learning rates {p['lr_g']:g}/{p['lr_d']:g} and Adam β1 = "
            f"{p['beta1']:g} the fakes cover {f['modes']:.0f} of {k} modes (precision "
            f"{f['precision']:.2f}, recall {f['recall']:.2f})."
        )
        it = (
            f"La mappa σ(D(x)) diventa blu sui dati veri e i campioni di G la seguono: con la "
            f"loss {loss_it}, learning rate {p['lr_g']:g}/{p['lr_d']:g} e Adam β1 = "
            f"{p['beta1']:g} i falsi coprono {count(f['modes'], 'modo', 'modi')} su {k} "
            "(precisione "
            f"{f['precision']:.2f}, recall {f['recall']:.2f})."
        )
        ratio = self._saturation(ctx)
        if ratio is not None and "other_modes" in f:
            en += (
                f" On the fakes D rejects most, −log D(G(z)) pushes {ratio:.1f}× harder than the "
                "minimax log(1 − D(G(z))), whose twin still reaches "
                f"{count(f['other_modes'], 'mode', 'modes')}"
                " because Adam rescales its small steps."
            )
            it += (
                f" Sui falsi che D scarta di più, −log D(G(z)) spinge {ratio:.1f} volte più della "
                f"minimax log(1 − D(G(z))), il cui gemello arriva comunque a "
                f"{count(f['other_modes'], 'modo', 'modi')} perché Adam riscala i suoi passi "
                "piccoli."
            )
        if "collapse_modes" in f:
            en += (
                f" Without the fixes (G's rate ×{COLLAPSE_LR:g}, β1 = 0.9) G chases D and "
                f"collapses onto {f['collapse_modes']:.0f} of {k} modes."
            )
            it += (
                f" Senza gli accorgimenti (learning rate di G ×{COLLAPSE_LR:g}, β1 = 0.9) G "
                f"insegue D e collassa su {count(f['collapse_modes'], 'modo', 'modi')} su {k}."
            )
        return Bilingual(en=en, it=decimal_comma(it))

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, p = ctx.history, ctx.params
        real = self.eval_x[:600].cpu().numpy()
        twins = p["contrast"]
        other = "minimax" if p["loss"] == "nonsat" else "nonsat"
        fig = plt.figure(figsize=(21, 16))
        grid = fig.add_gridspec(3, 4, height_ratios=(1, 1.3, 1))
        ax = fig.add_subplot(grid[0, 0])
        plot_history(ax, hist, ["loss_d"], labels=["L_D"], color="C0")
        plot_history(ax, hist, ["loss_g"], styles=["--"], labels=[f"L_G ({p['loss']})"], color="C1")
        ax.axhline(2 * math.log(2), color="grey", ls=":", label="2 ln 2 (L_D at D = 1/2)")
        ax.set(title="losses: a game, not a minimisation", ylabel="loss")
        ax.legend(fontsize=9)
        ax = fig.add_subplot(grid[0, 1])
        plot_history(ax, hist, ["d_real"], labels=["mean D(x), real"], color="k")
        plot_history(ax, hist, ["d_fake"], styles=["--"], labels=["mean D(G(z)), fake"], color="C0")
        plot_history(ax, hist, ["d_rejected"], styles=[":"], color="C0",
                     labels=["mean D on the tenth D rejects most"])  # fmt: skip
        ax.axhline(0.5, color="grey", ls=":", lw=0.8)
        ax.set(title="the discriminator's output", ylim=(0, 1), ylabel="D = P(real)")
        ax.legend(fontsize=9)
        ax = fig.add_subplot(grid[0, 2])
        plot_history(ax, hist, ["modes"], labels=[f"{p['loss']} (this run)"], color="C0", lw=2)
        if twins:
            plot_history(
                ax, hist, ["other_modes"], styles=["--"], labels=[f"{other} twin"], color="C2"
            )
            plot_history(ax, hist, ["collapse_modes"], styles=["-."], color="C3",
                         labels=[f"no fixes: G lr x{COLLAPSE_LR:g}, β1 0.9"])  # fmt: skip
        ax.set(title=f"modes covered (of {self.k})", ylim=(-0.2, self.k + 0.4), ylabel="modes")
        integer_ticks(ax, x=True, y=True)
        ax.legend(fontsize=9, loc="center right")
        ax = fig.add_subplot(grid[0, 3])
        plot_history(
            ax, hist, ["push_nonsat"], labels=["−log D(G(z)) (non-saturating)"], color="C0"
        )
        plot_history(ax, hist, ["push_minimax"], styles=["--"], color="C2",
                     labels=["log(1 − D(G(z))) (minimax)"])  # fmt: skip
        ax.set_yscale("log")
        ax.set(title="push on the fakes D rejects most, same D", ylabel="mean ‖∂ℓ_G/∂x‖")
        ax.legend(fontsize=9)

        last = self.snapshots[max(self.snapshots)]
        names = [("main", f"{p['loss']} (this run)")]
        if twins:
            names += [(other, f"{other} twin"), ("collapse", "no fixes: collapses")]
        for col, (name, label) in enumerate(names):
            ax = fig.add_subplot(grid[1, col])
            im = self._map_panel(ax, last[name], real)
            modes = covered_of(last[name], self.share)
            ax.set_title(f"{label}: σ(D(x)) and G(z), step {max(self.snapshots)}\n"
                         f"{modes} of {self.k} modes covered")  # fmt: skip
            if name == "main":
                field = self._field(self.d_net)
                at, g = field["at"], field["grad"]
                norm = np.linalg.norm(g, axis=1, keepdims=True).clip(min=1e-8)
                ax.quiver(at[:, 0], at[:, 1], *(g / norm).T, color="green", alpha=0.6,
                          label="∇x log D: where G is pushed")  # fmt: skip
                ax.legend(loc="upper right", fontsize=7)
        fig.colorbar(im, ax=ax, fraction=0.046, label="σ(D(x)) = P(real)")
        ax = fig.add_subplot(grid[1, 3] if twins else grid[1, 1])
        width = 0.8 / len(names)
        for j, ((name, label), color) in enumerate(zip(names, ("C0", "C2", "C3"), strict=False)):
            at = np.arange(self.k) + (j - (len(names) - 1) / 2) * width
            ax.bar(at, last[name]["per_mode"], width, label=label, color=color)
        fair = self.share.cpu().numpy() * len(self.fixed_z)
        ax.plot(range(self.k), fair, "k_", markersize=22, mew=2, label="fair share")
        ax.set(title="fakes near each mode (collapse = empty bars)", xlabel="mode", ylabel="fakes")
        integer_ticks(ax, x=True, y=True)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0, -0.12), ncol=2)

        ax = fig.add_subplot(grid[2, 0])
        self._saturation_panel(ax, last["main"])
        ax = fig.add_subplot(grid[2, 1])
        first = min(self.snapshots)
        self._map_panel(ax, self.snapshots[first]["main"], real)
        ax.set_title(f"step {first}: G(z) starts as a blob, D knows nothing yet")
        sub = grid[2, 2:].subgridspec(1, 2, width_ratios=(1.4, 1))
        _schematic(fig.add_subplot(sub[0]))
        ax = fig.add_subplot(sub[1])
        ax.axis("off")
        ax.text(0, 0.95, RECIPE, va="top", fontsize=10, family="monospace")
        title = (
            f"GAN on {p['data']}: {ctx.total_steps} steps, {p['d_steps']} D step(s) per G step, "
            f"lr {p['lr_g']:g}/{p['lr_d']:g}, β1 {p['beta1']:g}, {ctx.device}"
            + ("; twins from the same weights and batches" if twins else "")
        )
        fig.suptitle(title, fontsize=14, y=1.01)
        words = self.caption(ctx)
        paths = [save_figure(out_dir, "gan-2d", fig, caption=f"{words.en}\n{words.it}")]
        paths.append(self._animation(out_dir, names))
        return paths

    def _map_panel(self, ax, snap: dict, real: np.ndarray):
        """σ(D(x)) on a fixed [0, 1] scale, the real points and the fakes."""
        im = ax.imshow(snap["map"], extent=self.extent, cmap="RdBu", vmin=0, vmax=1, alpha=0.8)
        ax.scatter(real[:, 0], real[:, 1], s=3, c="k", alpha=0.4, label="real")
        ax.scatter(snap["fake"][:, 0], snap["fake"][:, 1], s=3, c="orange", label="G(z)")
        ax.set(xlim=self.extent[:2], ylim=self.extent[2:], xlabel="x1", ylabel="x2")
        return im

    def _saturation_panel(self, ax, snap: dict) -> None:
        """g.05: ∂ℓ/∂a = −(1 − D) vs −D as D(G(z)) → 0, with this run's fakes on the curves."""
        d = np.linspace(1e-3, 0.999, 300)
        ax.plot(d, 1 - d, color="C0", label="|∂/∂a| of −log D = 1 − D (non-saturating)")
        ax.plot(d, d, "--", color="C2", label="|∂/∂a| of log(1 − D) = D (minimax)")
        ds = snap["d_fake"]
        ax.scatter(ds, 1 - ds, s=5, color="C0", alpha=0.3)
        ax.scatter(ds, ds, s=5, color="C2", alpha=0.3, label="this run's fakes, last step")
        ax.set(xscale="log", yscale="log", xlim=(1e-3, 1), ylim=(1e-3, 1.5))
        ax.set(xlabel="D(G(z)): how real D finds a fake", ylabel="gradient factor on the logit a")
        ax.set_title("g.05: where D rejects a fake, log(1 − D) saturates")
        ax.legend(fontsize=8, loc="lower right")

    def _animation(self, out_dir: Path, names: list[tuple[str, str]]) -> Path:
        """D's map and G's samples over training, for the run and its twins side by side."""
        steps = thin(self.snapshots, 30)
        real = self.eval_x[:600].cpu().numpy()
        fig, axes = plt.subplots(1, len(names), figsize=(4.6 * len(names), 5), squeeze=False)
        fig.subplots_adjust(left=0.05, right=0.98, top=0.8, bottom=0.1, wspace=0.2)
        first = self.snapshots[steps[0]]
        artists = []
        for ax, (name, _) in zip(axes[0], names, strict=True):
            im = self._map_panel(ax, first[name], real)
            artists.append((im, ax.collections[-1]))
        head = fig.suptitle("")

        def update(i: int) -> None:
            snap = self.snapshots[steps[i]]
            head.set_text(f"σ(D(x)) (blue = real) and G(z) (orange), step {steps[i]}")
            for ax, (name, label), (im, dots) in zip(axes[0], names, artists, strict=True):
                im.set_data(snap[name]["map"])
                dots.set_offsets(snap[name]["fake"])
                ax.set_title(
                    f"{label}\n{covered_of(snap[name], self.share)}/{self.k} modes", fontsize=10
                )

        return animation(out_dir, "gan-2d", fig, update, len(steps), fps=4, dpi=70)


def covered_of(snap: dict, share: torch.Tensor) -> int:
    """Modes covered in a snapshot (its 2000 fakes' per-mode counts)."""
    return covered(torch.from_numpy(snap["per_mode"]), share.cpu(), 2000)


RECIPE = f"""the fixes in this run:
  non-saturating G loss −log D(G(z))
  equal learning rates for G and D
  Adam with β1 = 0.5
  (label smoothing, k D steps:
   parameters smooth, d_steps)
the 'no fixes' twin: G's learning
rate x{COLLAPSE_LR:g}, Adam's default β1 = 0.9"""


def _schematic(ax) -> None:
    """g.06: the two networks and where each loss's gradient goes."""
    diagram(
        ax,
        {
            "z": (0.08, 0.72, "z ~ N(0, I)"),
            "g": (0.32, 0.72, "generator G"),
            "fake": (0.55, 0.72, "G(z)"),
            "real": (0.55, 0.32, "real x"),
            "d": (0.8, 0.52, "discriminator D"),
            "p": (0.8, 0.15, "σ(D(·)) = P(real)"),
        },
        [("z", "g", ""), ("g", "fake", ""), ("fake", "d", ""), ("real", "d", ""), ("d", "p", "")],
        colors={"g": "#fde0c5", "d": "#d6e6f5"},
        fontsize=10,
        title="g.06: D step: real → 1, G(z).detach() → 0;  G step: through D, only G moves",
    )
