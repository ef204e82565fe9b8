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

The contrast is a twin without the recipe, trained on the same batches and noise: the
same layers without BatchNorm, PyTorch's default initialisation and Adam's default
β1 = 0.9. Its samples collapse onto one or a few digits (a digit score near 1). The
quick mode trains with lr 2e-3 so that 200 steps suffice; the recipe's 2e-4 is the
default.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
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
from demos.lib.images import count, decimal_comma, diagram, label_montage, montage, thin
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
from demos.platform.figures import animation, integer_ticks, plot_history, plt, save_figure

TWIN_BETA1 = 0.9  # the twin's Adam β1: PyTorch's default, not the recipe's 0.5
SCORE_LEAD = 1.0  # the recipe's digit score must beat the twin's by this much

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
        self.twin: tuple[Any, Any] | None = None
        if p["contrast"]:  # the same networks without the recipe: no BatchNorm, default init
            g = build_generator(p["noise_dim"], p["hidden"], self.size, batchnorm=False)
            d = build_discriminator(p["hidden"], self.size, batchnorm=False)
            self.twin = (g.to(ctx.device), d.to(ctx.device))
        gen = torch.Generator().manual_seed(ctx.seed + 7)
        self.fixed_z = torch.randn(256, p["noise_dim"], 1, 1, generator=gen).to(ctx.device)
        self.fixture_z = torch.randn(16, p["noise_dim"], 1, 1, generator=gen).to(ctx.device)
        self.clf = train_classifier(self.train_x, self.train_y, p["clf_steps"], ctx.seed + 11)
        self.snapshots: dict[int, dict[str, Any]] = {}

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
        nets = [(self.g_net, self.d_net, p["beta1"])]
        if self.twin is not None:
            nets.append((*self.twin, TWIN_BETA1))
        opts = [
            (
                torch.optim.Adam(g.parameters(), lr=p["lr"], betas=(beta1, 0.999)),
                torch.optim.Adam(d.parameters(), lr=p["lr"], betas=(beta1, 0.999)),
            )
            for g, d, beta1 in nets
        ]
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n, b, dev = len(self.train_x), p["batch"], ctx.device
        for step in range(ctx.total_steps):
            real = self.train_x[torch.randint(0, n, (b,), device=dev, generator=gen)]
            z = torch.randn(b, p["noise_dim"], 1, 1, device=dev, generator=gen)
            z_g = torch.randn(b, p["noise_dim"], 1, 1, device=dev, generator=gen)
            losses = []
            for (g, d, _), (opt_g, opt_d) in zip(nets, opts, strict=True):  # same batches
                loss_d = d_step(d, g, opt_d, real, z, p["smooth"])
                losses.append((loss_d, g_step(d, g, opt_g, z_g, "nonsat")))
            if ctx.wants(step):
                yield self._frame(ctx, step, losses)
        return self.caption(ctx)

    def _look(self, g_net: Any, d_net: Any) -> dict[str, Any]:
        """G(fixed z) in eval mode and what D and the fixed classifier make of it."""
        g_net.eval()
        d_net.eval()
        with torch.no_grad():
            fake = g_net(self.fixed_z)  # (256, 1, S, S)
            d_real = torch.sigmoid(d_net(self.eval_x[:256])).mean().item()
            d_fake = torch.sigmoid(d_net(fake)).mean().item()
            seen = judge(self.clf, fake)
        g_net.train()
        d_net.train()
        return {"fake": fake, "d_real": d_real, "d_fake": d_fake, **seen}

    def _frame(self, ctx: RunContext, step: int, losses: list) -> Frame:
        (loss_d, loss_g) = losses[0]
        main = self._look(self.g_net, self.d_net)
        shown = montage(to_unit(main["fake"][:24, 0]), 6)
        metrics = {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "d_real": main["d_real"],
            "d_fake": main["d_fake"],
            "confidence": main["confidence"],
            "digit_score": main["score"],
            "classes": float(main["classes"]),
        }
        frame = Frame(
            step=step,
            metrics=metrics,
            pictures=[
                picture("G(fixed z): 24 samples, same noise every frame", shown, key="samples")
            ],
            heatmaps=[
                heatmap(
                    "fixed classifier p(y|G(z)), first 12 samples",
                    main["probs"][:12],
                    "digit",
                    "sample",
                    key="probs",
                    vmin=0,
                    vmax=1,
                )
            ],
            histograms=[
                histogram(
                    f"digits the classifier sees in 256 samples ({main['classes']} classes)",
                    main["counts"],
                    [str(i) for i in range(10)],
                    key="classes",
                )
            ],
        )
        snap: dict[str, Any] = {"grid": shown.cpu(), "counts": main["counts"].cpu()}
        if self.twin is not None:
            twin = self._look(*self.twin)
            metrics.update(
                twin_loss_d=losses[1][0].item(),
                twin_loss_g=losses[1][1].item(),
                twin_d_fake=twin["d_fake"],
                twin_confidence=twin["confidence"],
                twin_digit_score=twin["score"],
                twin_classes=float(twin["classes"]),
            )
            twin_shown = montage(to_unit(twin["fake"][:24, 0]), 6)
            frame.pictures.append(
                picture(
                    "without the recipe (default init, no BN, β1 0.9): G(same z)",
                    twin_shown,
                    key="twin-samples",
                )
            )
            snap.update(twin_grid=twin_shown.cpu(), twin_counts=twin["counts"].cpu())
        if step == 0:
            frame.pictures.append(
                picture("real digits", montage(to_unit(self.eval_x[:24, 0]), 8), key="real")
            )
        if ctx.should_record(step):
            self.snapshots[step] = {**snap, "metrics": dict(metrics)}
        return frame

    # -- judgement, caption and figures ------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        start = ctx.history[0] if ctx.history else {}
        c0, c1 = start.get("confidence", math.nan), ctx.final.get("confidence", math.nan)
        s1, k = ctx.final.get("digit_score", math.nan), ctx.final.get("classes", math.nan)
        ok = c1 >= c0 + 0.2 and c1 >= 0.6 and s1 >= 3.0 and k >= 6
        detail = (
            f"fixed classifier's confidence on G(fixed z) {c0:.3f} -> {c1:.3f} "
            f"(needs +0.2 and >= 0.6); digit score {start.get('digit_score', math.nan):.2f} "
            f"-> {s1:.2f} (needs >= 3); classes seen {k:.0f}/10 (needs >= 6)"
        )
        if self.twin is not None:
            t = ctx.final.get("twin_digit_score", math.nan)
            ok = ok and s1 - t >= SCORE_LEAD
            detail += (
                f"; the twin without the recipe reaches digit score {t:.2f} with "
                f"{ctx.final.get('twin_classes', math.nan):.0f} classes (the recipe needs a "
                f"lead of {SCORE_LEAD:g})"
            )
        return Check("learning", bool(ok), detail)

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, filled from this run's numbers."""
        f, p = ctx.final, ctx.params
        en = (
            f"With the DCGAN recipe (N(0, 0.02) init, BatchNorm, Adam β1 = {p['beta1']:g}) the "
            f"samples of one fixed noise batch turn into digits a fixed classifier reads as "
            f"{count(f['classes'], 'class', 'different classes')} (digit score "
            f"{f['digit_score']:.1f} of 10, "
            f"confidence {f['confidence']:.2f}); the losses alone would not tell."
        )
        it = (
            f"Con la ricetta DCGAN (inizializzazione N(0; 0.02), BatchNorm, Adam β1 = "
            f"{p['beta1']:g}) i campioni di un batch di rumore fisso diventano cifre che un "
            f"classificatore fisso legge come {count(f['classes'], 'classe', 'classi diverse')} "
            "(punteggio "
            f"{f['digit_score']:.1f} su 10, confidenza {f['confidence']:.2f}); le loss da sole "
            "non lo direbbero."
        )
        if "twin_digit_score" in f:
            en += (
                f" The twin without it (PyTorch's default init, no BatchNorm, β1 = {TWIN_BETA1:g}"
                f"), same batches and noise, ends at digit score {f['twin_digit_score']:.1f} with "
                f"{count(f['twin_classes'], 'class', 'classes')}: its samples collapse."
            )
            it += (
                f" Il gemello senza ricetta (inizializzazione di default di PyTorch, niente "
                f"BatchNorm, β1 = {TWIN_BETA1:g}), stessi batch e stesso rumore, finisce a "
                f"punteggio {f['twin_digit_score']:.1f} con "
                f"{count(f['twin_classes'], 'classe', 'classi')}: i "
                "suoi campioni collassano."
            )
        return Bilingual(en=en, it=decimal_comma(it))

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, p = ctx.history, ctx.params
        twin = self.twin is not None
        with torch.no_grad():
            real_conf = judge(self.clf, self.eval_x)["confidence"]
        fig = plt.figure(figsize=(21, 15))
        grid = fig.add_gridspec(3, 4, height_ratios=(1, 1.25, 0.95))
        ax = fig.add_subplot(grid[0, 0])
        plot_history(ax, hist, ["loss_d"], labels=["recipe: L_D"], color="C0")
        plot_history(ax, hist, ["loss_g"], labels=["recipe: L_G"], color="C1")
        if twin:
            plot_history(
                ax, hist, ["twin_loss_d"], styles=["--"], labels=["no recipe: L_D"], color="C0"
            )
            plot_history(
                ax, hist, ["twin_loss_g"], styles=["--"], labels=["no recipe: L_G"], color="C1"
            )
        ax.set(title="losses (not a measure of quality)", ylabel="loss")
        ax.legend(fontsize=8)
        for col, (key, title, top, ref) in enumerate(
            (
                ("confidence", "fixed classifier's confidence on G(fixed z)", 1.02, real_conf),
                ("digit_score", "digit score exp E KL(p(y|x) ‖ p(y)) (1..10)", 10.5, None),
                ("classes", "classes the classifier sees (of 10)", 10.5, None),
            ),
            start=1,
        ):
            ax = fig.add_subplot(grid[0, col])
            plot_history(ax, hist, [key], labels=["DCGAN recipe"], color="C0", lw=2)
            if twin:
                plot_history(ax, hist, [f"twin_{key}"], styles=["--"], color="C3",
                             labels=["no recipe"])  # fmt: skip
            if ref is not None:
                ax.axhline(ref, color="grey", ls=":", label=f"on real digits ({ref:.2f})")
            ax.set(title=title, ylim=(0, top))
            if key == "classes":
                integer_ticks(ax, x=True, y=True)
            ax.legend(fontsize=8)

        steps = sorted(self.snapshots)
        early = next((s for s in steps if s >= ctx.total_steps // 4), steps[-1])
        tile = min(self.size, 14)
        panels = [
            (montage(to_unit(self.eval_x[:24, 0]), 6).cpu(), "real digits (held-out)"),
            (self.snapshots[early]["grid"], f"recipe, step {early}"),
            (self.snapshots[steps[-1]]["grid"], f"recipe, step {steps[-1]}"),
        ]
        if twin:
            panels.append((self.snapshots[steps[-1]]["twin_grid"], f"no recipe, step {steps[-1]}"))
        for col, (img, title) in enumerate(panels):
            ax = fig.add_subplot(grid[1, col])
            ax.imshow(img.numpy(), cmap="gray", vmin=0, vmax=1)
            label_montage(ax, tile)
            ax.set_title(title + (" (same z)" if col else ""))

        ax = fig.add_subplot(grid[2, 0])
        final = self.snapshots[steps[-1]]
        width = 0.4 if twin else 0.8
        at = np.arange(10)
        ax.bar(
            at - (width / 2 if twin else 0),
            final["counts"].numpy(),
            width,
            color="C0",
            label="recipe",
        )
        if twin:
            ax.bar(
                at + width / 2, final["twin_counts"].numpy(), width, color="C3", label="no recipe"
            )
        ax.set(title="what the classifier sees in 256 samples", xlabel="digit", ylabel="samples")
        integer_ticks(ax, x=True, y=True)
        ax.legend(fontsize=8)
        _schematic(fig.add_subplot(grid[2, 1:3]), p["noise_dim"], p["hidden"], self.size)
        ax = fig.add_subplot(grid[2, 3])
        ax.axis("off")
        rows = [
            ("", "recipe", "twin"),
            ("conv init", "N(0, 0.02)", "PyTorch default"),
            ("BatchNorm", "yes (not D's input)", "none"),
            ("Adam β1", f"{p['beta1']:g}", f"{TWIN_BETA1:g}"),
            ("lr, batch", f"{p['lr']:g}, {p['batch']}", "same"),
        ]
        table = ax.table(cellText=[list(r) for r in rows], loc="center", cellLoc="left")
        table.auto_set_font_size(False)
        table.set_fontsize(10)
        table.scale(1, 1.6)
        ax.set_title("g.09: the recipe, and what the twin lacks")
        title = (
            f"DCGAN on {p['data']}: {ctx.total_steps} steps, lr {p['lr']:g}, batch {p['batch']}, "
            f"{ctx.device}" + ("; twin: same batches and noise, without the recipe" if twin else "")
        )
        fig.suptitle(title, fontsize=14, y=1.01)
        words = self.caption(ctx)
        paths = [save_figure(out_dir, "dcgan-digits", fig, caption=f"{words.en}\n{words.it}")]
        paths.append(self._animation(out_dir))
        return paths

    def _animation(self, out_dir: Path) -> Path:
        """G(fixed z) over training, with the recipe and without it."""
        steps = thin(self.snapshots, 30)
        names = [("grid", "", "DCGAN recipe")]
        if self.twin is not None:
            names.append(("twin_grid", "twin_", "no recipe"))
        fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 4.0), squeeze=False)
        fig.subplots_adjust(left=0.02, right=0.98, top=0.74, bottom=0.02, wspace=0.08)
        first = self.snapshots[steps[0]]
        tiles = []
        for ax, (key, _, _) in zip(axes[0], names, strict=True):
            tiles.append(ax.imshow(first[key].numpy(), cmap="gray", vmin=0, vmax=1))
            ax.axis("off")
        head = fig.suptitle("")

        def update(i: int) -> None:
            snap = self.snapshots[steps[i]]
            m = snap["metrics"]
            head.set_text(f"G(fixed z), step {steps[i]}")
            for ax, img, (key, pre, who) in zip(axes[0], tiles, names, strict=True):
                img.set_data(snap[key].numpy())
                ax.set_title(
                    f"{who}: digit score {m[pre + 'digit_score']:.1f}, "
                    f"{count(m[pre + 'classes'], 'class', 'classes')}",
                    fontsize=10,
                )

        return animation(out_dir, "dcgan-digits", fig, update, len(steps), fps=4, dpi=80)


def _schematic(ax, noise: int, hidden: int, size: int) -> None:
    """g.09: the generator grows 1×1 noise into an image; the discriminator mirrors it."""
    diagram(
        ax,
        {
            "z": (0.06, 0.72, f"z\n{noise}×1×1"),
            "g1": (0.24, 0.72, f"ConvT+BN+ReLU\n{4 * hidden}×{size // 4}×{size // 4}"),
            "g2": (0.46, 0.72, f"ConvT+BN+ReLU\n{2 * hidden}×{size // 2}×{size // 2}"),
            "g3": (0.67, 0.72, f"ConvT+tanh\n1×{size}×{size}"),
            "d": (0.67, 0.25, "D: Conv s2 + LeakyReLU,\nConv s2 + BN + LeakyReLU,\nConv → 1 logit"),
            "p": (0.92, 0.25, "P(real)"),
        },
        [("z", "g1", ""), ("g1", "g2", ""), ("g2", "g3", ""), ("g3", "d", "G(z)"), ("d", "p", "")],
        colors={"g1": "#fde0c5", "g2": "#fde0c5", "g3": "#fde0c5", "d": "#d6e6f5"},
        fontsize=9.5,
        title="the DCGAN: no pooling, no hidden fully connected layer",
    )
