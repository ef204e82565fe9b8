"""Latent diffusion on handwritten digits: DDPM in an autoencoder's latent space (h.07).

Latent Diffusion first trains an autoencoder, freezes it, and runs the diffusion on the
encoder's small latent instead of on pixels: ``z_0 = s · E(x)``, the usual ε-loss
``||ε - ε_θ(z_t, t)||²`` with ``z_t = √ᾱ_t z_0 + √(1-ᾱ_t) ε``, and a sample is decoded
as ``D(z_0 / s)``. The scale factor ``s`` (Stable Diffusion's 0.18215) makes the latents
unit-variance, so the noise schedule means the same thing as on standardised data: ᾱ_T ≈ 0
really drowns the signal, and pure noise N(0, I) is the right starting point.

Here the autoencoder is a small MLP on the 8×8 digits (64 pixels → a few latent numbers),
trained during setup and then frozen (the "pretrained" first stage); training streams
the second stage, the latent ε-network. Live: the ε-loss, how far sampled latents lie from
held-out latents, decoded samples, one sample decoded at every stage of its reverse
trajectory, and the latent density of data vs samples. The diffusion pieces come from
``ddpm-2d``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from demos.ddpm_2d import (
    build_denoiser,
    density,
    eps_loss,
    make_schedule,
    nn_distances,
    on_device,
    sample_chain,
    shown_steps,
    strip,
)
from demos.framework import Check, Demo, Frame, Param, RunContext, heatmap, histogram, image

if TYPE_CHECKING:
    import torch


def build_autoencoder(pixels: int, hidden: int, latent: int) -> tuple[Any, Any]:
    """MLP encoder/decoder for flattened images in [0, 1]."""
    from torch import nn

    enc = nn.Sequential(
        nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, latent),
    )  # fmt: skip
    dec = nn.Sequential(
        nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, pixels), nn.Sigmoid(),
    )  # fmt: skip
    return enc, dec


def check_unit_std(raw: torch.Tensor, scale: float, tol: float = 0.1) -> Check:
    """Held-out latents times the training-set scale factor must have std ≈ 1."""
    scaled = raw * scale
    std, raw_std = scaled.std().item(), raw.std().item()
    per_dim = scaled.std(dim=0)
    return Check(
        "latents-unit-std",
        abs(std - 1.0) <= tol,
        f"held-out latents: raw std {raw_std:.3f}, × s = {scale:.4f} → std {std:.3f} "
        f"(needs 1 ± {tol}); per dimension {per_dim.min().item():.2f}…{per_dim.max().item():.2f}",
    )


def check_round_trip(x: torch.Tensor, encode, decode, scale: float, limit: float = 0.35) -> Check:
    """decode(encode(x)) ≈ x, through the scaled latent the diffusion model sees."""
    import torch
    import torch.nn.functional as F

    with torch.no_grad():
        z = encode(x) * scale  # what the diffusion model works on
        back = decode(z / scale)
        direct = decode(encode(x))
        nmse = F.mse_loss(back, x).item() / x.var().item()
        gap = (back - direct).abs().max().item()
    return Check(
        "decode(encode(x))",
        nmse <= limit and gap <= 1e-5,
        f"held-out reconstruction error / pixel variance = {nmse:.3f} (needs ≤ {limit}); "
        f"scaling in and out changes the output by {gap:.1e}",
    )


def _tiles(images: torch.Tensor, per_row: int) -> torch.Tensor:
    """(N, H, W) images → rows of ``per_row`` tiles with grey gaps."""
    import torch

    rows = [strip(list(images[i : i + per_row])) for i in range(0, len(images), per_row)]
    width = rows[0].shape[1]
    pad = torch.full((1, width), 0.35, device=images.device)
    return torch.cat([p for r in rows for p in (r, pad)][:-1], dim=0)


class LatentDiffusion(Demo):
    name = "latent-diffusion"
    title = "Latent diffusion: DDPM in the latent space of a frozen digit autoencoder"
    questions = ("h.07",)
    summary = (
        "Trains and freezes an autoencoder on 8x8 digits, rescales its latents to unit "
        "std, trains a DDPM on the latents and decodes the samples."
    )
    params = (
        Param("steps", "int", 4000, "diffusion training steps", 10, 100_000),
        Param("ae_steps", "int", 2000, "autoencoder training steps (during setup)", 0, 100_000),
        Param("latent", "int", 8, "latent dimension of the autoencoder", 2, 64),
        Param("ae_hidden", "int", 128, "width of the autoencoder", 8, 1024),
        Param("hidden", "int", 128, "width of the ε-network", 8, 1024),
        Param("batch", "int", 256, "latents (and images) per step", 8, 4096),
        Param("lr", "float", 3e-3, "Adam learning rate (cosine-annealed to 0)", 1e-5, 1.0),
        Param("timesteps", "int", 200, "diffusion steps T", 2, 2000),
        Param("schedule", "str", "linear", "β schedule", choices=("linear", "cosine")),
        Param("scale", "bool", True, "rescale latents to unit std (off: s = 1)"),
        Param("samples", "int", 512, "latents sampled for each frame", 16, 20_000),
    )
    quick: ClassVar[dict[str, Any]] = {
        "steps": 1000,
        "ae_steps": 400,
        "timesteps": 100,
        "hidden": 96,
        "lr": 5e-3,
    }
    plots: ClassVar[dict[str, tuple[str, ...]]] = {
        "ε-prediction loss (latent space)": ("loss",),
        "distance from sampled latents to held-out latents": ("nn_samples", "nn_noise", "nn_data"),
        "distance from held-out latents to samples": ("cover_samples", "cover_data"),
    }

    # -- setup: the frozen first stage --------------------------------------------

    def setup(self, ctx: RunContext) -> None:
        import torch
        import torch.nn.functional as F

        from demos.data import load_digits

        p = ctx.params
        data = load_digits()
        perm = ctx.rng().permutation(len(data.x))
        x = torch.from_numpy(data.x[perm].reshape(len(perm), -1))  # (N, 64) on the CPU
        self.side = data.size
        n_eval = 256
        self.train_x, self.eval_x = x[n_eval:].to(ctx.device), x[:n_eval].to(ctx.device)
        self.encoder, self.decoder = (
            m.to(ctx.device) for m in build_autoencoder(x.shape[1], p["ae_hidden"], p["latent"])
        )
        ae_params = [*self.encoder.parameters(), *self.decoder.parameters()]
        opt = torch.optim.Adam(ae_params, lr=3e-3)
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed + 5)
        self.ae_curve = []
        for _ in range(p["ae_steps"]):
            idx = torch.randint(0, len(self.train_x), (128,), device=ctx.device, generator=gen)
            batch = self.train_x[idx]
            loss = F.mse_loss(self.decoder(self.encoder(batch)), batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            self.ae_curve.append(loss.detach())
        self.ae_curve = torch.stack(self.ae_curve).cpu() if self.ae_curve else torch.zeros(1)
        for w in ae_params:  # frozen from here on
            w.requires_grad_(False)
        self.frozen = [w.detach().clone() for w in ae_params]
        with torch.no_grad():
            raw = self.encoder(self.train_x)  # (N, d)
            self.scale = 1.0 / raw.std().item() if p["scale"] else 1.0
            self.train_z = raw * self.scale
            self.eval_raw = self.encoder(self.eval_x)
            self.eval_z = self.eval_raw * self.scale
        self.sched64 = make_schedule(p["timesteps"], p["schedule"])
        self.sched = on_device(self.sched64, ctx.device)
        self.net = build_denoiser(p["latent"], p["hidden"]).to(ctx.device)
        cpu = torch.Generator().manual_seed(ctx.seed + 1)  # same start on every device
        self.noise = torch.randn(p["samples"], p["latent"], generator=cpu).to(ctx.device)
        m = min(p["samples"], len(self.eval_z))
        self.nn_noise, _ = nn_distances(self.noise[:m], self.eval_z[:m])
        self.nn_data, self.cover_data = nn_distances(self.train_z[:m], self.eval_z[:m])
        self.shown = shown_steps(p["timesteps"])

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Scaled latents (B, d) → images (B, H, W)."""
        return self.decoder(z / self.scale).view(-1, self.side, self.side)

    # -- checks ----------------------------------------------------------------------

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        yield check_unit_std(self.eval_raw, self.scale)
        yield check_round_trip(self.eval_x, self.encoder, self.decoder, self.scale)

    # -- the second stage: diffusion on the latents ------------------------------------

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        import torch

        p = ctx.params
        opt = torch.optim.Adam(self.net.parameters(), lr=p["lr"])
        anneal = torch.optim.lr_scheduler.CosineAnnealingLR(opt, ctx.total_steps)
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n = len(self.train_z)
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (p["batch"],), device=ctx.device, generator=gen)
            loss, _, _ = eps_loss(self.net, self.train_z[idx], self.sched, gen)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            anneal.step()
            if ctx.due(step):
                yield self._frame(ctx, step, loss)

    def sample(self, ctx: RunContext) -> tuple[Any, dict[int, Any]]:
        return sample_chain(self.net, self.noise, self.sched, ctx, self.shown)

    def _frame(self, ctx: RunContext, step: int, loss) -> Frame:
        import torch

        z, kept = self.sample(ctx)
        m = min(len(z), len(self.eval_z))
        nn_samples, cover = nn_distances(z[:m], self.eval_z[:m])
        with torch.no_grad():
            decoded = self.decode(z[:16])  # (16, H, W)
            trajectory = self.decode(torch.stack([kept[t][0] for t in reversed(self.shown)]))
            real = self.eval_x[:8].view(-1, self.side, self.side)
            recon = self.decode(self.eval_z[:8])
        ranged = 3.0
        lat = strip([density(self.eval_z[:, :2], 16, ranged), density(z[:, :2], 16, ranged)])
        self.last = {
            "decoded": decoded.cpu(),
            "trajectory": trajectory.cpu(),
            "z": z.cpu(),
        }
        self.last["pairs_img"] = _tiles(torch.cat([real, recon]), 8)
        order = ", ".join(str(t) for t in reversed(self.shown))
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
                image("decoded samples D(z_0 / s)", _tiles(decoded, 8)),
                image(
                    f"one sample decoded along its reverse path, t = {order}", strip([*trajectory])
                ),
                image("held-out digits (top) / decode(encode(x)) (bottom)", self.last["pairs_img"]),
            ],
            heatmaps=[
                heatmap(
                    "latent density (z0, z1): held-out (left) / samples (right)", lat, "z0", "z1"
                )
            ],
            histograms=[
                histogram(
                    "std of the scaled latents per dimension (held-out)",
                    self.eval_z.std(dim=0),
                    labels=[f"z{i}" for i in range(self.eval_z.shape[1])],
                )
            ],
        )

    # -- judgement and figures ---------------------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        ours, noise = f.get("nn_samples", math.nan), f.get("nn_noise", math.nan)
        cover, cover_data = f.get("cover_samples", math.nan), f.get("cover_data", math.nan)
        ae = [*self.encoder.parameters(), *self.decoder.parameters()]
        frozen = all(bool((w == w0).all()) for w, w0 in zip(ae, self.frozen, strict=True))
        ok = ours <= 0.7 * noise and cover <= 1.5 * cover_data and frozen
        return Check(
            "learning",
            bool(ok),
            f"sampled latent → nearest held-out latent {ours:.3f} (pure noise {noise:.3f}; "
            f"needs ≤ 0.7 ×); held-out latent → nearest sample {cover:.3f} (fresh data "
            f"{cover_data:.3f}; needs ≤ 1.5 ×); autoencoder unchanged by diffusion training: "
            f"{frozen}",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        hist = ctx.history
        steps = [h["step"] for h in hist]
        fig, axes = plt.subplots(2, 3, figsize=(14, 8))
        ax = axes[0, 0]
        ax.plot(self.ae_curve.numpy(), color="grey")
        ax.set_yscale("log")
        ax.set(title="stage 1: autoencoder MSE (then frozen)", xlabel="setup step")
        ax = axes[0, 1]
        ax.plot(steps, [h["loss"] for h in hist], label="ε-loss")
        ax.plot(steps, [h["nn_samples"] for h in hist], label="samples → held-out latents")
        ax.plot(steps, [h["nn_noise"] for h in hist], ":", label="pure noise → held-out")
        ax.plot(steps, [h["cover_samples"] for h in hist], label="held-out → samples")
        ax.set_yscale("log")
        ax.set(title="stage 2: diffusion on the latents", xlabel="step")
        ax.legend(fontsize=8)
        ax = axes[0, 2]
        ez, z = self.eval_z.cpu(), self.last["z"]
        ax.scatter(ez[:, 0], ez[:, 1], s=4, alpha=0.5, label="held-out s·E(x)")
        ax.scatter(z[:, 0], z[:, 1], s=4, alpha=0.5, label="sampled z_0")
        ax.set(title=f"latents (dims 0, 1), s = {self.scale:.3f}", xlabel="z0", ylabel="z1")
        ax.legend(fontsize=8)
        pictures = (
            ("held-out / reconstructions", self.last["pairs_img"].cpu()),
            ("decoded samples", _tiles(self.last["decoded"], 8)),
            (
                "reverse path of one sample, t = T … 0",
                strip([*self.last["trajectory"]]),
            ),
        )
        for ax, (title, pic) in zip(axes[1], pictures, strict=True):
            ax.imshow(pic.numpy(), cmap="gray", vmin=0, vmax=1)
            ax.set_title(title)
            ax.axis("off")
        fig.suptitle(
            f"Latent diffusion on 8×8 digits: latent {ctx.params['latent']}, "
            f"T = {ctx.params['timesteps']}, {ctx.total_steps} steps, {ctx.device}"
        )
        fig.tight_layout()
        path = out_dir / "latent-diffusion.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return [path]
