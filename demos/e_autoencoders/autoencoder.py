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

The helpers at the top (the MLP pair, the loss, montages) are shared with the
``denoising-ae``, ``vae`` and ``faceswap`` demos.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from demos.e_autoencoders import SWEEP
from demos.lib.autoencoders import build_mlp, class_map, decode_plane, recon_error, split
from demos.lib.images import montage, small
from demos.platform import Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.data import load_images
from demos.platform.figures import plot_history, save_figure, subplots

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


class Autoencoder(Demo):
    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        data = load_images(p["data"])
        self.size = data.size
        self.train_x, self.train_y, self.eval_x, self.eval_y = split(ctx, data)
        self.var = self.eval_x.var().item()
        enc, dec = build_mlp(self.size, p["hidden"], p["latent"])
        self.encoder, self.decoder = enc.to(ctx.device), dec.to(ctx.device)
        self.sweep: dict[int, tuple[Any, Any]] = {}
        if p["sweep"]:
            for d in SWEEP:
                e, g = build_mlp(self.size, p["hidden"], d)
                self.sweep[d] = (e.to(ctx.device), g.to(ctx.device))
        with torch.no_grad():
            self.pca = pca_errors(self.train_x, SWEEP)

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
        nets = [self.encoder, self.decoder] + [m for pair in self.sweep.values() for m in pair]
        # one optimizer: the models share no parameter, so the summed loss trains each alone
        opt = torch.optim.Adam([w for m in nets for w in m.parameters()], lr=p["lr"])
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n = len(self.train_x)
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (p["batch"],), device=ctx.device, generator=gen)
            x = self.train_x[idx]  # (B, 1, S, S)
            loss = recon_error(self.decoder(self.encoder(x)), x, p["loss"]).mean()
            total = loss
            for e, g in self.sweep.values():
                total = total + recon_error(g(e(x)), x, p["loss"]).mean()
            opt.zero_grad(set_to_none=True)
            total.backward()
            opt.step()
            if ctx.wants(step):
                yield self._frame(ctx, step, loss.item())

    def _frame(self, ctx: RunContext, step: int, loss: float) -> Frame:
        p = ctx.params
        with torch.no_grad():
            z = self.encoder(self.eval_x)  # (M, d)
            x_hat = self.decoder(z)
            nmse = recon_error(x_hat, self.eval_x).mean().item() / self.var
            train_z = self.encoder(self.train_x[:1000])
            knn = knn_accuracy(train_z, self.train_y[:1000], z, self.eval_y)
            sweep = {
                d: recon_error(g(e(self.eval_x)), self.eval_x).mean().item() / self.var
                for d, (e, g) in self.sweep.items()
            }
            n_show = 8 if self.size <= 8 else 6
            pair = montage(torch.cat([small(self.eval_x[:n_show]), small(x_hat[:n_show])]), n_show)
        metrics = {"loss": loss, "nmse": nmse, "knn": knn}
        metrics.update({f"nmse_d{d}": v for d, v in sweep.items()})
        frame = Frame(
            step=step,
            metrics=metrics,
            pictures=[picture("held-out inputs (top) / reconstructions (bottom)", pair)],
        )
        self.last: dict[str, Any] = {"pair": pair.cpu(), "sweep": sweep}
        if sweep:
            pca = [self.pca[d] / self.var for d in sweep]
            frame.histograms.append(
                histogram(
                    "held-out error / variance vs latent size",
                    list(sweep.values()),
                    [f"d={d}" for d in sweep],
                )
            )
            frame.histograms.append(
                histogram("PCA (best linear code) error / variance", pca, [f"d={d}" for d in sweep])
            )
        if p["latent"] >= 2:
            plane = z[:, :2] if p["latent"] == 2 else _pca2(z)
            lim = float(plane.abs().max().clamp_min(1e-3)) * 1.05
            cmap = class_map(plane, self.eval_y, -lim, lim)
            frame.heatmaps.append(
                heatmap("latent plane: most common digit per cell (-1 empty)", cmap, "z1", "z2")
            )
            self.last.update(plane=plane.cpu(), lim=lim)
            if p["latent"] == 2:
                grid = decode_plane(self.decoder, -lim, lim, 6 if self.size <= 8 else 5)
                frame.pictures.append(picture("decoder over the latent plane", grid))
                self.last["grid"] = grid.cpu()
        return frame

    # -- judgement and figures -----------------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        start = ctx.history[0]["nmse"] if ctx.history else math.nan
        end, knn = ctx.final.get("nmse", math.nan), ctx.final.get("knn", math.nan)
        ok = end <= 0.6 * start and knn >= 0.5
        detail = (
            f"held-out error/variance {start:.3f} -> {end:.3f} (needs <= 0.6 x start); "
            f"latent 1-NN digit accuracy {knn:.2f} (floor 0.5, chance 0.1)"
        )
        sweep = {d: ctx.final.get(f"nmse_d{d}") for d in SWEEP if f"nmse_d{d}" in ctx.final}
        if sweep:
            small_d, large_d = sweep[SWEEP[0]], sweep[SWEEP[-1]]
            ok = ok and large_d <= 0.6 * small_d
            detail += (
                f"; d={SWEEP[0]}: {small_d:.3f} vs d={SWEEP[-1]}: {large_d:.3f} "
                "(a wider bottleneck must reconstruct better, <= 0.6x)"
            )
        return Check("learning", bool(ok), detail)

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist = ctx.history
        fig, axes = subplots(2, 3, (14, 8.5))
        ax = axes[0, 0]
        plot_history(ax, hist, ["nmse"], labels=[f"held-out, d={ctx.params['latent']}"])
        for d in self.last["sweep"]:
            plot_history(ax, hist, [f"nmse_d{d}"], labels=[f"d={d}"], lw=0.8)
        ax.set_yscale("log")
        ax.set(title="reconstruction error / pixel variance", xlabel="step")
        ax.legend(fontsize=7)
        ax = axes[0, 1]
        if self.last["sweep"]:
            sizes = list(self.last["sweep"])
            ax.plot(sizes, list(self.last["sweep"].values()), "o-", label="autoencoder")
            ax.plot(sizes, [self.pca[d] / self.var for d in sizes], "s--", label="PCA (linear)")
            ax.set_xscale("log", base=2)
            ax.legend()
        ax.set(title="held-out error vs latent size d", xlabel="d", ylabel="error / variance")
        ax = axes[0, 2]
        plot_history(ax, hist, ["knn"])
        ax.axhline(0.1, color="grey", ls=":", label="chance")
        ax.set(title="1-NN digit accuracy of the codes", xlabel="step", ylim=(0, 1))
        ax.legend()
        ax = axes[1, 0]
        if "plane" in self.last:
            plane, labels = self.last["plane"].numpy(), self.eval_y.cpu().numpy()
            sc = ax.scatter(plane[:, 0], plane[:, 1], c=labels, cmap="tab10", s=8)
            fig.colorbar(sc, ax=ax, ticks=range(10))
            how = "z" if ctx.params["latent"] == 2 else "top-2 PCA of z"
            ax.set(title=f"held-out codes ({how}), coloured by digit", xlabel="1", ylabel="2")
        else:
            ax.axis("off")
        axes[1, 1].imshow(self.last["pair"].numpy(), cmap="gray", vmin=0, vmax=1)
        axes[1, 1].set_title("inputs / reconstructions")
        if "grid" in self.last:
            axes[1, 2].imshow(self.last["grid"].numpy(), cmap="gray", vmin=0, vmax=1)
            axes[1, 2].set_title("decoder over the latent plane")
        for a in (axes[1, 1], axes[1, 2]):
            a.axis("off")
        title = (
            f"Autoencoder on {ctx.params['data']} ({ctx.total_steps} steps, "
            f"{ctx.params['loss']} loss, {ctx.device})"
        )
        return [save_figure(out_dir, "autoencoder", fig, title=title, dpi=100)]


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
