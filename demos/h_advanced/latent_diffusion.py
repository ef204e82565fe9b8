"""Latent diffusion on handwritten digits: DDPM in an autoencoder's latent space (h.07).

Latent Diffusion first trains an autoencoder, freezes it, and runs the diffusion on the
encoder's small latent instead of on pixels: ``z_0 = s · E(x)``, the usual ε-loss
``||ε - ε_θ(z_t, t)||²`` with ``z_t = √ᾱ_t z_0 + √(1-ᾱ_t) ε``, and a sample is decoded
as ``D(z_0 / s)``. The scale factor ``s`` (Stable Diffusion's 0.18215) makes the latents
unit-variance, so the noise schedule means the same thing as on standardised data: ᾱ_T ≈ 0
really drowns the signal, and pure noise N(0, I) is the right starting point.

Here the autoencoder is a small MLP on the 8×8 digits (64 pixels → a few latent numbers),
trained during setup and then frozen (the "pretrained" first stage); training streams
the second stage, the latent ε-network.

The contrast: a twin ε-network of the same size trained in the same loop, on the same
images and steps, but diffusing the 64 (standardised) pixels themselves. With eight
numbers to denoise instead of sixty-four, the latent model draws clean digits in this
budget while the pixel model's samples stay speckled; both are scored in pixel space by
the distance from each sample to its nearest held-out digit.

Live: the ε-losses, how far sampled latents lie from held-out latents, pixel-space
distances of both models' samples, decoded samples, the clean image the model predicts
(D(x̂_0)) along one reverse path, and the latent density of data vs samples. The
diffusion pieces are ``demos.lib.diffusion``'s.
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
    denoise,
    density,
    eps_loss,
    make_schedule,
    nn_distances,
    on_device,
    sample_chain,
    shown_steps,
)
from demos.lib.images import montage
from demos.platform import Bilingual, Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.data import load_digits
from demos.platform.figures import animation, plot_history, plt, save_figure, subplots


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
        # the twin's data: the pixels, standardised the same way (one mean, one std)
        self.px_mean, self.px_std = self.train_x.mean().item(), self.train_x.std().item()
        self.train_px = (self.train_x - self.px_mean) / self.px_std
        self.sched64 = make_schedule(p["timesteps"], p["schedule"])
        self.sched = on_device(self.sched64, ctx.device)
        self.net = build_denoiser(p["latent"], p["hidden"]).to(ctx.device)
        self.pixel_net = build_denoiser(x.shape[1], p["hidden"]).to(ctx.device)
        cpu = torch.Generator().manual_seed(ctx.seed + 1)  # same start on every device
        self.noise = torch.randn(p["samples"], p["latent"], generator=cpu).to(ctx.device)
        self.px_noise = torch.randn(p["samples"], x.shape[1], generator=cpu).to(ctx.device)
        m = min(p["samples"], len(self.eval_z))
        self.nn_noise, _ = nn_distances(self.noise[:m], self.eval_z[:m])
        self.nn_data, self.cover_data = nn_distances(self.train_z[:m], self.eval_z[:m])
        self.px_nn_data, _ = nn_distances(self.train_x[:m], self.eval_x[:m])
        with torch.no_grad():  # pure noise through the decoder: digit-like, not digits
            noise_images = self.decode(self.noise[:m]).flatten(1)
            self.px_nn_noise, _ = nn_distances(noise_images, self.eval_x[:m])
        self.shown = shown_steps(p["timesteps"])
        t_count = p["timesteps"]  # the GIF's chain: 24 steps from x_T to x_0, and x_0
        self.chain_steps = sorted({round(t_count * (1 - k / 24)) for k in range(25)}, reverse=True)
        self.snapshot: dict[str, Any] = {}

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Scaled latents (B, d) → images (B, H, W)."""
        return self.decoder(z / self.scale).view(-1, self.side, self.side)

    def pixels(self, x: torch.Tensor) -> torch.Tensor:
        """The pixel twin's samples (B, 64), standardised → images (B, H, W) in [0, 1]."""
        return (x * self.px_std + self.px_mean).clamp(0, 1).view(-1, self.side, self.side)

    def clean_guess(self, net, x: torch.Tensor, t: int) -> torch.Tensor:
        """x̂_0 = (x_t − √(1−ᾱ_t) ε̂) / √ᾱ_t: what the model expects x_0 to be, seen from x_t."""
        if t == 0:
            return x
        ab = self.sched["alpha_bar"][t - 1]
        tt = torch.full((len(x),), t - 1, device=x.device, dtype=torch.long)
        with torch.no_grad():
            eps = denoise(net, x, tt, self.ctx_t)
        return (x - (1 - ab).sqrt() * eps) / ab.sqrt()

    # -- checks ----------------------------------------------------------------------

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        yield check_unit_std(self.eval_raw, self.scale)
        yield check_round_trip(self.eval_x, self.encoder, self.decoder, self.scale)

    # -- the second stage: diffusion on the latents (and the twin on pixels) -------------

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        self.ctx_t = p["timesteps"]
        # one Adam over both ε-networks: updates are per parameter, so these are two runs
        opt = torch.optim.Adam([*self.net.parameters(), *self.pixel_net.parameters()], lr=p["lr"])
        anneal = torch.optim.lr_scheduler.CosineAnnealingLR(opt, ctx.total_steps)
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        px_gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed + 11)
        n = len(self.train_z)
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (p["batch"],), device=ctx.device, generator=gen)
            loss, _, _ = eps_loss(self.net, self.train_z[idx], self.sched, gen)
            px_loss, _, _ = eps_loss(self.pixel_net, self.train_px[idx], self.sched, px_gen)
            opt.zero_grad(set_to_none=True)
            (loss + px_loss).backward()
            opt.step()
            anneal.step()
            if ctx.wants(step):
                yield self._frame(ctx, step, loss, px_loss)
        return self.caption(ctx)

    def sample(self, ctx: RunContext) -> tuple[Any, dict[int, Any]]:
        keep = {*self.shown, *self.chain_steps}
        return sample_chain(self.net, self.noise, self.sched, ctx, keep)

    def _frame(self, ctx: RunContext, step: int, loss, px_loss) -> Frame:
        z, kept = self.sample(ctx)
        keep = {*self.shown, *self.chain_steps}
        px, px_kept = sample_chain(self.pixel_net, self.px_noise, self.sched, ctx, keep)
        m = min(len(z), len(self.eval_z))
        nn_samples, cover = nn_distances(z[:m], self.eval_z[:m])
        with torch.no_grad():
            decoded = self.decode(z)  # (S, H, W)
            px_images = self.pixels(px)
            flat = self.eval_x[:m]
            px_nn_latent, px_cover_latent = nn_distances(decoded[:m].flatten(1), flat)
            px_nn_pixel, px_cover_pixel = nn_distances(px_images[:m].flatten(1), flat)
            guesses = [self.clean_guess(self.net, kept[t][:1], t) for t in reversed(self.shown)]
            trajectory = self.decode(torch.cat(guesses))
            real = self.eval_x[:8].view(-1, self.side, self.side)
            recon = self.decode(self.eval_z[:8])
        ranged = 3.0
        lat = montage(
            [density(self.eval_z[:, :2], 16, ranged), density(z[:, :2], 16, ranged)], pad=0.35
        )
        self.last = {
            "decoded": decoded[:24].cpu(),
            "pixel": px_images[:24].cpu(),
            "trajectory": trajectory.cpu(),
            "z": z.cpu(),
            "noise_decoded": self.decode(self.noise[:24]).cpu(),
        }
        self.last["pairs_img"] = montage(torch.cat([real, recon]), cols=8, pad=0.35)
        if step == ctx.total_steps - 1:  # the final chains, for the GIF
            with torch.no_grad():
                self.snapshot = {
                    t: (
                        self.decode(self.clean_guess(self.net, kept[t][:8], t)).cpu(),
                        self.pixels(px_kept[t][:8]).cpu(),
                    )
                    for t in self.chain_steps
                }
        order = ", ".join(str(t) for t in reversed(self.shown))
        return Frame(
            step=step,
            metrics={
                "loss": loss.item(),
                "pixel_loss": px_loss.item(),
                "nn_samples": nn_samples,
                "nn_noise": self.nn_noise,
                "nn_data": self.nn_data,
                "cover_samples": cover,
                "cover_data": self.cover_data,
                "px_nn_latent": px_nn_latent,
                "px_nn_pixel": px_nn_pixel,
                "px_nn_data": self.px_nn_data,
                "px_nn_noise": self.px_nn_noise,
                "px_cover_latent": px_cover_latent,
                "px_cover_pixel": px_cover_pixel,
            },
            pictures=[
                picture(
                    "latent diffusion: decoded samples D(z_0 / s)",
                    montage(decoded[:16], cols=8, pad=0.35),
                    key="latent-samples",
                ),
                picture(
                    "the same budget on the 64 pixels: samples",
                    montage(px_images[:16], cols=8, pad=0.35),
                    key="pixel-samples",
                ),
                picture(
                    f"one latent path: the predicted clean digit D(x̂_0) at t = {order}",
                    montage(trajectory, pad=0.35),
                    key="path",
                ),
                picture(
                    "held-out digits (top) / decode(encode(x)) (bottom)",
                    self.last["pairs_img"],
                    key="round-trip",
                ),
            ],
            heatmaps=[
                heatmap(
                    "latent density (z0, z1): held-out (left) / samples (right)",
                    lat,
                    "z0",
                    "z1",
                    key="latent-density",
                    vmin=0,
                    vmax=1,
                ),
            ],
            histograms=[
                histogram(
                    "std of the scaled latents per dimension (held-out)",
                    self.eval_z.std(dim=0),
                    labels=[f"z{i}" for i in range(self.eval_z.shape[1])],
                    key="latent-std",
                )
            ],
        )

    # -- judgement and figures ---------------------------------------------------------

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, from this run's numbers."""
        f, p = ctx.final, ctx.params
        it = {k: _it(v, ".2f") for k, v in f.items()}
        return Bilingual(
            en=(
                f"Diffusing the {p['latent']} latent numbers of the frozen autoencoder, the "
                f"decoded samples are smooth digits: on average each lies "
                f"{f['px_nn_latent']:.2f} from its nearest held-out digit (a real digit: "
                f"{f['px_nn_data']:.2f}). The same "
                f"ε-network trained as long on the 64 pixels gives speckled images "
                f"{f['px_nn_pixel']:.2f} away: the smaller space is what makes the small "
                f"budget enough."
            ),
            it=(
                f"Facendo diffusione {_su(p['latent'])} numeri latenti dell'autoencoder "
                f"congelato, i campioni decodificati sono cifre lisce: in media ognuno "
                f"dista {it['px_nn_latent']} dalla cifra di test più vicina (una cifra vera: "
                f"{it['px_nn_data']}). La stessa rete ε addestrata altrettanto {_su(64)} pixel dà "
                f"immagini puntinate a {it['px_nn_pixel']}: è lo spazio più piccolo a rendere "
                f"sufficiente il budget ridotto."
            ),
        )

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        ours, noise = f.get("nn_samples", math.nan), f.get("nn_noise", math.nan)
        cover, cover_data = f.get("cover_samples", math.nan), f.get("cover_data", math.nan)
        latent_px, pixel_px = f.get("px_nn_latent", math.nan), f.get("px_nn_pixel", math.nan)
        real_px = f.get("px_nn_data", math.nan)  # a real digit's distance: the floor
        frozen = not hasattr(self, "encoder") or all(
            bool((w == w0).all())
            for w, w0 in zip(
                [*self.encoder.parameters(), *self.decoder.parameters()], self.frozen, strict=True
            )
        )
        ratio = 0.5
        ok = (
            ours <= 0.7 * noise
            and cover <= 1.5 * cover_data
            and frozen
            and latent_px - real_px <= ratio * (pixel_px - real_px)
        )
        return Check(
            "learning",
            bool(ok),
            f"sampled latent → nearest held-out latent {ours:.3f} (pure noise {noise:.3f}; "
            f"needs ≤ 0.7 ×); held-out latent → nearest sample {cover:.3f} (fresh data "
            f"{cover_data:.3f}; needs ≤ 1.5 ×); autoencoder unchanged by diffusion training: "
            f"{frozen}; decoded sample → nearest held-out digit {latent_px:.2f} vs "
            f"{pixel_px:.2f} for the pixel-space twin, a real digit {real_px:.2f} (the excess "
            f"over a real digit needs to be ≤ {ratio} × the twin's)",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, p, last = ctx.history, ctx.params, self.last
        fig = plt.figure(figsize=(18, 15))
        grid = fig.add_gridspec(3, 3, height_ratios=(1, 1.2, 1))
        ax = fig.add_subplot(grid[0, 0])
        ax.plot(self.ae_curve.numpy(), color="grey")
        ax.set_yscale("log")
        ax.set(title="stage 1: autoencoder MSE (then frozen)", xlabel="setup step", ylabel="MSE")
        ax = fig.add_subplot(grid[0, 1])
        plot_history(
            ax, hist, ["px_nn_latent"], labels=["latent diffusion, decoded"], color="C0", lw=2
        )
        plot_history(
            ax, hist, ["px_nn_pixel"], styles=["--"], labels=["pixel-space twin"], color="C3"
        )
        plot_history(
            ax, hist, ["px_nn_data"], styles=[":"], labels=["real training digits"], color="k"
        )
        plot_history(
            ax, hist, ["px_nn_noise"], styles=["-."], labels=["pure noise, decoded"], color="grey"
        )
        ax.set(title="sample → nearest held-out digit (pixel space)", ylabel="distance")
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, 2])
        plot_history(ax, hist, ["loss"], labels=[f"ε-loss, {p['latent']} latents"], color="C0")
        plot_history(
            ax, hist, ["pixel_loss"], styles=["--"], labels=["ε-loss, 64 pixels"], color="C3"
        )
        plot_history(
            ax,
            hist,
            ["nn_samples"],
            styles=["-."],
            labels=["latent samples → held-out"],
            color="C2",
        )
        plot_history(
            ax, hist, ["nn_noise"], styles=[":"], labels=["pure noise → held-out"], color="C2"
        )
        ax.set_yscale("log")
        ax.set(title="stage 2: the two diffusion runs")
        ax.legend(fontsize=8)
        rows = (
            ("latent diffusion: decoded samples D(z_0 / s)", last["decoded"]),
            ("same ε-network, same steps, on the 64 pixels", last["pixel"]),
            ("pure noise decoded, D(ε / s): where sampling starts", last["noise_decoded"]),
        )
        for k, (title, pics) in enumerate(rows):
            ax = fig.add_subplot(grid[1, k])
            ax.imshow(montage(pics, cols=6, pad=1.0).numpy(), cmap="gray", vmin=0, vmax=1)
            ax.set_title(title)
            ax.axis("off")
        ax = fig.add_subplot(grid[2, 0])
        ez, z = self.eval_z.cpu().numpy(), last["z"].numpy()
        ax.scatter(ez[:, 0], ez[:, 1], s=5, alpha=0.5, label="held-out s·E(x)")
        ax.scatter(z[:, 0], z[:, 1], s=5, alpha=0.5, label="sampled z_0")
        ax.set(title=f"latents (dims 0, 1), s = {self.scale:.3f}", xlabel="z0", ylabel="z1")
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[2, 1])
        ax.imshow(last["pairs_img"].cpu().numpy(), cmap="gray", vmin=0, vmax=1)
        ax.set_title("held-out digits (top) and decode(encode(x)) (bottom)")
        ax.axis("off")
        steps = list(reversed(self.shown))
        cells = grid[2, 2].subgridspec(2, (len(steps) + 1) // 2, wspace=0.05, hspace=0.3)
        for k, t in enumerate(steps):
            ax = fig.add_subplot(cells[divmod(k, (len(steps) + 1) // 2)])
            ax.imshow(last["trajectory"][k].numpy(), cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"D(x̂_0) at t = {t}", fontsize=9)
            ax.axis("off")
        title = (
            f"latent-diffusion on 8×8 digits: latent {p['latent']}, T = {p['timesteps']}, "
            f"{ctx.total_steps} steps on {ctx.device}; twin: the same ε-network on pixels"
        )
        fig.suptitle(title, y=1.0, fontsize=13)
        words = self.caption(ctx)
        path = save_figure(out_dir, "latent-diffusion", fig, caption=f"{words.en}\n{words.it}")
        return [path, self._animation(out_dir)]

    def _animation(self, out_dir: Path) -> Path:
        """The final reverse chains of eight samples: latent (decoded x̂_0) and pixels (x_t)."""
        steps = self.chain_steps
        fig, axes = subplots(2, 1, (8, 3.6))
        fig.subplots_adjust(left=0.02, right=0.98, top=0.84, bottom=0.02, hspace=0.3)
        first = self.snapshot[steps[0]]
        pics = [
            ax.imshow(montage(first[k], pad=1.0).numpy(), cmap="gray", vmin=0, vmax=1)
            for k, ax in enumerate(axes)
        ]
        for ax in axes:
            ax.axis("off")
        axes[0].set_title("latent diffusion: D(x̂_0) from z_t", fontsize=10)
        axes[1].set_title("pixel-space twin: x_t itself", fontsize=10)
        head = fig.suptitle("")

        def update(i: int) -> None:
            t = steps[min(i, len(steps) - 1)]
            for k, pic in enumerate(pics):
                pic.set_data(montage(self.snapshot[t][k], pad=1.0).numpy())
            head.set_text(f"reverse chain, t = {t}")

        return animation(out_dir, "latent-diffusion", fig, update, len(steps) + 4, fps=5, dpi=70)


def _it(value: float, fmt: str) -> str:
    """A number as Italian writes it: decimal comma."""
    return format(value, fmt).replace(".", ",")


def _su(n: int) -> str:
    """'su' + the plural article for n things: 'sugli 8', 'sugli 11', 'sui 64'.

    Italian writes 'gli' before a vowel, and the numbers read otto…, ottanta…, undici
    start with one.
    """
    return f"sugli {n}" if str(n).startswith("8") or n == 11 else f"sui {n}"
