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
from typing import TYPE_CHECKING, Any, ClassVar

from demos.framework import Check, Demo, Frame, Param, RunContext, heatmap, histogram, image

if TYPE_CHECKING:
    import torch

SWEEP = (1, 2, 4, 8, 16, 32)
DATA_PARAM = Param("data", "str", "digits", "image source", choices=("digits", "mnist:PATH"))


# --- shared pieces --------------------------------------------------------------------


def build_mlp(size: int, hidden: int, latent: int, heads: int = 1) -> tuple[Any, Any]:
    """Encoder (B,1,S,S) → (B, heads·latent) and a mirrored decoder (B, latent) → (B,1,S,S).

    ``heads=2`` gives the VAE encoder (μ and log σ² side by side).
    """
    from torch import nn

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
    import torch

    if kind == "mse":
        return ((x_hat - x) ** 2).flatten(1).mean(1)
    p = x_hat.clamp(1e-7, 1 - 1e-7)
    return -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).flatten(1).mean(1)


def split(ctx: RunContext, data: Any, n_eval: int | None = None):
    """Shuffle with the run's seed; return (train_x, train_y, eval_x, eval_y) on the device."""
    import torch

    perm = ctx.rng().permutation(len(data.x))
    n_eval = n_eval or min(1000, max(64, len(data.x) // 7))
    x = torch.from_numpy(data.x[perm]).to(ctx.device)  # (N, 1, S, S)
    y = torch.from_numpy(data.y[perm]).to(ctx.device)  # (N,)
    return x[n_eval:], y[n_eval:], x[:n_eval], y[:n_eval]


def small(x: torch.Tensor) -> torch.Tensor:
    """Shrink images wider than 14 px for the terminal (MNIST 28 → 14)."""
    import torch.nn.functional as F

    factor = math.ceil(x.shape[-1] / 14)
    return F.avg_pool2d(x, factor) if factor > 1 else x


def montage(rows: Sequence[torch.Tensor], pad: float = 0.5) -> torch.Tensor:
    """Rows of images, each (n, H, W) with the same n, as one (rows·(H+1)-1, n·(W+1)-1) picture."""
    import torch

    lines = []
    for imgs in rows:
        n, h, w = imgs.shape
        gap = torch.full((n, h, 1), pad, device=imgs.device)
        tiles = torch.cat([imgs, gap], dim=2).permute(1, 0, 2).reshape(h, n * (w + 1))
        lines += [tiles[:, :-1], torch.full((1, n * (w + 1) - 1), pad, device=imgs.device)]
    return torch.cat(lines[:-1], dim=0).clamp(0, 1)


def class_map(
    points: torch.Tensor, labels: torch.Tensor, lo: float, hi: float, bins: int = 12
) -> torch.Tensor:
    """Most common label of the 2-D points in each cell of a bins×bins grid; −1 where empty.

    Row 0 is the top of the plane (largest second coordinate), as in a scatter plot.
    """
    import torch

    cell = ((points - lo) / (hi - lo) * bins).long().clamp(0, bins - 1)  # (N, 2)
    flat = (bins - 1 - cell[:, 1]) * bins + cell[:, 0]  # (N,)
    k = int(labels.max().item()) + 1
    counts = torch.zeros(bins * bins, k, device=points.device)
    counts.index_put_((flat, labels), torch.ones_like(flat, dtype=counts.dtype), accumulate=True)
    best = counts.argmax(1).float()
    best[counts.sum(1) == 0] = -1.0
    return best.view(bins, bins)


def knn_accuracy(
    train_z: torch.Tensor, train_y: torch.Tensor, test_z: torch.Tensor, test_y: torch.Tensor
) -> float:
    """1-nearest-neighbour accuracy in latent space: do codes of the same digit sit together?"""
    import torch

    nearest = torch.cdist(test_z, train_z).argmin(1)  # (M,)
    return (train_y[nearest] == test_y).float().mean().item()


def pca_errors(x: torch.Tensor, sizes: Sequence[int]) -> dict[int, float]:
    """Mean squared error of the best rank-d linear reconstruction (PCA), per size d."""
    import torch

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


def plot_steps(hist: list[dict[str, float]], key: str) -> tuple[list[float], list[float]]:
    pairs = [(h["step"], h[key]) for h in hist if h.get(key) is not None]
    return [p[0] for p in pairs], [p[1] for p in pairs]


# --- the demo --------------------------------------------------------------------------


class Autoencoder(Demo):
    name = "autoencoder"
    title = "Autoencoder: bottleneck, latent space and reconstruction error"
    questions = ("e.01", "e.02", "e.03", "e.04", "e.05", "e.12")
    summary = (
        "Trains an MLP autoencoder on 8x8 digits without labels: reconstructions, the 2-D "
        "latent space coloured by class, the decoder swept over it, and held-out error vs "
        "latent size (1..32) next to PCA."
    )
    params = (
        Param("steps", "int", 2000, "training steps", 10, 100_000),
        Param("batch", "int", 128, "images per step", 8, 4096),
        Param("lr", "float", 3e-3, "Adam learning rate", 1e-5, 1.0),
        Param("latent", "int", 2, "latent size d of the main autoencoder", 1, 256),
        Param("hidden", "int", 128, "width of the first hidden layer", 4, 2048),
        Param("loss", "str", "mse", "reconstruction loss", choices=("mse", "bce")),
        Param("sweep", "bool", True, "also train autoencoders with d = 1, 2, 4, 8, 16, 32"),
        DATA_PARAM,
    )
    quick: ClassVar[dict[str, Any]] = {"steps": 400, "hidden": 64}
    plots: ClassVar[dict[str, tuple[str, ...]]] = {
        "held-out error / variance": ("nmse",),
        "error vs latent size": tuple(f"nmse_d{d}" for d in SWEEP),
        "latent 1-NN digit accuracy": ("knn",),
        "training loss": ("loss",),
    }

    def setup(self, ctx: RunContext) -> None:
        import torch

        from demos.data import load_images

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
        import torch

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
        import torch

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
            if ctx.due(step):
                yield self._frame(ctx, step, loss.item())

    def _frame(self, ctx: RunContext, step: int, loss: float) -> Frame:
        import torch

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
            pair = montage([small(self.eval_x[:n_show])[:, 0], small(x_hat[:n_show])[:, 0]])
        metrics = {"loss": loss, "nmse": nmse, "knn": knn}
        metrics.update({f"nmse_d{d}": v for d, v in sweep.items()})
        frame = Frame(
            step=step,
            metrics=metrics,
            images=[image("held-out inputs (top) / reconstructions (bottom)", pair)],
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
                frame.images.append(image("decoder over the latent plane", grid))
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
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        hist = ctx.history
        fig, axes = plt.subplots(2, 3, figsize=(14, 8.5))
        ax = axes[0, 0]
        ax.plot(*plot_steps(hist, "nmse"), label=f"held-out, d={ctx.params['latent']}")
        for d in self.last["sweep"]:
            ax.plot(*plot_steps(hist, f"nmse_d{d}"), lw=0.8, label=f"d={d}")
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
        ax.plot(*plot_steps(hist, "knn"))
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
        fig.suptitle(
            f"Autoencoder on {ctx.params['data']} ({ctx.total_steps} steps, "
            f"{ctx.params['loss']} loss, {ctx.device})"
        )
        fig.tight_layout()
        path = out_dir / "autoencoder.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return [path]


def _pca2(z: torch.Tensor) -> torch.Tensor:
    """Project codes onto their two main directions (for a latent size above 2)."""
    import torch

    centred = z - z.mean(0)
    _, _, v = torch.linalg.svd(centred, full_matrices=False)
    return centred @ v[:2].t()  # (M, 2)


def decode_plane(decoder: Any, lo: float, hi: float, n: int) -> torch.Tensor:
    """Decode an n×n grid of 2-D codes; top row = largest z2, as in the scatter plot."""
    import torch

    dev = next(decoder.parameters()).device
    ticks = torch.linspace(lo, hi, n, device=dev)
    z2, z1 = torch.meshgrid(ticks.flip(0), ticks, indexing="ij")
    with torch.no_grad():
        imgs = small(decoder(torch.stack([z1.flatten(), z2.flatten()], 1)))[:, 0]  # (n², H, W)
    return montage([imgs[r * n : (r + 1) * n] for r in range(n)])


def loss_check(loss_fn: Any, x_hat: torch.Tensor, x: torch.Tensor) -> tuple[bool, str]:
    """The hand-written per-image losses vs nn.MSELoss / nn.BCELoss (and F.mse_loss's mean)."""
    import torch
    import torch.nn.functional as F

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
    import torch

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
