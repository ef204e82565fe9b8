"""Autoencoder on handwritten digits: bottleneck, latent space, reconstruction error.

Questions e.01–e.05 and e.12. An encoder ``f`` squeezes each image (64 pixels for the
8×8 digits) into a code ``z = f(x)`` of ``latent`` numbers; a mirrored decoder ``g``
rebuilds ``x̂ = g(z)`` and both are trained on the reconstruction error alone — the
target is the input itself, no labels are used. Because ``latent`` is much smaller than
the input, the network cannot copy: it must keep what the digits have in common.

Live: inputs next to reconstructions; with a 2-D code, the latent plane (the most common
digit in each cell — the labels are used only to colour it) and the decoder swept over
that plane; the held-out error of a row of autoencoders with latent sizes 1…32 trained on
the same batches (the compression/quality trade-off), next to PCA, the best *linear*
code of each size; and how well the held-out codes separate the classes (1-nearest
neighbour in latent space).

The contrast is PCA, fitted on the same training images: through a narrow bottleneck
(d = 2) the non-linear autoencoder reconstructs far better than the best linear code of
the same size and groups the digits more cleanly; with a wide one (d ≥ 16) the linear
code already loses little. The GIF shows the held-out codes sorting themselves by digit.

The helpers at the top (the MLP pair, the loss, montages) are shared with the
``denoising-ae``, ``vae`` and ``faceswap`` demos.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from demos.e_autoencoders import SWEEP
from demos.lib.autoencoders import build_mlp, class_map, decode_plane, recon_error, split
from demos.lib.images import decimal_comma, diagram, label_montage, montage, small, thin
from demos.platform import (
    Bilingual,
    Check,
    Demo,
    Frame,
    RunContext,
    heatmap,
    histogram,
    picture,
)
from demos.platform.data import load_images
from demos.platform.figures import animation, plot_history, plt, save_figure

# --- shared pieces --------------------------------------------------------------------


def knn_accuracy(
    train_z: torch.Tensor, train_y: torch.Tensor, test_z: torch.Tensor, test_y: torch.Tensor
) -> float:
    """1-nearest-neighbour accuracy in latent space: do codes of the same digit sit together?"""
    nearest = torch.cdist(test_z, train_z).argmin(1)  # (M,)
    return (train_y[nearest] == test_y).float().mean().item()


def pca_errors(x: torch.Tensor, sizes: Sequence[int]) -> dict[int, float]:
    """Mean squared error of the best rank-d linear reconstruction (PCA), per size d."""
    flat = x.flatten(1).cpu().double()  # on the CPU: MPS has no float64
    centred = flat - flat.mean(0)
    s = torch.linalg.svdvals(centred)  # energy left out = sum of the dropped s²
    total = centred.numel()
    return {d: (s[d:] ** 2).sum().item() / total for d in sizes}


def round_trip(encoder: Any, decoder: Any, x: torch.Tensor, latent: int) -> tuple[bool, str]:
    """Encoder gives (B, latent); decoder returns the input's shape, values in [0, 1]."""
    z = encoder(x)
    x_hat = decoder(z)
    ok = (
        tuple(z.shape) == (x.shape[0], latent)
        and x_hat.shape == x.shape
        and bool(((x_hat >= 0) & (x_hat <= 1)).all())
    )
    detail = f"x {tuple(x.shape)} -> z {tuple(z.shape)} -> x̂ {tuple(x_hat.shape)}"
    return ok, detail


# --- the demo --------------------------------------------------------------------------


class PCA:
    """The best *linear* code of each size, fitted on the training images (float64, on the CPU).

    ``encode`` keeps the top-d principal coordinates, ``decode`` maps them back; on
    held-out images this is the linear autoencoder the MLP is compared with.
    """

    def __init__(self, x: torch.Tensor):
        flat = x.flatten(1).cpu().double()  # MPS has no float64
        self.mean = flat.mean(0)
        _, _, v = torch.linalg.svd(flat - self.mean, full_matrices=False)
        self.v = v  # (P, P): rows are the principal directions
        self.shape = x.shape[1:]

    def encode(self, x: torch.Tensor, d: int) -> torch.Tensor:
        return (x.flatten(1).cpu().double() - self.mean) @ self.v[:d].t()  # (N, d)

    def decode(self, z: torch.Tensor, d: int) -> torch.Tensor:
        flat = self.mean + z @ self.v[:d]
        return flat.view(-1, *self.shape).float()  # (N, 1, S, S)

    def error(self, x: torch.Tensor, d: int) -> float:
        """Mean squared error of the rank-d reconstruction of ``x``."""
        x_hat = self.decode(self.encode(x, d), d)
        return ((x_hat - x.cpu()) ** 2).mean().item()


class Autoencoder(Demo):
    def setup(self, ctx: RunContext) -> None:
        p = self.params = ctx.params
        data = load_images(p["data"])
        self.size = data.size
        self.train_x, self.train_y, self.eval_x, self.eval_y = split(ctx, data)
        self.var = self.eval_x.var().item()
        self.sweep: dict[int, tuple[Any, Any]] = {}
        sizes = SWEEP if p["sweep"] else ()
        for d in sorted({*sizes, p["latent"]}):
            e, g = build_mlp(self.size, p["hidden"], d)
            self.sweep[d] = (e.to(ctx.device), g.to(ctx.device))
        self.encoder, self.decoder = self.sweep[p["latent"]]  # the main model is one of them
        self.sizes = [d for d in self.sweep if d in sizes]
        # the montage's rows: the narrowest, the main, a middle and the widest bottleneck
        wanted = {min(self.sweep), p["latent"], 8, max(self.sweep)}
        self._rows = [d for d in self.sweep if d in wanted]
        with torch.no_grad():
            self.pca = PCA(self.train_x)
            sizes_all = sorted({*self.sizes, p["latent"]})
            self.pca_err = {d: self.pca.error(self.eval_x, d) / self.var for d in sizes_all}
            latent = p["latent"]
            self.pca_codes = self.pca.encode(self.eval_x, max(2, min(latent, 64)))[:, :2].float()
            train_codes = self.pca.encode(self.train_x[:1000], latent).float()
            self.pca_knn = knn_accuracy(
                train_codes, self.train_y[:1000].cpu(),
                self.pca.encode(self.eval_x, latent).float(), self.eval_y.cpu(),
            )  # fmt: skip
        self.snapshots: dict[int, dict[str, Any]] = {}

    # -- checks ---------------------------------------------------------------------

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        p = ctx.params
        x = self.train_x[:64]
        with torch.no_grad():
            ok, detail = round_trip(self.encoder, self.decoder, x, p["latent"])
            other = 28 if self.size != 28 else 8
            e, g = build_mlp(other, 8, 3)
            ok2, detail2 = round_trip(
                e.to(ctx.device), g.to(ctx.device), x.new_zeros(2, 1, other, other), 3
            )
        yield Check("shape-round-trip", ok and ok2, f"{detail}; {other}x{other}: {detail2}")

        with torch.no_grad():
            ok, detail = loss_check(recon_error, self.decoder(self.encoder(x)), x)
        yield Check("loss-equals-torch", ok, detail)

        ok, detail = loss_falls(self.encoder, self.decoder, x, p["loss"])
        yield Check("loss-falls", ok, detail)

    # -- training -------------------------------------------------------------------

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        nets = [m for pair in self.sweep.values() for m in pair]
        # one optimizer: the models share no parameter, so the summed loss trains each alone
        opt = torch.optim.Adam([w for m in nets for w in m.parameters()], lr=p["lr"])
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n = len(self.train_x)
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (p["batch"],), device=ctx.device, generator=gen)
            x = self.train_x[idx]  # (B, 1, S, S): the same batch for every model
            losses = {
                d: recon_error(g(e(x)), x, p["loss"]).mean() for d, (e, g) in self.sweep.items()
            }
            opt.zero_grad(set_to_none=True)
            sum(losses.values()).backward()
            opt.step()
            if ctx.wants(step):
                yield self._frame(ctx, step, losses[p["latent"]].item())
        return self.caption(ctx)

    def _frame(self, ctx: RunContext, step: int, loss: float) -> Frame:
        p = ctx.params
        d = p["latent"]
        with torch.no_grad():
            z = self.encoder(self.eval_x)  # (M, d)
            x_hat = self.decoder(z)
            nmse = recon_error(x_hat, self.eval_x).mean().item() / self.var
            train_z = self.encoder(self.train_x[:1000])
            knn = knn_accuracy(train_z, self.train_y[:1000], z, self.eval_y)
            sweep = {
                k: recon_error(g(e(self.eval_x)), self.eval_x).mean().item() / self.var
                for k, (e, g) in self.sweep.items()
                if k in self.sizes
            }
            n_show = 10 if self.size <= 8 else 6
            shown = self.eval_x[:n_show]
            pca_hat = self.pca.decode(self.pca.encode(shown, d), d).clamp(0, 1).to(x_hat.device)
            rows = [shown] + [g(e(shown)) for k, (e, g) in self.sweep.items() if k in self._rows]
            pair = montage(torch.cat([small(r) for r in [*rows, pca_hat]]), n_show)
        metrics = {
            "loss": loss,
            "nmse": nmse,
            "pca_nmse": self.pca_err[d],
            "knn": knn,
            "pca_knn": self.pca_knn,
        }
        metrics.update({f"nmse_d{k}": v for k, v in sweep.items()})
        frame = Frame(
            step=step,
            metrics=metrics,
            pictures=[
                picture(
                    "rows: held-out inputs / autoencoders with d = "
                    + ", ".join(str(k) for k in self._rows)
                    + f" / PCA with d = {d}",
                    pair,
                    key="recon",
                )
            ],
        )
        self.last: dict[str, Any] = {"pair": pair.cpu(), "sweep": sweep}
        if sweep:
            frame.histograms.append(
                histogram(
                    "held-out error / variance vs latent size",
                    list(sweep.values()),
                    [f"d={k}" for k in sweep],
                    key="sweep",
                )
            )
            frame.histograms.append(
                histogram(
                    "PCA (best linear code) error / variance",
                    [self.pca_err[k] for k in sweep],
                    [f"d={k}" for k in sweep],
                    key="pca",
                )
            )
        if d >= 2:
            plane = z[:, :2] if d == 2 else _pca2(z)
            lim = float(plane.abs().max().clamp_min(1e-3)) * 1.05
            cmap = class_map(plane, self.eval_y, -lim, lim)
            frame.heatmaps.append(
                heatmap(
                    "latent plane: most common digit per cell (-1 empty)",
                    cmap,
                    "z1",
                    "z2",
                    key="plane",
                    vmin=-1,
                    vmax=9,
                )
            )
            self.last.update(plane=plane.cpu())
            if ctx.should_record(step):
                self.snapshots[step] = {
                    "plane": plane[:400].cpu().numpy().copy(),
                    "pair": pair.cpu(),
                    "metrics": dict(metrics),
                }
            if d == 2:  # the decoder over the box the held-out codes occupy
                lo, hi = plane.min(0).values.tolist(), plane.max(0).values.tolist()
                n = 6 if self.size <= 8 else 5
                grid = decode_plane(self.decoder, lo[0], hi[0], n, y_lo=lo[1], y_hi=hi[1])
                frame.pictures.append(picture("decoder over the latent plane", grid, key="grid"))
                self.last.update(grid=grid.cpu(), box=(lo, hi))
        return frame

    # -- judgement, caption and figures --------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        start = ctx.history[0]["nmse"] if ctx.history else math.nan
        f, d = ctx.final, ctx.params["latent"]
        end, knn = f.get("nmse", math.nan), f.get("knn", math.nan)
        ok = end <= 0.6 * start and knn >= 0.5
        detail = (
            f"held-out error/variance {start:.3f} -> {end:.3f} (needs <= 0.6 x start); "
            f"latent 1-NN digit accuracy {knn:.2f} (floor 0.5, chance 0.1)"
        )
        pca = f.get("pca_nmse", math.nan)
        if d <= 4:  # a narrow bottleneck: where a non-linear code must beat the linear one
            ok = ok and end <= 0.9 * pca
            detail += f"; PCA with d = {d}: {pca:.3f} (the autoencoder needs <= 0.9 x that)"
        else:
            detail += f"; PCA with d = {d}: {pca:.3f} (not judged above d = 4)"
        sweep = {k: f.get(f"nmse_d{k}") for k in SWEEP if f"nmse_d{k}" in f}
        if sweep:
            small_d, large_d = sweep[SWEEP[0]], sweep[SWEEP[-1]]
            ok = ok and large_d <= 0.6 * small_d
            detail += (
                f"; d={SWEEP[0]}: {small_d:.3f} vs d={SWEEP[-1]}: {large_d:.3f} "
                "(a wider bottleneck must reconstruct better, <= 0.6x)"
            )
        return Check("learning", bool(ok), detail)

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, filled from this run's numbers."""
        f, d = ctx.final, ctx.params["latent"]
        ratio = f["pca_nmse"] / max(f["nmse"], 1e-9)
        en = (
            f"Squeezed through d = {d} numbers, the autoencoder rebuilds held-out digits with "
            f"error {f['nmse']:.2f} of the variance, {ratio:.1f}x less than PCA, the best linear "
            f"code of the same size ({f['pca_nmse']:.2f}); its codes place digits of a kind "
            f"together (1-NN accuracy {f['knn']:.2f} vs {f['pca_knn']:.2f}, chance 0.10)."
        )
        it = (
            f"Compresso in d = {d} numeri, l'autoencoder ricostruisce le cifre di test con "
            f"errore pari a {f['nmse']:.2f} della varianza, {ratio:.1f} volte meno della PCA, il "
            f"miglior codice lineare della stessa dimensione ({f['pca_nmse']:.2f}); i suoi codici "
            f"raggruppano le cifre dello stesso tipo (accuratezza 1-NN {f['knn']:.2f} contro "
            f"{f['pca_knn']:.2f}, caso 0.10)."
        )
        ahead = [k for k in self.sizes if f[f"nmse_d{k}"] > self.pca_err[k]]
        if ahead:
            en += (
                f" From d = {ahead[0]} on PCA is ahead: with room for most directions a linear "
                f"code loses little, and {ctx.total_steps} steps leave the wide autoencoders "
                "short of their best."
            )
            it += (
                f" Da d = {ahead[0]} in poi la PCA è davanti: con spazio per quasi tutte le "
                f"direzioni un codice lineare perde poco, e {ctx.total_steps} passi lasciano gli "
                "autoencoder larghi lontani dal loro meglio."
            )
        return Bilingual(en=en, it=decimal_comma(it))

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, p, last = ctx.history, ctx.params, self.last
        d = p["latent"]
        fig = plt.figure(figsize=(19, 15.5))
        grid = fig.add_gridspec(3, 3, height_ratios=(1, 1.25, 1.05))
        ax = fig.add_subplot(grid[0, 0])
        for k in self.sizes:
            if k != d:
                plot_history(ax, hist, [f"nmse_d{k}"], labels=[f"AE d = {k}"], lw=0.8, alpha=0.7)
        plot_history(ax, hist, ["nmse"], labels=[f"AE d = {d} (the main one)"], color="k", lw=2)
        plot_history(ax, hist, ["pca_nmse"], styles=["--"], labels=[f"PCA d = {d}"], color="C3")
        ax.set_yscale("log")
        ax.set(title="held-out reconstruction error / pixel variance", ylabel="error / variance")
        ax.legend(fontsize=8, ncol=2)
        ax = fig.add_subplot(grid[0, 1])
        if self.sizes:
            ax.plot(
                self.sizes, [last["sweep"][k] for k in self.sizes], "o-", label="autoencoder (MLP)"
            )
            ax.plot(
                self.sizes,
                [self.pca_err[k] for k in self.sizes],
                "s--",
                color="C3",
                label="PCA (linear)",
            )
            ax.set_xscale("log", base=2)
            ax.set_xticks(self.sizes, [str(k) for k in self.sizes])
            ax.legend()
        ax.set(title="held-out error vs latent size d (the bottleneck)", xlabel="latent size d",
               ylabel="error / variance", ylim=(0, None))  # fmt: skip
        ax = fig.add_subplot(grid[0, 2])
        plot_history(ax, hist, ["knn"], labels=[f"autoencoder codes (d = {d})"], color="k")
        plot_history(
            ax, hist, ["pca_knn"], styles=["--"], labels=[f"PCA codes (d = {d})"], color="C3"
        )
        ax.axhline(0.1, color="grey", ls=":", label="chance 0.1")
        ax.set(
            title="1-nearest-neighbour digit accuracy in code space", ylim=(0, 1), ylabel="accuracy"
        )
        ax.legend(fontsize=8)

        labels = self.eval_y.cpu().numpy()
        if "plane" in last:
            ax = fig.add_subplot(grid[1, 0])
            how = "z" if d == 2 else "top-2 PCA of z"
            _digits_scatter(ax, last["plane"].numpy(), labels)
            ax.set(title=f"autoencoder: held-out codes ({how}) by digit", xlabel="z1", ylabel="z2")
            ax = fig.add_subplot(grid[1, 1])
            _digits_scatter(ax, self.pca_codes.numpy(), labels, legend=True)
            ax.set(
                title="PCA: the same digits on the top-2 principal axes",
                xlabel="pc 1",
                ylabel="pc 2",
            )
        if "grid" in last:
            ax = fig.add_subplot(grid[1, 2])
            ax.imshow(last["grid"].numpy(), cmap="gray", vmin=0, vmax=1)
            n = 6 if self.size <= 8 else 5
            (x0, y0), (x1, y1) = last["box"]  # the lower-left and upper-right corners
            xs = [f"{v:.1f}" for v in torch.linspace(x0, x1, n).tolist()]
            ys = [f"{v:.1f}" for v in torch.linspace(y0, y1, n).tolist()]
            label_montage(ax, min(self.size, 14), ys[::-1], xs)
            ax.set(title="the decoder swept over the codes' box", xlabel="z1", ylabel="z2")
        row = grid[2, :].subgridspec(1, 2, width_ratios=(2, 1))
        ax = fig.add_subplot(row[0])
        ax.imshow(last["pair"].numpy(), cmap="gray", vmin=0, vmax=1)
        names = ["input"] + [f"AE, d = {k}" + (" (main)" if k == d else "") for k in self._rows]
        label_montage(ax, min(self.size, 14), [*names, f"PCA, d = {d}"], fontsize=11)
        ax.set_title("held-out digits rebuilt through bottlenecks of d numbers (the trade-off)")
        _schematic(fig.add_subplot(row[1]), self.size * self.size, d, p["hidden"])
        title = (
            f"Autoencoder on {p['data']}: d = {d}, {ctx.total_steps} steps, {p['loss']} loss, "
            f"{ctx.device}; PCA = the best linear code of each size, fitted on the training set"
        )
        fig.suptitle(title, fontsize=14, y=1.01)
        words = self.caption(ctx)
        paths = [save_figure(out_dir, "autoencoder", fig, caption=f"{words.en}\n{words.it}")]
        if len(self.snapshots) >= 2:
            paths.append(self._animation(out_dir))
        return paths

    def _animation(self, out_dir: Path) -> Path:
        """The held-out codes organising themselves by digit, and the reconstructions."""
        steps = thin(self.snapshots, 30)
        every = np.concatenate([self.snapshots[s]["plane"] for s in steps])
        lo, hi = np.percentile(every, 0.5, axis=0), np.percentile(every, 99.5, axis=0)
        pad = 0.08 * (hi - lo)
        fig, axes = plt.subplots(2, 1, figsize=(6, 8.4), gridspec_kw={"height_ratios": (2.2, 1)})
        fig.subplots_adjust(left=0.12, right=0.97, top=0.9, bottom=0.03, hspace=0.28)
        labels = self.eval_y[:400].cpu().numpy()
        first = self.snapshots[steps[0]]
        dots = _digits_scatter(axes[0], first["plane"], labels[: len(first["plane"])], legend=True)
        axes[0].set(xlim=(lo[0] - pad[0], hi[0] + pad[0]), ylim=(lo[1] - pad[1], hi[1] + pad[1]))
        axes[0].set(xlabel="z1", ylabel="z2")
        tiles = axes[1].imshow(first["pair"].numpy(), cmap="gray", vmin=0, vmax=1)
        names = ["input"] + [f"d = {k}" for k in self._rows] + [f"PCA {self.params['latent']}"]
        label_montage(axes[1], min(self.size, 14), names, fontsize=8)
        head = fig.suptitle("")

        def update(i: int) -> None:
            snap = self.snapshots[steps[i]]
            dots.set_offsets(snap["plane"])
            tiles.set_data(snap["pair"].numpy())
            m = snap["metrics"]
            head.set_text(f"autoencoder codes of held-out digits, step {steps[i]}")
            axes[0].set_title(f"1-NN digit accuracy {m['knn']:.2f}", fontsize=10)
            axes[1].set_title(
                f"error / variance: AE {m['nmse']:.2f}, PCA {m['pca_nmse']:.2f}", fontsize=10
            )

        return animation(out_dir, "autoencoder", fig, update, len(steps), fps=4, dpi=70)


def _digits_scatter(ax, points: np.ndarray, labels: np.ndarray, legend: bool = False):
    """Codes coloured by digit on one fixed 10-colour scale (the labels only colour them)."""
    sc = ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", vmin=-0.5, vmax=9.5, s=9)
    if legend:
        handles = [
            plt.Line2D([], [], marker="o", ls="", color=plt.get_cmap("tab10")(k), label=str(k))
            for k in range(10)
        ]
        ax.legend(handles=handles, title="digit", fontsize=7, ncol=2, loc="best")
    return sc


def _schematic(ax, pixels: int, d: int, hidden: int) -> None:
    """e.01–e.02: the encoder squeezes, the decoder rebuilds, the input is the target."""
    diagram(
        ax,
        {
            "x": (0.08, 0.7, f"x\n{pixels} px"),
            "enc": (0.3, 0.7, f"encoder\n{pixels}→{hidden}→{hidden // 2}→{d}"),
            "z": (0.52, 0.7, f"z\n{d} numbers"),
            "dec": (0.74, 0.7, f"decoder\n{d}→{hidden // 2}→{hidden}→{pixels}"),
            "xh": (0.93, 0.7, "x̂"),
        },
        [("x", "enc", ""), ("enc", "z", ""), ("z", "dec", ""), ("dec", "xh", "")],
        colors={"z": "#fde0c5"},
        fontsize=10,
        title="e.01–e.02: an undercomplete autoencoder",
    )
    ax.text(
        0.5,
        0.22,
        "loss = ‖x − x̂‖², the input is its own target (no labels)\n"
        f"d = {d} < {pixels}: it cannot copy, it must compress",
        ha="center",
        va="center",
        fontsize=10,
        family="monospace",
    )


def _pca2(z: torch.Tensor) -> torch.Tensor:
    """Project codes onto their two main directions (for a latent size above 2)."""
    centred = z - z.mean(0)
    _, _, v = torch.linalg.svd(centred, full_matrices=False)
    return centred @ v[:2].t()  # (M, 2)


def loss_check(loss_fn: Any, x_hat: torch.Tensor, x: torch.Tensor) -> tuple[bool, str]:
    """The hand-written per-image losses vs nn.MSELoss / nn.BCELoss (and F.mse_loss's mean)."""
    ours = {k: loss_fn(x_hat, x, k) for k in ("mse", "bce")}
    ref = {
        "mse": torch.nn.MSELoss(reduction="none")(x_hat, x).flatten(1).mean(1),
        "bce": torch.nn.BCELoss(reduction="none")(x_hat, x).flatten(1).mean(1),
    }
    diffs = {k: (ours[k] - ref[k]).abs().max().item() for k in ours}
    mean_diff = abs(ours["mse"].mean().item() - F.mse_loss(x_hat, x).item())
    ok = max(diffs.values()) <= 1e-5 and mean_diff <= 1e-6
    return ok, (
        f"hand-written per-image error vs nn.MSELoss: {diffs['mse']:.1e}, vs nn.BCELoss: "
        f"{diffs['bce']:.1e}; batch mean vs F.mse_loss: {mean_diff:.1e}"
    )


def loss_falls(encoder: Any, decoder: Any, x: torch.Tensor, kind: str) -> tuple[bool, str]:
    """Ten Adam steps on one fixed batch, on copies of the nets, must lower that batch's loss."""
    enc, dec = copy.deepcopy(encoder), copy.deepcopy(decoder)
    opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=1e-3)
    losses = []
    for _ in range(11):
        loss = recon_error(dec(enc(x)), x, kind).mean()
        losses.append(loss.item())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    ok = losses[-1] < losses[0] and math.isfinite(losses[-1])
    return ok, f"{kind} loss on a fixed batch: {losses[0]:.4f} -> {losses[-1]:.4f} in 10 Adam steps"
