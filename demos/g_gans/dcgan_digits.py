"""DCGAN on handwritten digits, with the DCGAN recipe spelled out (questions g.08, g.09).

The generator grows a 1×1 noise map into an image with transposed convolutions
(8×8 digits: 1 → 2 → 4 → 8; MNIST 28×28: 1 → 7 → 14 → 28), BatchNorm and ReLU inside and
tanh at the output, so real pixels are rescaled to [−1, 1]. The discriminator mirrors it
with stride-2 convolutions and LeakyReLU(0.2) — no pooling, no hidden fully connected
layer, no BatchNorm on the input layer — ending in one logit. Every convolution weight is
drawn from N(0, 0.02²), BatchNorm scales from N(1, 0.02²), biases start at 0; two Adam
optimisers with β1 = 0.5. Each iteration is one D step (real → 1, G(z).detach() → 0)
and one G step with the non-saturating loss; the steps are the same functions as in
``gan-2d``.

GAN losses say little about quality (g.08), so a fixed digit classifier, trained once
before the GAN, judges the samples of a fixed noise batch: its mean confidence, how many
classes it sees (mode collapse shows up as a few), and the "digit score"
exp(E_x KL(p(y|x) ‖ p(y))), an Inception-score analogue between 1 and 10.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

from demos.lib.gan import (
    build_discriminator,
    build_generator,
    check_classifier,
    check_d_step,
    check_init,
    d_step,
    dcgan_init,
    g_step,
    judge,
    signed_split,
    to_unit,
    train_classifier,
)
from demos.lib.images import montage
from demos.platform import (
    Check,
    Demo,
    Frame,
    RunContext,
    heatmap,
    histogram,
    picture,
)
from demos.platform.figures import plot_history, save_figure, subplots

# --- the DCGAN pieces (shared with acgan-digits) --------------------------------------


# --- checks ---------------------------------------------------------------------------


def check_architecture(g_net, d_net, inputs: int, size: int, device) -> Check:
    """Per-layer sizes == the (transposed) convolution formulas; no pooling; tanh range."""
    problems: list[str] = []
    sizes: list[str] = []

    def hook(module, args, out) -> None:
        h_in = args[0].shape[-1]
        k, s, p = module.kernel_size[0], module.stride[0], module.padding[0]
        if isinstance(module, nn.ConvTranspose2d):
            expected = (h_in - 1) * s - 2 * p + k + module.output_padding[0]
        else:
            expected = (h_in + 2 * p - k) // s + 1
        sizes.append(f"{h_in}→{out.shape[-1]}")
        if out.shape[-1] != expected:
            problems.append(f"{type(module).__name__} {h_in}→{out.shape[-1]}, formula {expected}")

    handles = [
        m.register_forward_hook(hook)
        for net in (g_net, d_net)
        for m in net.modules()
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))
    ]
    pools = [
        type(m).__name__
        for net in (g_net, d_net)
        for m in net.modules()
        if isinstance(m, (nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd))
    ]
    try:
        with torch.no_grad():
            fake = g_net(torch.randn(4, inputs, 1, 1, device=device))
            logits = d_net(fake)
    finally:
        for h in handles:
            h.remove()
    if tuple(fake.shape) != (4, 1, size, size):
        problems.append(f"G output {tuple(fake.shape)}")
    if fake.abs().max().item() > 1.0:
        problems.append("G output outside [-1, 1]")
    if logits.dim() != 2 or logits.shape[0] != 4:
        problems.append(f"D output {tuple(logits.shape)}")
    problems += [f"pooling layer {p}" for p in pools]
    return Check(
        "conv-shapes-no-pooling",
        not problems,
        f"sizes {', '.join(sizes)} (G then D) match ⌊(H+2P−K)/S⌋+1 and (H−1)S−2P+K; "
        f"D output {tuple(logits.shape)}; pooling layers: {len(pools)}"
        + (f"; problems: {'; '.join(problems)}" if problems else ""),
    )


class DCGANDigits(Demo):
    # -- setup ------------------------------------------------------------------

    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        self.size, (self.train_x, self.train_y), (self.eval_x, self.eval_y) = signed_split(ctx)
        # parameters drawn on the CPU so that a seed gives the same start on every device
        self.g_net = build_generator(p["noise_dim"], p["hidden"], self.size)
        self.d_net = build_discriminator(p["hidden"], self.size)
        if p["init"]:
            self.g_net.apply(dcgan_init)
            self.d_net.apply(dcgan_init)
        self.g_net.to(ctx.device)
        self.d_net.to(ctx.device)
        gen = torch.Generator().manual_seed(ctx.seed + 7)
        self.fixed_z = torch.randn(256, p["noise_dim"], 1, 1, generator=gen).to(ctx.device)
        self.fixture_z = torch.randn(16, p["noise_dim"], 1, 1, generator=gen).to(ctx.device)
        self.clf = train_classifier(self.train_x, self.train_y, p["clf_steps"], ctx.seed + 11)

    # -- checks -----------------------------------------------------------------

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        yield check_init(self.g_net, self.d_net)
        yield check_architecture(
            self.g_net, self.d_net, ctx.params["noise_dim"], self.size, ctx.device
        )
        yield check_classifier(self.clf, self.eval_x, self.eval_y)
        yield check_d_step(
            d_step, self.d_net, self.g_net, self.train_x[:16], self.fixture_z, ctx.params["smooth"]
        )

    # -- training ---------------------------------------------------------------

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        betas = (p["beta1"], 0.999)
        opt_g = torch.optim.Adam(self.g_net.parameters(), lr=p["lr"], betas=betas)
        opt_d = torch.optim.Adam(self.d_net.parameters(), lr=p["lr"], betas=betas)
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n, b, dev = len(self.train_x), p["batch"], ctx.device
        self.snapshots: dict[str, Any] = {}
        for step in range(ctx.total_steps):
            real = self.train_x[torch.randint(0, n, (b,), device=dev, generator=gen)]
            z = torch.randn(b, p["noise_dim"], 1, 1, device=dev, generator=gen)
            loss_d = d_step(self.d_net, self.g_net, opt_d, real, z, p["smooth"])
            z = torch.randn(b, p["noise_dim"], 1, 1, device=dev, generator=gen)
            loss_g = g_step(self.d_net, self.g_net, opt_g, z, "nonsat")
            if ctx.wants(step):
                yield self._frame(ctx, step, loss_d, loss_g)

    def _frame(self, ctx: RunContext, step: int, loss_d, loss_g) -> Frame:
        self.g_net.eval()
        self.d_net.eval()
        with torch.no_grad():
            fake = self.g_net(self.fixed_z)  # (256, 1, S, S)
            d_real = torch.sigmoid(self.d_net(self.eval_x[:256])).mean().item()
            d_fake = torch.sigmoid(self.d_net(fake)).mean().item()
            seen = judge(self.clf, fake)
        self.g_net.train()
        self.d_net.train()
        shown = montage(to_unit(fake[:24, 0]), 8)
        metrics = {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "d_real": d_real,
            "d_fake": d_fake,
            "confidence": seen["confidence"],
            "digit_score": seen["score"],
            "classes": float(seen["classes"]),
        }
        key = "first" if step == 0 else "last" if step >= ctx.total_steps - 1 else None
        if (
            key is None
            and ctx.should_record(step)  # a fixed step, not whichever frame came first
            and step >= ctx.total_steps // 4
            and "early" not in self.snapshots
        ):
            key = "early"
        if key:
            self.snapshots[key] = {"step": step, "grid": shown.cpu(), "counts": seen["counts"]}
        frame = Frame(
            step=step,
            metrics=metrics,
            pictures=[picture("G(fixed z): 24 samples, same noise every frame", shown)],
            heatmaps=[heatmap("fixed classifier p(y|G(z)), first 12 samples", seen["probs"][:12])],
            histograms=[
                histogram(
                    f"digits the classifier sees in 256 samples ({seen['classes']} classes)",
                    seen["counts"],
                    [str(i) for i in range(10)],
                )
            ],
        )
        if step == 0:
            frame.pictures.append(picture("real digits", montage(to_unit(self.eval_x[:24, 0]), 8)))
        return frame

    # -- judgement and figures ---------------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        start = ctx.history[0] if ctx.history else {}
        c0, c1 = start.get("confidence", math.nan), ctx.final.get("confidence", math.nan)
        s1, k = ctx.final.get("digit_score", math.nan), ctx.final.get("classes", math.nan)
        ok = c1 >= c0 + 0.2 and c1 >= 0.6 and s1 >= 3.0 and k >= 6
        return Check(
            "learning",
            bool(ok),
            f"fixed classifier's confidence on G(fixed z) {c0:.3f} -> {c1:.3f} "
            f"(needs +0.2 and >= 0.6); digit score {start.get('digit_score', math.nan):.2f} "
            f"-> {s1:.2f} (needs >= 3); classes seen {k:.0f}/10 (needs >= 6)",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist = ctx.history
        with torch.no_grad():
            real_conf = judge(self.clf, self.eval_x)["confidence"]
        fig, axes = subplots(2, 3, (14, 7))
        ax = axes[0, 0]
        plot_history(ax, hist, ["loss_d"], labels=["L_D"])
        plot_history(ax, hist, ["loss_g"], labels=["L_G (non-saturating)"])
        ax.set(title="losses (not a measure of quality)", xlabel="step")
        ax.legend()
        ax = axes[0, 1]
        plot_history(ax, hist, ["confidence"], labels=["confidence on G(fixed z)"])
        ax.axhline(real_conf, color="grey", ls=":", label="confidence on real digits")
        plot_history(ax, hist, ["d_real"], labels=["mean D(real)"], alpha=0.6)
        plot_history(ax, hist, ["d_fake"], labels=["mean D(G(z))"], alpha=0.6)
        ax.set(title="the fixed classifier and D", xlabel="step", ylim=(0, 1.02))
        ax.legend(fontsize=8)
        ax = axes[0, 2]
        plot_history(ax, hist, ["digit_score"], labels=["digit score"])
        plot_history(ax, hist, ["classes"], labels=["classes seen"])
        ax.set(title="diversity (10 = all digits, evenly)", xlabel="step", ylim=(0, 10.5))
        ax.legend()
        for ax, key in zip(axes[1], ("first", "early", "last"), strict=True):
            snap = self.snapshots.get(key)
            ax.axis("off")
            if snap is not None:
                ax.imshow(snap["grid"].numpy(), cmap="gray", vmin=0, vmax=1)
                ax.set_title(f"G(fixed z) at step {snap['step']}")
        title = (
            f"DCGAN on {ctx.params['data']}: {ctx.total_steps} steps, lr {ctx.params['lr']:g}, "
            f"beta1 {ctx.params['beta1']:g}, "
            f"init {'N(0, 0.02)' if ctx.params['init'] else 'default'}, {ctx.device}"
        )
        return [save_figure(out_dir, "dcgan-digits", fig, title=title, dpi=100)]
