"""ACGAN on digits: pick the class, vary the noise (questions g.07, g.10).

The generator takes noise z and a class c: a learned embedding of c is multiplied into z
(``inject=mul``) or concatenated with it (``inject=concat``), and the DCGAN generator of
``dcgan-digits`` draws G(z, c). The discriminator sees only the image and has two heads on
one body: the source logit (real or fake) and the auxiliary classifier (10 class logits).
With λ the weight of the class term (g.10):

    L_S = BCE(source(x), 1) + BCE(source(G(z, c)), 0)
    L_C = CE(classes(x), y) + CE(classes(G(z, c)), c)
    D minimises L_S + λ·L_C                      (G(z, c) detached)
    G minimises BCE(source(G(z, c)), 1) + λ·CE(classes(G(z, c)), c)

Both networks want the class to be recognisable (they cooperate on L_C) and compete on
real vs fake. Live: a grid with one row per class and one column per noise vector (a
column keeps z fixed: the style should stay, the digit should change), the auxiliary
head's confusion matrix on fresh fakes, its accuracy on real and fake images, an
independent fixed classifier's agreement with c, and the spread of the samples within a
class relative to real digits (too small = the class has eaten the noise).

The contrast is a twin from the same weights, on the same batches, noise and classes,
trained with λ = 0: nothing rewards it for using c, and its rows come out as whatever
digit the noise gives (agreement with c at chance), while its samples stay varied.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from demos.lib.gan import (
    build_discriminator,
    build_generator,
    check_classifier,
    check_init,
    dcgan_init,
    signed_split,
    to_unit,
    train_classifier,
)
from demos.lib.images import decimal_comma, label_montage, montage, thin
from demos.platform import Bilingual, Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.figures import animation, image_panel, plot_history, plt, save_figure

CLASSES = 10
AGREE_LEAD = 0.4  # λ must beat the λ = 0 twin's agreement with c by this much


class CondGenerator:
    """G(z, c): the class embedding mixed into the noise, then a DCGAN generator."""

    def __init__(self, noise_dim: int, hidden: int, size: int, inject: str):
        self.inject = inject
        self.embed = nn.Embedding(CLASSES, noise_dim if inject == "mul" else CLASSES)
        inputs = noise_dim if inject == "mul" else noise_dim + CLASSES
        self.net = build_generator(inputs, hidden, size)
        self.net.apply(dcgan_init)

    def __call__(self, z: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        e = self.embed(c)  # (B, E)
        h = z * e if self.inject == "mul" else torch.cat([z, e], dim=1)
        return self.net(h[:, :, None, None])  # (B, 1, S, S)

    def parameters(self) -> list[Any]:
        return [*self.embed.parameters(), *self.net.parameters()]

    def to(self, device) -> CondGenerator:
        self.embed.to(device)
        self.net.to(device)
        return self

    def train(self, mode: bool = True) -> None:
        self.net.train(mode)

    def double(self) -> CondGenerator:
        other = copy.deepcopy(self)
        other.embed.double()
        other.net.double()
        return other


def split(logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The discriminator's two heads: source logit (B, 1) and class logits (B, 10)."""
    return logits[:, :1], logits[:, 1:]


def acgan_d_loss(d_net, real, labels, fake, fake_labels, weight: float) -> torch.Tensor:
    """L_S + λ·L_C on real images (their labels) and fakes (the conditioning labels)."""
    src_r, cls_r = split(d_net(real))
    src_f, cls_f = split(d_net(fake))
    source = F.binary_cross_entropy_with_logits(
        src_r, torch.ones_like(src_r)
    ) + F.binary_cross_entropy_with_logits(src_f, torch.zeros_like(src_f))
    classes = F.cross_entropy(cls_r, labels) + F.cross_entropy(cls_f, fake_labels)
    return source + weight * classes


def acgan_g_loss(d_net, fake, fake_labels, weight: float) -> torch.Tensor:
    """Fool the source head (non-saturating) and make c recognisable: + λ·CE."""
    src, cls = split(d_net(fake))
    return F.binary_cross_entropy_with_logits(src, torch.ones_like(src)) + weight * F.cross_entropy(
        cls, fake_labels
    )


def check_losses(d_fn: Callable, g_fn: Callable, d_net, real, labels, fake, c, weight) -> Check:
    """The demo's losses == log σ and log-softmax written out, and == nn's BCE + CE."""
    d = copy.deepcopy(d_net).double()
    real, fake = real.double(), fake.double()
    with torch.no_grad():
        src_r, cls_r = split(d(real))
        src_f, cls_f = split(d(fake))

        def log_softmax_at(logits, target):  # log p(c|x) = a_c − log Σ_j exp(a_j)
            return logits.gather(1, target[:, None])[:, 0] - torch.log(torch.exp(logits).sum(1))

        def log_sig(a):  # log σ(a) = −log(1 + e^(−a))
            return -torch.log1p(torch.exp(-a))

        l_s = -(log_sig(src_r).mean() + (log_sig(src_f) - src_f).mean())  # log(1−σ) = logσ − a
        l_c = -(log_softmax_at(cls_r, labels).mean() + log_softmax_at(cls_f, c).mean())
        hand_d = l_s + weight * l_c
        hand_g = -log_sig(src_f).mean() - weight * log_softmax_at(cls_f, c).mean()
        bce, ce = nn.BCEWithLogitsLoss(), nn.CrossEntropyLoss()
        ref_d = (
            bce(src_r, torch.ones_like(src_r))
            + bce(src_f, torch.zeros_like(src_f))
            + weight * (ce(cls_r, labels) + ce(cls_f, c))
        )
        demo_d = d_fn(d, real, labels, fake, c, weight)
        demo_g = g_fn(d, fake, c, weight)
    gaps = {
        "L_D demo−hand": abs(demo_d.item() - hand_d.item()),
        "L_D nn−hand": abs(ref_d.item() - hand_d.item()),
        "L_G demo−hand": abs(demo_g.item() - hand_g.item()),
    }
    return Check(
        "acgan-losses",
        max(gaps.values()) < 1e-9,
        f"L_D = L_S + λL_C = {hand_d.item():.5f}, L_G = {hand_g.item():.5f} (λ = {weight:g}); "
        + ", ".join(f"|{k}| {v:.1e}" for k, v in gaps.items()),
    )


def check_conditioning(g_net: CondGenerator, z: torch.Tensor) -> Check:
    """c is really an input: G(z, 3) ≠ G(z, 7), and only the used embedding rows learn."""
    g = g_net.double()
    g.train(False)
    z = z.double()
    half = len(z) // 2
    c = torch.tensor([3] * half + [7] * (len(z) - half), device=z.device)
    out = g(z, c)
    (grad,) = torch.autograd.grad(out.pow(2).sum(), [g.embed.weight])
    rows = sorted(int(i) for i in (grad.abs().sum(1) > 0).nonzero().flatten())
    with torch.no_grad():
        swap = g(z, 10 - c)  # 3 ↔ 7 with the same noise
    change = (swap - out).abs().mean().item()
    ok = rows == [3, 7] and change > 1e-4
    return Check(
        "class-conditioning",
        bool(ok),
        f"embedding rows with a gradient: {rows} (classes in the batch: [3, 7]); "
        f"swapping 3 ↔ 7 at fixed z changes G's pixels by {change:.2e} on average",
    )


class ACGANDigits(Demo):
    # -- setup ------------------------------------------------------------------

    def setup(self, ctx: RunContext) -> None:
        p = self.params = ctx.params
        self.size, (self.train_x, self.train_y), (self.eval_x, self.eval_y) = signed_split(ctx)
        # parameters drawn on the CPU so that a seed gives the same start on every device
        self.g_net = CondGenerator(p["noise_dim"], p["hidden"], self.size, p["inject"])
        self.d_net = build_discriminator(p["hidden"], self.size, outputs=1 + CLASSES)
        self.d_net.apply(dcgan_init)
        self.g_net.to(ctx.device)
        self.d_net.to(ctx.device)
        gen = torch.Generator().manual_seed(ctx.seed + 7)
        # evaluation: every class with the same 30 noise vectors
        z = torch.randn(30, p["noise_dim"], generator=gen)
        self.eval_z = z.repeat(CLASSES, 1).to(ctx.device)  # (300, Z), class-major
        self.eval_c = torch.arange(CLASSES).repeat_interleave(30).to(ctx.device)  # (300,)
        self.fixture_z = torch.randn(16, p["noise_dim"], generator=gen).to(ctx.device)
        self.clf = train_classifier(self.train_x, self.train_y, p["clf_steps"], ctx.seed + 11)
        self.real_spread = self._spread(self.eval_x, self.eval_y)
        self.twin: tuple[CondGenerator, Any] | None = None
        if p["contrast"]:  # the same weights, trained with λ = 0: no class loss at all
            self.twin = (copy.deepcopy(self.g_net), copy.deepcopy(self.d_net))
        self.snapshots: dict[int, dict[str, Any]] = {}

    @staticmethod
    def _spread(x: torch.Tensor, y: torch.Tensor) -> float:
        """Mean distance of images to their class mean (averaged over classes present)."""
        flat = x.flatten(1)
        spreads = [
            (flat[y == k] - flat[y == k].mean(0)).norm(dim=1).mean()
            for k in range(CLASSES)
            if (y == k).sum() > 1
        ]
        return float(sum(s.item() for s in spreads) / len(spreads))

    # -- checks -----------------------------------------------------------------

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        p = ctx.params
        yield check_init(self.g_net.net, self.d_net)
        yield check_classifier(self.clf, self.eval_x, self.eval_y)
        c = torch.arange(16, device=ctx.device) % CLASSES
        with torch.no_grad():
            fake = self.g_net(self.fixture_z, c)
        yield check_losses(
            acgan_d_loss,
            acgan_g_loss,
            self.d_net,
            self.train_x[:16],
            self.train_y[:16],
            fake,
            c,
            p["weight"],
        )
        yield check_conditioning(self.g_net, self.fixture_z)

    # -- training ---------------------------------------------------------------

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        betas = (p["beta1"], 0.999)
        pairs = [(self.g_net, self.d_net, p["weight"])]
        if self.twin is not None:
            pairs.append((*self.twin, 0.0))
        opts = [
            (
                torch.optim.Adam(g.parameters(), lr=p["lr"], betas=betas),
                torch.optim.Adam(d.parameters(), lr=p["lr"], betas=betas),
            )
            for g, d, _ in pairs
        ]
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n, b, dev = len(self.train_x), p["batch"], ctx.device
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (b,), device=dev, generator=gen)
            z = torch.randn(b, p["noise_dim"], device=dev, generator=gen)
            c = torch.randint(0, CLASSES, (b,), device=dev, generator=gen)  # uniform classes
            losses = []
            for (g_net, d_net, lam), (opt_g, opt_d) in zip(pairs, opts, strict=True):
                fake = g_net(z, c)  # the same batch, noise and classes for both
                loss_d = acgan_d_loss(
                    d_net, self.train_x[idx], self.train_y[idx], fake.detach(), c, lam
                )
                opt_d.zero_grad(set_to_none=True)
                loss_d.backward()
                opt_d.step()
                loss_g = acgan_g_loss(d_net, fake, c, lam)
                opt_g.zero_grad(set_to_none=True)
                loss_g.backward()
                opt_g.step()
                losses.append((loss_d, loss_g))
            if ctx.wants(step):
                yield self._frame(ctx, step, *losses[0])
        return self.caption(ctx)

    def _look(self, g_net: CondGenerator, d_net: Any, tau: float) -> dict[str, Any]:
        """Fakes for every class from the same noise, and what the heads and the judge see."""
        g_net.train(False)
        d_net.eval()
        with torch.no_grad():
            fake = g_net(self.eval_z, self.eval_c)  # (300, 1, S, S)
            _, cls_f = split(d_net(fake))
            _, cls_r = split(d_net(self.eval_x[:300]))
            pairs = self.eval_c * CLASSES + cls_f.argmax(1)  # (300,) row c, column prediction
            confusion = torch.bincount(pairs, minlength=CLASSES * CLASSES).float()
            confusion = confusion.view(CLASSES, CLASSES)  # (10, 10)
            agree = self.clf(fake).argmax(1) == self.eval_c  # (300,)
            grid_c = torch.arange(CLASSES, device=fake.device).repeat_interleave(8)  # (80,)
            shown = g_net(self.eval_z[:8].repeat(CLASSES, 1) * tau, grid_c)
        g_net.train(True)
        d_net.train()
        return {
            "aux_fake": (cls_f.argmax(1) == self.eval_c).float().mean().item(),
            "aux_real": (cls_r.argmax(1) == self.eval_y[:300]).float().mean().item(),
            "confusion": confusion,
            "agree": agree.float().mean().item(),
            "per_class": agree.float().view(CLASSES, -1).mean(1),  # (10,)
            "spread": self._spread(fake, self.eval_c) / self.real_spread,
            "grid": montage(to_unit(shown[:, 0]), 8),
        }

    def _frame(self, ctx: RunContext, step: int, loss_d, loss_g) -> Frame:
        tau = ctx.params["truncation"]
        main = self._look(self.g_net, self.d_net, tau)
        metrics = {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "aux_real": main["aux_real"],
            "aux_fake": main["aux_fake"],
            "clf_agree": main["agree"],
            "diversity": main["spread"],
        }
        frame = Frame(
            step=step,
            metrics=metrics,
            pictures=[
                picture(f"row = class 0..9, column = same z (x{tau:g})", main["grid"], key="grid")
            ],
            heatmaps=[
                heatmap(
                    "auxiliary head on fakes: c (rows) vs predicted",
                    main["confusion"],
                    "pred",
                    "c",
                    key="confusion",
                    vmin=0,
                )
            ],
            histograms=[
                histogram(
                    "independent classifier agrees with c, per class",
                    main["per_class"],
                    [str(k) for k in range(CLASSES)],
                    key="per-class",
                )
            ],
        )
        snap: dict[str, Any] = {
            "grid": main["grid"].cpu(),
            "confusion": (main["confusion"] / main["confusion"].sum(1, keepdim=True)).cpu(),
            "per_class": main["per_class"].cpu(),
        }
        if self.twin is not None:
            twin = self._look(*self.twin, tau)
            metrics.update(
                twin_aux_fake=twin["aux_fake"],
                twin_clf_agree=twin["agree"],
                twin_diversity=twin["spread"],
            )
            frame.pictures.append(
                picture("λ = 0 twin: the same grid (class ignored)", twin["grid"], key="twin-grid")
            )
            snap.update(twin_grid=twin["grid"].cpu(), twin_per_class=twin["per_class"].cpu())
        if ctx.should_record(step):
            self.snapshots[step] = {**snap, "metrics": dict(metrics)}
        return frame

    # -- judgement, caption and figures ------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        aux, agree = f.get("aux_fake", math.nan), f.get("clf_agree", math.nan)
        spread = f.get("diversity", math.nan)
        floor = 0.8
        ok = aux >= floor and agree >= 0.5
        detail = (
            f"auxiliary head recovers c on fresh fakes: {aux:.3f} (floor {floor}, chance 0.1); "
            f"independent classifier agrees with c: {agree:.3f} (floor 0.5); within-class "
            f"spread {spread:.2f} x real digits'"
        )
        if self.twin is not None:
            twin = f.get("twin_clf_agree", math.nan)
            ok = ok and agree - twin >= AGREE_LEAD
            detail += (
                f"; the λ = 0 twin's samples agree with c {twin:.3f} of the time (λ = "
                f"{ctx.params['weight']:g} needs a lead of {AGREE_LEAD:g})"
            )
        return Check("learning", bool(ok), detail)

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, filled from this run's numbers."""
        f, p = ctx.final, ctx.params
        en = (
            f"Each row of the grid asks for one class and each column keeps one noise vector: "
            f"with the class loss weighted λ = {p['weight']:g} an independent classifier reads "
            f"the asked digit in {f['clf_agree']:.0%} of the samples (the auxiliary head "
            f"{f['aux_fake']:.0%}), while the noise still varies the style (within-class spread "
            f"{f['diversity']:.2f} x the real digits')."
        )
        it = (
            f"Ogni riga della griglia chiede una classe e ogni colonna tiene fisso un vettore di "
            f"rumore: con la loss di classe pesata λ = {p['weight']:g} un classificatore "
            f"indipendente legge la cifra chiesta nel {f['clf_agree']:.0%} dei campioni (la "
            f"testa ausiliaria nel {f['aux_fake']:.0%}), mentre il rumore fa ancora variare lo "
            f"stile (dispersione nella classe {f['diversity']:.2f} volte quella delle cifre vere)."
        )
        if "twin_clf_agree" in f:
            en += (
                f" The λ = 0 twin, same start and batches, gets no reason to use c: its samples "
                f"match the asked class {f['twin_clf_agree']:.0%} of the time (chance 10%)."
            )
            it += (
                f" Il gemello con λ = 0, stessa partenza e stessi batch, non ha motivo di usare "
                f"c: i suoi campioni corrispondono alla classe chiesta nel "
                f"{f['twin_clf_agree']:.0%} dei casi (caso 10%)."
            )
        return Bilingual(en=en, it=decimal_comma(it))

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, p = ctx.history, ctx.params
        twin = self.twin is not None
        fig = plt.figure(figsize=(21, 15.5))
        grid = fig.add_gridspec(2, 4, height_ratios=(1, 1.9))
        ax = fig.add_subplot(grid[0, 0])
        plot_history(ax, hist, ["loss_d"], labels=["L_D = L_S + λL_C"], color="C0")
        plot_history(
            ax, hist, ["loss_g"], styles=["--"], labels=["L_G = BCE(fake→1) + λL_C"], color="C1"
        )
        ax.set(title=f"losses (λ = {p['weight']:g})", ylabel="loss")
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, 1])
        plot_history(
            ax,
            hist,
            ["clf_agree"],
            labels=[f"independent classifier, λ = {p['weight']:g}"],
            color="C0",
            lw=2,
        )
        plot_history(
            ax, hist, ["aux_fake"], styles=["-."], labels=["aux head on G(z, c)"], color="C2"
        )
        plot_history(
            ax, hist, ["aux_real"], styles=[":"], labels=["aux head on real digits"], color="C2"
        )
        if twin:
            plot_history(
                ax,
                hist,
                ["twin_clf_agree"],
                styles=["--"],
                labels=["independent classifier, λ = 0 twin"],
                color="C3",
            )
        ax.axhline(0.1, color="grey", ls=":", label="chance 0.1")
        ax.set(title="is the asked class recognisable?", ylim=(0, 1.02), ylabel="accuracy")
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, 2])
        plot_history(ax, hist, ["diversity"], labels=[f"λ = {p['weight']:g}"], color="C0")
        if twin:
            plot_history(
                ax, hist, ["twin_diversity"], styles=["--"], labels=["λ = 0 twin"], color="C3"
            )
        ax.axhline(1.0, color="grey", ls=":", label="real digits")
        ax.set(
            title="within-class spread of G(z, c) / real digits'",
            ylabel="spread ratio",
            ylim=(0, None),
        )
        ax.legend(fontsize=8)
        last = self.snapshots[max(self.snapshots)]
        ax = fig.add_subplot(grid[0, 3])
        image_panel(fig, ax, last["confusion"].numpy(), cmap="viridis", vmin=0, vmax=1,
                    title="aux head on fakes (rows: asked c)")  # fmt: skip
        ax.set(xlabel="predicted class", ylabel="c")
        ax.set_xticks(range(CLASSES))
        ax.set_yticks(range(CLASSES))

        steps = sorted(self.snapshots)
        early = next((s for s in steps if s >= ctx.total_steps // 4), steps[-1])
        panels = [(self.snapshots[early]["grid"], f"λ = {p['weight']:g}, step {early}"),
                  (last["grid"], f"λ = {p['weight']:g}, step {steps[-1]}")]  # fmt: skip
        if twin:
            panels.append((last["twin_grid"], f"λ = 0 twin, step {steps[-1]}: c ignored"))
        tile = min(self.size, 14)
        sub = grid[1, :].subgridspec(1, 4, width_ratios=(1, 1, 1, 0.75))
        for col, (img, title) in enumerate(panels):
            ax = fig.add_subplot(sub[col])
            ax.imshow(img.numpy(), cmap="gray", vmin=0, vmax=1)
            label_montage(
                ax, tile, [f"c = {k}" for k in range(CLASSES)], [f"z{j + 1}" for j in range(8)]
            )
            ax.set_title(title + "\nrows: asked class, columns: the same z", fontsize=11)
        ax = fig.add_subplot(sub[3])
        width = 0.4 if twin else 0.8
        at = np.arange(CLASSES)
        ax.barh(
            at - (width / 2 if twin else 0),
            last["per_class"].numpy(),
            width,
            color="C0",
            label=f"λ = {p['weight']:g}",
        )
        if twin:
            ax.barh(
                at + width / 2, last["twin_per_class"].numpy(), width, color="C3", label="λ = 0"
            )
        ax.axvline(0.1, color="grey", ls=":", label="chance")
        ax.set(
            title="independent classifier agrees\nwith c, per class",
            xlim=(0, 1),
            xlabel="share of samples",
            ylabel="c",
        )
        ax.set_yticks(range(CLASSES))
        ax.invert_yaxis()
        ax.legend(fontsize=8, loc="lower right")
        title = (
            f"ACGAN on {p['data']}: {ctx.total_steps} steps, λ = {p['weight']:g}, inject "
            f"{p['inject']}, truncation {p['truncation']:g}, {ctx.device}"
            + ("; twin: same start and batches, λ = 0" if twin else "")
        )
        fig.suptitle(title, fontsize=14, y=1.01)
        words = self.caption(ctx)
        paths = [save_figure(out_dir, "acgan-digits", fig, caption=f"{words.en}\n{words.it}")]
        paths.append(self._animation(out_dir))
        return paths

    def _animation(self, out_dir: Path) -> Path:
        """The class × noise grid over training, with λ and with λ = 0."""
        steps = thin(self.snapshots, 30)
        names = [("grid", "", f"λ = {self.params['weight']:g}")]
        if self.twin is not None:
            names.append(("twin_grid", "twin_", "λ = 0 twin"))
        fig, axes = plt.subplots(1, len(names), figsize=(4.3 * len(names), 5.2), squeeze=False)
        fig.subplots_adjust(left=0.07, right=0.99, top=0.86, bottom=0.02, wspace=0.12)
        first = self.snapshots[steps[0]]
        tiles = []
        for ax, (key, _, _) in zip(axes[0], names, strict=True):
            tiles.append(ax.imshow(first[key].numpy(), cmap="gray", vmin=0, vmax=1))
            label_montage(ax, min(self.size, 14), [str(k) for k in range(CLASSES)], fontsize=8)
        head = fig.suptitle("")

        def update(i: int) -> None:
            snap = self.snapshots[steps[i]]
            m = snap["metrics"]
            head.set_text(f"row = asked class, column = same z; step {steps[i]}")
            for ax, img, (key, pre, who) in zip(axes[0], tiles, names, strict=True):
                img.set_data(snap[key].numpy())
                ax.set_title(f"{who}: classifier agrees {m[pre + 'clf_agree']:.0%}", fontsize=10)

        return animation(out_dir, "acgan-digits", fig, update, len(steps), fps=4, dpi=80)
