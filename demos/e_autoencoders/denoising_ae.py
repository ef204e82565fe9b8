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
from demos.lib.images import decimal_comma, diagram, label_montage, montage, small, thin
from demos.platform import Bilingual, Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.data import load_images
from demos.platform.figures import animation, image_panel, plot_history, plt, save_figure


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
        self.snapshots: dict[int, dict[str, Any]] = {}

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
        return self.caption(ctx)

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
            n = 10 if self.size <= 8 else 6
            rows = [small(t[:n])[:, 0] for t in (x, noisy, dae_out, ae_out)]
            pictures = montage(torch.cat(rows), n)
            dae_map = (dae_out - x).abs().mean(0)[0]  # (S, S)
            ae_map = (ae_out - x).abs().mean(0)[0]
        self.last = {"pictures": pictures.cpu(), "dae_map": dae_map.cpu(), "ae_map": ae_map.cpu()}
        if ctx.should_record(step):
            self.snapshots[step] = {"pictures": pictures.cpu(), "err": dict(err)}
        names = ("noisy input", "plain AE", "denoising AE")
        bars = [err["noisy_input"], err["ae_denoise"], err["dae_denoise"]]
        top = float(max(dae_map.max(), ae_map.max()))  # one colour scale for both maps
        return Frame(
            step=step,
            metrics={"dae_loss": loss, "ae_loss": ae_loss, **err},
            pictures=[
                picture(
                    "rows: clean / noisy input / denoising AE / plain AE",
                    pictures,
                    key="rows",
                )
            ],
            heatmaps=[
                heatmap(
                    "denoising AE: mean |x̂ - x| per pixel",
                    dae_map,
                    "x",
                    "y",
                    key="dae-map",
                    vmin=0,
                    vmax=top,
                ),
                heatmap(
                    "plain AE: mean |x̂ - x| per pixel (same scale)",
                    ae_map,
                    "x",
                    "y",
                    key="ae-map",
                    vmin=0,
                    vmax=top,
                ),
            ],
            histograms=[
                histogram("error vs clean image / variance", bars, list(names), key="errors")
            ],
        )

    # -- judgement, caption and figures --------------------------------------------

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

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, filled from this run's numbers."""
        f, p = ctx.final, ctx.params
        kind = {
            "gaussian": "Gaussian noise",
            "mask": "masked pixels",
            "saltpepper": "salt and pepper",
        }
        kind_it = {
            "gaussian": "rumore gaussiano",
            "mask": "pixel azzerati",
            "saltpepper": "sale e pepe",
        }
        en = (
            f"Given digits corrupted by {kind[p['noise']]} (level {p['level']:g}; error "
            f"{f['noisy_input']:.2f} of the variance), the denoising autoencoder, trained on noisy"
            f" inputs against clean targets, brings the error down to {f['dae_denoise']:.2f}; the "
            f"plain autoencoder, same weights at the start and same batches but clean inputs, "
            f"only reaches {f['ae_denoise']:.2f}, though it rebuilds clean digits better "
            f"({f['ae_clean']:.2f} vs {f['dae_clean']:.2f}): it learned to copy, noise included."
        )
        it = (
            f"Su cifre corrotte da {kind_it[p['noise']]} (livello {p['level']:g}; errore "
            f"{f['noisy_input']:.2f} della varianza) l'autoencoder di denoising, addestrato con "
            f"ingressi rumorosi e obiettivi puliti, porta l'errore a {f['dae_denoise']:.2f}; "
            f"l'autoencoder semplice, stessi pesi iniziali e stessi batch ma ingressi puliti, "
            f"arriva solo a {f['ae_denoise']:.2f}, pur ricostruendo meglio le cifre pulite "
            f"({f['ae_clean']:.2f} contro {f['dae_clean']:.2f}): ha imparato a copiare, rumore "
            "compreso."
        )
        return Bilingual(en=en, it=decimal_comma(it))

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, p, last = ctx.history, ctx.params, self.last
        fig = plt.figure(figsize=(19, 12.5))
        grid = fig.add_gridspec(2, 3, height_ratios=(1, 1.35))
        ax = fig.add_subplot(grid[0, 0])
        plot_history(ax, hist, ["dae_denoise"], labels=["denoising AE"], color="C0")
        plot_history(ax, hist, ["ae_denoise"], styles=["--"], labels=["plain AE"], color="C3")
        plot_history(ax, hist, ["noisy_input"], styles=[":"], labels=["the noisy input itself"],
                     color="k")  # fmt: skip
        ax.set(
            title="noisy held-out in: error vs the clean image / variance",
            ylabel="error / variance",
        )
        ax.set_yscale("log")
        ax.legend(fontsize=9)
        ax = fig.add_subplot(grid[0, 1])
        plot_history(ax, hist, ["dae_clean"], labels=["denoising AE"], color="C0")
        plot_history(ax, hist, ["ae_clean"], styles=["--"], labels=["plain AE"], color="C3")
        ax.set(
            title="clean held-out in: reconstruction error / variance", ylabel="error / variance"
        )
        ax.set_yscale("log")
        ax.legend(fontsize=9)
        _schematic(fig.add_subplot(grid[0, 2]), p["noise"], p["level"])
        ax = fig.add_subplot(grid[1, :2])
        ax.imshow(last["pictures"].numpy(), cmap="gray", vmin=0, vmax=1)
        tile = min(self.size, 14)
        label_montage(ax, tile, ["clean x", "noisy x̃", "denoising AE", "plain AE"], fontsize=11)
        f = ctx.final
        ax.set_title(
            f"held-out digits; error vs clean / variance: noisy {f['noisy_input']:.2f}, "
            f"denoising AE {f['dae_denoise']:.2f}, plain AE {f['ae_denoise']:.2f}"
        )
        sub = grid[1, 2].subgridspec(
            2, 2, width_ratios=(1, 1.2), height_ratios=(1, 1.25), hspace=0.35
        )
        top = float(max(last["dae_map"].max(), last["ae_map"].max()))
        for k, (key, who) in enumerate((("dae_map", "denoising AE"), ("ae_map", "plain AE"))):
            ax = fig.add_subplot(sub[0, k])
            im = image_panel(fig, ax, last[key].numpy(), cmap="magma", vmin=0, vmax=top,
                             title=f"{who}: mean |x̂ − x|", colorbar=k == 1)  # fmt: skip
        im.colorbar.set_label("|x̂ − x|")
        ax = fig.add_subplot(sub[1, :])
        names = ["noisy input", "plain AE", "denoising AE"]
        values = [f["noisy_input"], f["ae_denoise"], f["dae_denoise"]]
        ax.bar(names, values, color=["0.5", "C3", "C0"])
        for k, v in enumerate(values):
            ax.text(k, v, f"{v:.2f}", ha="center", va="bottom", fontsize=10)
        ax.set(
            title="noisy held-out in: error vs clean / variance (end)", ylabel="error / variance"
        )
        ax.set_ylim(0, max(values) * 1.15)
        title = (
            f"Denoising AE on {p['data']}: {p['noise']} noise, level {p['level']:g}, code "
            f"{p['latent']}, {ctx.total_steps} steps on {ctx.device}; plain AE: same start, "
            "same batches, clean inputs"
        )
        fig.suptitle(title, fontsize=14, y=1.01)
        words = self.caption(ctx)
        paths = [save_figure(out_dir, "denoising-ae", fig, caption=f"{words.en}\n{words.it}")]
        paths.append(self._animation(out_dir))
        return paths

    def _animation(self, out_dir: Path) -> Path:
        """The four rows over training: the denoiser cleans, the plain AE copies the noise."""
        steps = thin(self.snapshots, 30)
        fig = plt.figure(figsize=(8, 3.9))
        ax = fig.add_axes((0.17, 0.03, 0.81, 0.8))
        first = self.snapshots[steps[0]]
        tiles = ax.imshow(first["pictures"].numpy(), cmap="gray", vmin=0, vmax=1)
        label_montage(ax, min(self.size, 14), ["clean x", "noisy x̃", "denoising AE", "plain AE"])
        head = fig.suptitle("")

        def update(i: int) -> None:
            snap = self.snapshots[steps[i]]
            tiles.set_data(snap["pictures"].numpy())
            e = snap["err"]
            head.set_text(
                f"step {steps[i]}: error vs clean / variance — denoising AE "
                f"{e['dae_denoise']:.2f}, plain AE {e['ae_denoise']:.2f} "
                f"(noisy input {e['noisy_input']:.2f})"
            )

        return animation(
            out_dir, "denoising-ae", fig, update, len(steps), fps=4, dpi=80, untrained_bands=True
        )


def _schematic(ax, noise: str, level: float) -> None:
    """e.06: the same network; only the training pair changes, (x, x) → (x̃, x)."""
    diagram(
        ax,
        {
            "x": (0.08, 0.78, "x"),
            "c": (0.28, 0.78, f"corrupt\n{noise} {level:g}"),
            "enc": (0.5, 0.78, "encoder"),
            "dec": (0.7, 0.78, "decoder"),
            "xh": (0.9, 0.78, "x̂ vs x"),
            "x2": (0.08, 0.38, "x"),
            "enc2": (0.5, 0.38, "encoder"),
            "dec2": (0.7, 0.38, "decoder"),
            "xh2": (0.9, 0.38, "x̂ vs x"),
        },
        [
            ("x", "c", ""),
            ("c", "enc", "x̃"),
            ("enc", "dec", ""),
            ("dec", "xh", ""),
            ("x2", "enc2", ""),
            ("enc2", "dec2", ""),
            ("dec2", "xh2", ""),
        ],
        colors={"c": "#fde0c5", "xh": "#d6e6f5", "xh2": "#d6e6f5"},
        fontsize=10,
        title="e.06: denoising AE (top) vs plain AE (bottom)",
    )
    ax.text(0.5, 0.6, "noise only in training, fresh every batch; the target stays clean",
            ha="center", fontsize=9)  # fmt: skip
    ax.text(0.5, 0.17, "same architecture and start: it can copy its input, noise and all",
            ha="center", fontsize=9)  # fmt: skip


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
