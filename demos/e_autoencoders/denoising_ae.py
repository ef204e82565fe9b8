"""Denoising autoencoder: noisy input, clean target (question e.06).

The architecture and the loss are those of the plain autoencoder; only the training pairs
change, from ``(x, x)`` to ``(x̃, x)``: every batch gets a fresh corruption ``x̃`` (additive
Gaussian noise clamped to [0, 1], masking noise that zeroes pixels, or salt-and-pepper),
and the loss compares the output with the *clean* image. The corruption is a layer in
front of the encoder that, like dropout, acts only in training mode; at use time the
model receives the real noisy data to clean.

A plain autoencoder starts from the very same weights and sees the very same batches,
uncorrupted. With a wide code (64 numbers for 64 pixels by default) it drifts towards the
identity and copies the noise through; the denoising one cannot, since copying would be
penalised, so it learns which pixels go together and projects a corrupted digit back onto
the digits. Live: clean / noisy / denoising AE / plain AE on a fixed noisy held-out set,
the error of each against the clean images next to the error of the noisy input itself,
and where in the image each model leaves its error.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from demos.lib.autoencoders import build_mlp, recon_error, split
from demos.lib.images import montage, small
from demos.platform import Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.data import load_images
from demos.platform.figures import plot_history, save_figure, subplots


def corrupt(x: torch.Tensor, kind: str, level: float, gen: Any) -> torch.Tensor:
    """One draw of the corruption C(x̃ | x); ``gen`` is a torch.Generator on x's device."""
    if kind == "gaussian":
        noise = torch.randn(x.shape, generator=gen, device=x.device)
        return (x + level * noise).clamp(0, 1)
    u = torch.rand(x.shape, generator=gen, device=x.device)
    if kind == "mask":
        return x * (u >= level)  # zero a fraction `level` of the pixels
    salt = torch.rand(x.shape, generator=gen, device=x.device) < 0.5
    return torch.where(u < level, salt.to(x.dtype), x)  # pixels set to 0 or 1


class Noise(nn.Module):
    """Corrupts its input in training mode only, like dropout; ``gen`` makes it seeded."""

    def __init__(self, kind: str, level: float, gen: torch.Generator) -> None:
        super().__init__()
        self.kind, self.level, self.gen = kind, level, gen

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return corrupt(x, self.kind, self.level, self.gen) if self.training else x

    def extra_repr(self) -> str:
        return f"{self.kind}, level={self.level}"


def noise_layer(kind: str, level: float, gen: torch.Generator) -> Noise:
    """The corruption as the first layer of the denoising model."""
    return Noise(kind, level, gen)


def dae_loss(model: Any, x: torch.Tensor, kind: str = "mse") -> torch.Tensor:
    """The training loss: model = Sequential(noise, encoder, decoder) in training mode,
    compared with the clean x."""
    return recon_error(model(x), x, kind).mean()


class DenoisingAE(Demo):
    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        data = load_images(p["data"])
        self.size = data.size
        self.train_x, _, self.eval_x, _ = split(ctx, data)
        self.var = self.eval_x.var().item()
        self.gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed + 7)
        enc, dec = build_mlp(self.size, p["hidden"], p["latent"])
        noise = noise_layer(p["noise"], p["level"], self.gen)
        self.dae = nn.Sequential(noise, enc, dec).to(ctx.device)
        self.ae = nn.Sequential(copy.deepcopy(enc), copy.deepcopy(dec)).to(ctx.device)
        fixed = torch.Generator(device=ctx.device).manual_seed(ctx.seed + 1)
        self.eval_noisy = corrupt(self.eval_x, p["noise"], p["level"], fixed)  # fixed noise

    def _denoiser(self) -> Any:
        """The DAE without its noise layer: what is used at test time."""
        return self.dae[1:]

    # -- checks ---------------------------------------------------------------------

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        p = ctx.params
        ok, detail = clean_target_check(
            dae_loss, self.dae, self.gen, self.train_x[:64], p["noise"], p["level"]
        )
        yield Check("loss-against-clean-target", ok, detail)
        ok, detail = noise_only_in_training(self.dae, self.train_x[:64])
        yield Check("noise-only-in-training", ok, detail)
        ok, detail = same_start(self._denoiser(), self.ae)
        yield Check("same-architecture-and-start", ok, detail)

    # -- training -------------------------------------------------------------------

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        params = [*self.dae.parameters(), *self.ae.parameters()]
        opt = torch.optim.Adam(params, lr=p["lr"])  # disjoint parameters: independent updates
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n = len(self.train_x)
        self.dae.train()
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (p["batch"],), device=ctx.device, generator=gen)
            x = self.train_x[idx]  # (B, 1, S, S)
            loss = dae_loss(self.dae, x)  # noisy in, clean target
            ae_loss = recon_error(self.ae(x), x).mean()  # clean in, clean target
            opt.zero_grad(set_to_none=True)
            (loss + ae_loss).backward()
            opt.step()
            if ctx.wants(step):
                yield self._frame(ctx, step, loss.item(), ae_loss.item())

    def _frame(self, ctx: RunContext, step: int, loss: float, ae_loss: float) -> Frame:
        x, noisy = self.eval_x, self.eval_noisy
        with torch.no_grad():
            dae_out = self._denoiser()(noisy)
            ae_out = self.ae(noisy)
            err = {
                "dae_denoise": recon_error(dae_out, x).mean().item() / self.var,
                "ae_denoise": recon_error(ae_out, x).mean().item() / self.var,
                "noisy_input": recon_error(noisy, x).mean().item() / self.var,
                "dae_clean": recon_error(self._denoiser()(x), x).mean().item() / self.var,
                "ae_clean": recon_error(self.ae(x), x).mean().item() / self.var,
            }
            n = 8 if self.size <= 8 else 6
            rows = [small(t[:n])[:, 0] for t in (x, noisy, dae_out, ae_out)]
            pictures = montage(torch.cat(rows), n)
            dae_map = (dae_out - x).abs().mean(0)[0]  # (S, S)
            ae_map = (ae_out - x).abs().mean(0)[0]
        self.last = {"pictures": pictures.cpu(), "dae_map": dae_map.cpu(), "ae_map": ae_map.cpu()}
        names = ("noisy input", "plain AE", "denoising AE")
        bars = [err["noisy_input"], err["ae_denoise"], err["dae_denoise"]]
        return Frame(
            step=step,
            metrics={"dae_loss": loss, "ae_loss": ae_loss, **err},
            pictures=[picture("clean / noisy / denoising AE / plain AE (rows)", pictures)],
            heatmaps=[
                heatmap("denoising AE: mean |x̂ - x| per pixel", dae_map, "x", "y"),
                heatmap("plain AE: mean |x̂ - x| per pixel", ae_map, "x", "y"),
            ],
            histograms=[histogram("error vs clean image / variance", bars, list(names))],
        )

    # -- judgement and figures -----------------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        dae, ae = f.get("dae_denoise", math.nan), f.get("ae_denoise", math.nan)
        noisy = f.get("noisy_input", math.nan)
        ok = dae <= 0.85 * ae and dae <= 0.6 * noisy
        return Check(
            "learning",
            bool(ok),
            f"on noisy held-out digits, error vs clean / variance: denoising AE {dae:.3f}, "
            f"plain AE {ae:.3f}, noisy input itself {noisy:.3f} "
            "(DAE needs <= 0.85 x plain AE and <= 0.6 x the noisy input)",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist = ctx.history
        fig, axes = subplots(2, 3, (14, 8))
        ax = axes[0, 0]
        for key, label in (
            ("dae_denoise", "denoising AE"),
            ("ae_denoise", "plain AE"),
            ("noisy_input", "noisy input (no model)"),
        ):
            plot_history(ax, hist, [key], labels=[label])
        ax.set(title="noisy held-out in: error vs clean / variance", xlabel="step")
        ax.set_yscale("log")
        ax.legend()
        ax = axes[0, 1]
        plot_history(ax, hist, ["dae_clean"], labels=["denoising AE"])
        plot_history(ax, hist, ["ae_clean"], labels=["plain AE"])
        ax.set(title="clean held-out in: reconstruction error / variance", xlabel="step")
        ax.set_yscale("log")
        ax.legend()
        ax = axes[0, 2]
        vmax = float(max(self.last["dae_map"].max(), self.last["ae_map"].max()))
        both = [self.last["dae_map"].numpy(), self.last["ae_map"].numpy()]
        for k, (data, name) in enumerate(zip(both, ("DAE", "plain AE"), strict=True)):
            inset = ax.inset_axes([0.02 + 0.5 * k, 0.1, 0.46, 0.8])
            inset.imshow(data, cmap="magma", vmin=0, vmax=vmax)
            inset.set_title(f"{name}: mean |x̂-x|", fontsize=8)
            inset.axis("off")
        ax.axis("off")
        grid = fig.add_subplot(2, 1, 2)
        axes[1, 0].remove(), axes[1, 1].remove(), axes[1, 2].remove()
        grid.imshow(self.last["pictures"].numpy(), cmap="gray", vmin=0, vmax=1)
        grid.set_title("rows: clean / noisy input / denoising AE / plain AE")
        grid.axis("off")
        p = ctx.params
        title = (
            f"Denoising AE on {p['data']}: {p['noise']} noise, level {p['level']}, "
            f"code {p['latent']} ({ctx.total_steps} steps, {ctx.device})"
        )
        return [save_figure(out_dir, "denoising-ae", fig, title=title, dpi=100)]


# --- checks as functions (the tests feed them broken inputs) ---------------------------


def clean_target_check(
    loss_fn: Any, model: Any, gen: Any, x: torch.Tensor, kind: str, level: float
) -> tuple[bool, str]:
    """The training loss must equal MSE(D(E(x̃)), x) with the same noise, not MSE(.., x̃)."""
    state = gen.get_state()
    model.train()
    with torch.no_grad():
        ours = loss_fn(model, x).item()
        gen.set_state(state)  # replay the very same corruption
        noisy = corrupt(x, kind, level, gen)
        out = model[1:](noisy)
        clean = F.mse_loss(out, x).item()
        against_noisy = F.mse_loss(out, noisy).item()
    gen.set_state(state)
    ok = abs(ours - clean) <= 1e-6 * max(1.0, clean) and abs(clean - against_noisy) > 1e-4
    return ok, (
        f"training loss {ours:.5f}; F.mse_loss(model(x̃), x) = {clean:.5f} (clean target); "
        f"against the noisy input it would be {against_noisy:.5f}"
    )


def noise_only_in_training(model: Any, x: torch.Tensor) -> tuple[bool, str]:
    """eval(): the noise layer is the identity; train(): it changes the input."""
    was = model.training
    with torch.no_grad():
        model.eval()
        a, b = model(x), model(x)
        plain = model[1:](x)
        same = torch.equal(a, b) and torch.equal(a, plain)
        model.train()
        changed = (model[0](x) != x).float().mean().item()
    model.train(was)
    ok = same and changed > 0.05
    return ok, (
        f"eval mode: output deterministic and == decoder(encoder(x)): {same}; "
        f"train mode: {changed:.0%} of pixels corrupted"
    )


def same_start(a: Any, b: Any) -> tuple[bool, str]:
    """Both models: same layers, same parameter count, same initial weights."""
    sa, sb = a.state_dict(), b.state_dict()
    count_a = sum(w.numel() for w in a.parameters())
    count_b = sum(w.numel() for w in b.parameters())
    shared = {id(w) for w in a.parameters()} & {id(w) for w in b.parameters()}
    va, vb = list(sa.values()), list(sb.values())
    equal = len(va) == len(vb) and all(
        u.shape == v.shape and u.equal(v) for u, v in zip(va, vb, strict=True)
    )
    ok = equal and count_a == count_b and not shared
    return ok, (
        f"{count_a} vs {count_b} parameters, identical initial state_dict: {equal}, "
        f"separate tensors: {not shared}"
    )
