"""Face swap with autoencoders: one shared encoder, one decoder per identity (question e.14).

Faces are replaced by digits written in two styles: domain A is the digits as they are,
domain B the same kind of digits drawn in another style (bold strokes, or blurred).
The two domains are trained from *disjoint* sets of images, so the model never sees a
digit in both styles. Two autoencoders share one encoder object ``E`` and have private
decoders ``D_A`` and ``D_B``:

    loss = ‖x_A − D_A(E(warp(x_A)))‖² + ‖x_B − D_B(E(warp(x_B)))‖²

where ``warp`` (off by default) shifts the input by up to one pixel, as FaceSwap warps its
faces so that each branch is a denoising autoencoder whose decoder must draw rather than
copy; on 8×8 digits one pixel is a large distortion and costs swap quality. Because ``E``
serves both decoders, it learns a style-free code of *which digit and how it is shaped*;
each decoder renders that code in its own style. The swap ``D_B(E(x_A))`` draws an A
digit in B's style, and since the style is a known function here, the swap can be scored
against the truth ``style_B(x_A)``, which training never saw.

A control pair of autoencoders with private encoders is trained on the same batches: its
two latent spaces are unrelated, and its swap ``D_B'(E_A'(x_A))`` fails. Live: both
reconstructions, the swap of the shared model next to the truth and the control's swap,
and the swap errors over training.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from demos.lib.autoencoders import build_mlp, recon_error, split
from demos.lib.images import decimal_comma, diagram, label_montage, montage, small, thin
from demos.platform import Bilingual, Check, Demo, Frame, RunContext, histogram, picture
from demos.platform.data import load_images
from demos.platform.figures import animation, plot_history, plt, save_figure


def style_b(x: torch.Tensor, style: str) -> torch.Tensor:
    """Domain B's look: strokes grown by one pixel at half strength, or a 3×3 blur."""
    if style == "blurred":
        return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
    grown = F.max_pool2d(x, 3, stride=1, padding=1)  # every stroke one pixel wider
    return (0.5 * grown + 0.5 * x).clamp(0, 1)


def warp(x: torch.Tensor, gen: Any) -> torch.Tensor:
    """Shift each image by −1, 0 or +1 pixel in x and y (FaceSwap's random warp, in small)."""
    b, _, s, _ = x.shape
    padded = F.pad(x, (1, 1, 1, 1))  # (B, 1, S+2, S+2)
    dy, dx = torch.randint(0, 3, (2, b), device=x.device, generator=gen)
    rows = (dy[:, None] + torch.arange(s, device=x.device)[None])[:, :, None]  # (B, S, 1)
    cols = (dx[:, None] + torch.arange(s, device=x.device)[None])[:, None, :]  # (B, 1, S)
    batch = torch.arange(b, device=x.device)[:, None, None]
    return padded[batch, 0, rows, cols][:, None]  # (B, 1, S, S)


def build_faceswap(size: int, hidden: int, latent: int) -> Any:
    """ModuleDict: a shared encoder and two private decoders, plus the two autoencoders as
    Sequentials that hold the *same* encoder object."""
    encoder, decoder_a = build_mlp(size, hidden, latent)
    _, decoder_b = build_mlp(size, hidden, latent)
    return nn.ModuleDict(
        {
            "encoder": encoder,
            "decoder_a": decoder_a,
            "decoder_b": decoder_b,
            "ae_a": nn.Sequential(encoder, decoder_a),
            "ae_b": nn.Sequential(encoder, decoder_b),
        }
    )


class FaceSwap(Demo):
    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        data = load_images(p["data"])
        self.size = data.size
        train_x, _, self.eval_x, _ = split(ctx, data)
        half = len(train_x) // 2  # disjoint images: no digit is seen in both styles
        self.train_a = train_x[:half]
        self.train_b = style_b(train_x[half:], p["style"])
        self.eval_b = style_b(self.eval_x, p["style"])
        self.var_a, self.var_b = self.eval_x.var().item(), self.eval_b.var().item()
        self.model = build_faceswap(self.size, p["hidden"], p["latent"]).to(ctx.device)
        self.snapshots: dict[int, dict[str, Any]] = {}
        self.control = None
        if p["control"]:
            self.control = build_faceswap(self.size, p["hidden"], p["latent"]).to(ctx.device)
            # private encoders: the B branch gets its own copy of the encoder
            enc_b, _ = build_mlp(self.size, p["hidden"], p["latent"])
            self.control["encoder_b"] = enc_b.to(ctx.device)
            self.control["ae_b"] = torch.nn.Sequential(
                self.control["encoder_b"], self.control["decoder_b"]
            )

    # -- checks ---------------------------------------------------------------------

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        x_a, x_b = self.train_a[:32], self.train_b[:32]
        ok, detail = shared_encoder_check(self.model, x_a, x_b)
        yield Check("encoder-shared", ok, detail)
        ok, detail = disjoint_decoders_check(self.model)
        yield Check("decoders-disjoint", ok, detail)
        if self.control is not None:
            ok, detail = shared_encoder_check(self.control, x_a, x_b)
            yield Check(
                "control-has-private-encoders",
                not ok,
                "control pair: " + detail.split(";")[0],
            )

    # -- training -------------------------------------------------------------------

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        models = [self.model] + ([self.control] if self.control is not None else [])
        # .parameters() of a ModuleDict lists a shared module once
        opt = torch.optim.Adam([w for m in models for w in m.parameters()], lr=p["lr"])
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n_a, n_b = len(self.train_a), len(self.train_b)
        for step in range(ctx.total_steps):
            ia = torch.randint(0, n_a, (p["batch"],), device=ctx.device, generator=gen)
            ib = torch.randint(0, n_b, (p["batch"],), device=ctx.device, generator=gen)
            x_a, x_b = self.train_a[ia], self.train_b[ib]  # (B, 1, S, S) each
            in_a = warp(x_a, gen) if p["warp"] else x_a
            in_b = warp(x_b, gen) if p["warp"] else x_b
            total = loss = pair_loss(self.model, in_a, in_b, x_a, x_b)
            if self.control is not None:
                total = total + pair_loss(self.control, in_a, in_b, x_a, x_b)
            opt.zero_grad(set_to_none=True)
            total.backward()
            opt.step()
            if ctx.wants(step):
                yield self._frame(ctx, step, loss.item())
        return self.caption(ctx)

    def _frame(self, ctx: RunContext, step: int, loss: float) -> Frame:
        m, x_a, truth = self.model, self.eval_x, self.eval_b
        with torch.no_grad():
            recon_a = m["ae_a"](x_a)
            swapped = m["decoder_b"](m["encoder"](x_a))  # the face swap: D_B(E(x_A))
            metrics = {
                "loss": loss,
                "recon_a": recon_error(recon_a, x_a).mean().item() / self.var_a,
                "recon_b": recon_error(m["ae_b"](truth), truth).mean().item() / self.var_b,
                "swap": recon_error(swapped, truth).mean().item() / self.var_b,
            }
            n = 10 if self.size <= 8 else 6
            rows = [x_a[:n], recon_a[:n], swapped[:n], truth[:n]]
            if self.control is not None:
                c = self.control
                control_swap = c["decoder_b"](c["encoder"](x_a))  # encoder of A, decoder of B
                metrics["control_swap"] = recon_error(control_swap, truth).mean().item()
                metrics["control_swap"] /= self.var_b
                rows.append(control_swap[:n])
            pictures = montage(torch.cat([small(r) for r in rows]), n)
            k = max(1, n // 2)
            b_rows = [self.train_b[:k], m["ae_b"](self.train_b[:k])]
            domain_b = montage(torch.cat([small(r) for r in b_rows]), k)
        self.last = {"pictures": pictures.cpu(), "domain_b": domain_b.cpu()}
        if ctx.should_record(step):
            self.snapshots[step] = {"pictures": pictures.cpu(), "metrics": dict(metrics)}
        names = ["shared encoder"] + (["private encoders"] if self.control is not None else [])
        bars = [metrics["swap"]] + ([metrics["control_swap"]] if self.control is not None else [])
        rows_title = "rows: x_A / D_A(E(x_A)) / swap D_B(E(x_A)) / true B style" + (
            " / private-encoder swap" if self.control is not None else ""
        )
        return Frame(
            step=step,
            metrics=metrics,
            pictures=[
                picture(rows_title, pictures, key="swap"),
                picture("domain B (training images) / D_B(E(x_B))", domain_b, key="domain-b"),
            ],
            histograms=[histogram("swap error vs truth / variance", bars, names, key="swap-error")],
        )

    # -- judgement, caption and figures --------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        start = ctx.history[0]["swap"] if ctx.history else math.nan
        swap, control = f.get("swap", math.nan), f.get("control_swap")
        ok = swap <= 0.5 and swap <= 0.5 * start
        detail = (
            f"swap D_B(E(x_A)) vs the true restyling, error/variance {start:.3f} -> {swap:.3f} "
            f"(needs <= 0.5, and <= 0.5 x start; 1.0 = drawing the mean B digit)"
        )
        if control is not None:
            ok = ok and swap <= 0.6 * control
            detail += f"; private encoders: {control:.3f} (shared needs <= 0.6 x that)"
        return Check("learning", bool(ok), detail)

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, filled from this run's numbers."""
        f, style = ctx.final, ctx.params["style"]
        style_it = {"bold": "in grassetto", "blurred": "sfocato"}[style]
        en = (
            f"One encoder serves both decoders, so its code holds which digit and how it is "
            f"shaped, not the style: D_B(E(x_A)) redraws held-out A digits in the {style} style "
            f"with error {f['swap']:.2f} of the variance against the true restyling, which "
            "training never saw."
        )
        it = (
            f"Un solo encoder serve entrambi i decoder, quindi il suo codice dice quale cifra e "
            f"con che forma, non lo stile: D_B(E(x_A)) ridisegna le cifre A di test nello stile "
            f"{style_it} con errore {f['swap']:.2f} della varianza rispetto al vero "
            "ridisegno, mai visto in addestramento."
        )
        if "control_swap" in f:
            en += (
                f" With private encoders (same batches) the two codes are unrelated and the swap "
                f"fails: {f['control_swap']:.2f}."
            )
            it += (
                f" Con encoder separati (stessi batch) i due codici non hanno relazione e lo "
                f"scambio fallisce: {f['control_swap']:.2f}."
            )
        return Bilingual(en=en, it=decimal_comma(it))

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, p, last = ctx.history, ctx.params, self.last
        control = self.control is not None
        fig = plt.figure(figsize=(19, 12.5))
        grid = fig.add_gridspec(2, 3, height_ratios=(1, 1.35))
        ax = fig.add_subplot(grid[0, 0])
        plot_history(ax, hist, ["swap"], labels=["shared encoder: D_B(E(x_A))"], color="C0")
        if control:
            plot_history(ax, hist, ["control_swap"], styles=["--"],
                         labels=["private encoders: D_B(E_A(x_A))"], color="C3")  # fmt: skip
        ax.axhline(1.0, color="grey", ls=":", label="1.0: drawing the mean B digit")
        ax.set(title="swap error vs the true B style / variance", ylabel="error / variance",
               ylim=(0, None))  # fmt: skip
        ax.legend(fontsize=9)
        ax = fig.add_subplot(grid[0, 1])
        plot_history(ax, hist, ["recon_a"], labels=["A: D_A(E(x_A))"], color="C2")
        plot_history(ax, hist, ["recon_b"], styles=["-."], labels=["B: D_B(E(x_B))"], color="C4")
        ax.set_yscale("log")
        ax.set(title="held-out reconstruction / variance (shared model)", ylabel="error / variance")
        ax.legend()
        _schematic(fig.add_subplot(grid[0, 2]), p["style"], p["latent"])
        sub = grid[1, :].subgridspec(1, 2, width_ratios=(2.1, 1))
        tile = min(self.size, 14)
        ax = fig.add_subplot(sub[0])
        ax.imshow(last["pictures"].numpy(), cmap="gray", vmin=0, vmax=1)
        names = ["x_A (held-out)", "D_A(E(x_A))", "swap D_B(E(x_A))", f"truth: {p['style']}(x_A)"]
        label_montage(ax, tile, names + (["private-encoder swap"] if control else []), fontsize=11)
        ax.set_title("domain A → B: the swap next to the true restyling (never seen in training)")
        ax = fig.add_subplot(sub[1])
        ax.imshow(last["domain_b"].numpy(), cmap="gray", vmin=0, vmax=1)
        label_montage(ax, tile, ["x_B (training)", "D_B(E(x_B))"], fontsize=10)
        ax.set_title(f"domain B: other digits, {p['style']} style")
        title = (
            f"Face swap on {p['data']}: style B = {p['style']}, shared code of {p['latent']}, "
            f"warp {p['warp']}, {ctx.total_steps} steps on {ctx.device}"
            + ("; control: two private encoders, same batches" if control else "")
        )
        fig.suptitle(title, fontsize=14, y=1.01)
        words = self.caption(ctx)
        paths = [save_figure(out_dir, "faceswap", fig, caption=f"{words.en}\n{words.it}")]
        paths.append(self._animation(out_dir))
        return paths

    def _animation(self, out_dir: Path) -> Path:
        """The swap row over training, next to the truth and the private-encoder control."""
        steps = thin(self.snapshots, 30)
        fig = plt.figure(figsize=(8, 4.6))
        ax = fig.add_axes((0.25, 0.03, 0.73, 0.8))
        first = self.snapshots[steps[0]]
        tiles = ax.imshow(first["pictures"].numpy(), cmap="gray", vmin=0, vmax=1)
        names = ["x_A", "D_A(E(x_A))", "swap D_B(E(x_A))", "true B style"]
        label_montage(ax, min(self.size, 14), names + (["private swap"] if self.control else []))
        head = fig.suptitle("")

        def update(i: int) -> None:
            snap = self.snapshots[steps[i]]
            tiles.set_data(snap["pictures"].numpy())
            m = snap["metrics"]
            text = f"step {steps[i]}: swap error {m['swap']:.2f}"
            if "control_swap" in m:
                text += f", private encoders {m['control_swap']:.2f}"
            head.set_text(text)

        return animation(
            out_dir, "faceswap", fig, update, len(steps), fps=4, dpi=80, untrained_bands=True
        )


def _schematic(ax, style: str, latent: int) -> None:
    """e.14: one encoder, two decoders; the swap sends A's code to B's decoder."""
    diagram(
        ax,
        {
            "xa": (0.08, 0.82, "x_A"),
            "xb": (0.08, 0.42, "x_B"),
            "enc": (0.31, 0.62, "shared\nencoder E"),
            "z": (0.5, 0.62, f"code z\n({latent})"),
            "da": (0.71, 0.82, "decoder D_A"),
            "db": (0.71, 0.42, "decoder D_B"),
            "oa": (0.94, 0.82, "x̂_A"),
            "ob": (0.94, 0.42, "x̂_B"),
        },
        [
            ("xa", "enc", ""),
            ("xb", "enc", ""),
            ("enc", "z", ""),
            ("z", "da", ""),
            ("z", "db", ""),
            ("da", "oa", ""),
            ("db", "ob", ""),
        ],
        colors={"enc": "#fde0c5", "da": "#d6e6f5", "db": "#e4d6f5"},
        fontsize=10,
        title="e.14: the FaceSwap design",
    )
    ax.text(
        0.5,
        0.1,
        "train: x_A → E → D_A ≈ x_A,  x_B → E → D_B ≈ x_B\n"
        f"swap:  x_A → E → D_B  = A's digit in the {style} style",
        ha="center",
        va="center",
        fontsize=10,
        family="monospace",
    )


def pair_loss(model: Any, in_a, in_b, x_a, x_b) -> torch.Tensor:
    """Both reconstruction losses; each branch sees a warped input and its clean target."""
    return (
        recon_error(model["ae_a"](in_a), x_a).mean() + recon_error(model["ae_b"](in_b), x_b).mean()
    )


# --- checks as functions (the tests feed them broken models) ---------------------------


def _touched(loss: torch.Tensor, module: Any) -> float:
    params = list(module.parameters())
    grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
    return sum(g.abs().sum().item() for g in grads if g is not None)


def shared_encoder_check(model: Any, x_a: torch.Tensor, x_b: torch.Tensor) -> tuple[bool, str]:
    """Both autoencoders hold the same encoder object, and both losses train it."""
    enc = model["encoder"]
    same = model["ae_a"][0] is enc and model["ae_b"][0] is enc
    loss_a = recon_error(model["ae_a"](x_a), x_a).mean()
    loss_b = recon_error(model["ae_b"](x_b), x_b).mean()
    ga, gb = _touched(loss_a, enc), _touched(loss_b, enc)
    ok = same and ga > 0 and gb > 0
    return ok, (
        f"ae_a and ae_b hold the same encoder object: {same}; gradient on that encoder "
        f"from loss A {ga:.2e}, from loss B {gb:.2e}"
    )


def disjoint_decoders_check(model: Any) -> tuple[bool, str]:
    """No tensor in common between D_A and D_B; each loss trains only its own decoder."""
    dec_a, dec_b = model["decoder_a"], model["decoder_b"]
    ptr_a = {w.data_ptr() for w in dec_a.parameters()}
    ptr_b = {w.data_ptr() for w in dec_b.parameters()}
    common = len(ptr_a & ptr_b)
    counts = {k: sum(w.numel() for w in model[k].parameters()) for k in ("encoder", "decoder_a")}
    counts["decoder_b"] = sum(w.numel() for w in dec_b.parameters())
    total = sum(w.numel() for w in model.parameters())  # shared modules counted once
    z = torch.randn(4, dec_a[0].in_features, device=next(dec_a.parameters()).device)
    cross = _touched(dec_a(z).sum(), dec_b) + _touched(dec_b(z).sum(), dec_a)
    ok = common == 0 and cross == 0 and total == sum(counts.values()) and dec_a is not dec_b
    return ok, (
        f"{common} shared tensors between D_A and D_B; cross gradient {cross:.1e}; "
        f"parameters: encoder {counts['encoder']} + D_A {counts['decoder_a']} + D_B "
        f"{counts['decoder_b']} = model total {total}"
    )
