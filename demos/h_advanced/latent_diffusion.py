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
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from demos.lib.diffusion import (
    build_denoiser,
    density,
    eps_loss,
    make_schedule,
    nn_distances,
    on_device,
    sample_chain,
    shown_steps,
)
from demos.lib.images import montage
from demos.platform import Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.data import load_digits
from demos.platform.figures import plot_history, save_figure, subplots


def build_autoencoder(pixels: int, hidden: int, latent: int) -> tuple[Any, Any]:
    """MLP encoder/decoder for flattened images in [0, 1]."""
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


class LatentDiffusion(Demo):
    # -- setup: the frozen first stage --------------------------------------------

    def setup(self, ctx: RunContext) -> None:
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
            if ctx.wants(step):
                yield self._frame(ctx, step, loss)

    def sample(self, ctx: RunContext) -> tuple[Any, dict[int, Any]]:
        return sample_chain(self.net, self.noise, self.sched, ctx, self.shown)

    def _frame(self, ctx: RunContext, step: int, loss) -> Frame:
        z, kept = self.sample(ctx)
        m = min(len(z), len(self.eval_z))
        nn_samples, cover = nn_distances(z[:m], self.eval_z[:m])
        with torch.no_grad():
            decoded = self.decode(z[:16])  # (16, H, W)
            trajectory = self.decode(torch.stack([kept[t][0] for t in reversed(self.shown)]))
            real = self.eval_x[:8].view(-1, self.side, self.side)
            recon = self.decode(self.eval_z[:8])
        ranged = 3.0
        lat = montage(
            [density(self.eval_z[:, :2], 16, ranged), density(z[:, :2], 16, ranged)], pad=0.35
        )
        self.last = {
            "decoded": decoded.cpu(),
            "trajectory": trajectory.cpu(),
            "z": z.cpu(),
        }
        self.last["pairs_img"] = montage(torch.cat([real, recon]), cols=8, pad=0.35)
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
            pictures=[
                picture("decoded samples D(z_0 / s)", montage(decoded, cols=8, pad=0.35)),
                picture(
                    f"one sample decoded along its reverse path, t = {order}",
                    montage(trajectory, pad=0.35),
                ),
                picture(
                    "held-out digits (top) / decode(encode(x)) (bottom)", self.last["pairs_img"]
                ),
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
        hist = ctx.history
        fig, axes = subplots(2, 3, (14, 8))
        ax = axes[0, 0]
        ax.plot(self.ae_curve.numpy(), color="grey")
        ax.set_yscale("log")
        ax.set(title="stage 1: autoencoder MSE (then frozen)", xlabel="setup step")
        ax = axes[0, 1]
        plot_history(ax, hist, ["loss"], labels=["ε-loss"])
        plot_history(ax, hist, ["nn_samples"], labels=["samples → held-out latents"])
        plot_history(ax, hist, ["nn_noise"], styles=[":"], labels=["pure noise → held-out"])
        plot_history(ax, hist, ["cover_samples"], labels=["held-out → samples"])
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
            ("decoded samples", montage(self.last["decoded"], cols=8, pad=0.35)),
            (
                "reverse path of one sample, t = T … 0",
                montage(self.last["trajectory"], pad=0.35),
            ),
        )
        for ax, (title, pic) in zip(axes[1], pictures, strict=True):
            ax.imshow(pic.numpy(), cmap="gray", vmin=0, vmax=1)
            ax.set_title(title)
            ax.axis("off")
        title = (
            f"Latent diffusion on 8×8 digits: latent {ctx.params['latent']}, "
            f"T = {ctx.params['timesteps']}, {ctx.total_steps} steps, {ctx.device}"
        )
        return [save_figure(out_dir, "latent-diffusion", fig, title=title, dpi=100)]
