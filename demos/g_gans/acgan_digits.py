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
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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
from demos.lib.images import montage
from demos.platform import Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.figures import plot_history, save_figure, subplots

CLASSES = 10


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
        p = ctx.params
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
        opt_g = torch.optim.Adam(self.g_net.parameters(), lr=p["lr"], betas=betas)
        opt_d = torch.optim.Adam(self.d_net.parameters(), lr=p["lr"], betas=betas)
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n, b, dev, lam = len(self.train_x), p["batch"], ctx.device, p["weight"]
        self.snapshots: dict[str, Any] = {}
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (b,), device=dev, generator=gen)
            z = torch.randn(b, p["noise_dim"], device=dev, generator=gen)
            c = torch.randint(0, CLASSES, (b,), device=dev, generator=gen)  # uniform classes
            fake = self.g_net(z, c)
            loss_d = acgan_d_loss(
                self.d_net, self.train_x[idx], self.train_y[idx], fake.detach(), c, lam
            )
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            loss_g = acgan_g_loss(self.d_net, fake, c, lam)
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            if ctx.wants(step):
                yield self._frame(ctx, step, loss_d, loss_g)

    def _frame(self, ctx: RunContext, step: int, loss_d, loss_g) -> Frame:
        tau = ctx.params["truncation"]
        self.g_net.train(False)
        self.d_net.eval()
        with torch.no_grad():
            fake = self.g_net(self.eval_z, self.eval_c)  # (300, 1, S, S)
            _, cls_f = split(self.d_net(fake))
            _, cls_r = split(self.d_net(self.eval_x[:300]))
            aux_fake = (cls_f.argmax(1) == self.eval_c).float().mean().item()
            aux_real = (cls_r.argmax(1) == self.eval_y[:300]).float().mean().item()
            pairs = self.eval_c * CLASSES + cls_f.argmax(1)  # (300,) row c, column prediction
            confusion = torch.bincount(pairs, minlength=CLASSES * CLASSES).float()
            confusion = confusion.view(CLASSES, CLASSES)  # (10, 10)
            agree = self.clf(fake).argmax(1) == self.eval_c  # (300,)
            per_class = agree.float().view(CLASSES, -1).mean(1)  # (10,)
            spread = self._spread(fake, self.eval_c) / self.real_spread
            grid_c = torch.arange(CLASSES, device=fake.device).repeat_interleave(8)  # (80,)
            shown = self.g_net(self.eval_z[:8].repeat(CLASSES, 1) * tau, grid_c)
        self.g_net.train(True)
        self.d_net.train()
        grid = montage(to_unit(shown[:, 0]), 8)
        metrics = {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "aux_real": aux_real,
            "aux_fake": aux_fake,
            "clf_agree": agree.float().mean().item(),
            "diversity": spread,
        }
        key = "first" if step == 0 else "last" if step >= ctx.total_steps - 1 else None
        if key:
            self.snapshots[key] = {
                "step": step,
                "grid": grid.cpu(),
                "confusion": (confusion / confusion.sum(1, keepdim=True)).cpu(),
                "per_class": per_class.cpu(),
            }
        return Frame(
            step=step,
            metrics=metrics,
            pictures=[picture(f"row = class 0..9, column = same z (x{tau:g})", grid)],
            heatmaps=[
                heatmap("auxiliary head on fakes: c (rows) vs predicted", confusion, "pred", "c")
            ],
            histograms=[
                histogram(
                    "independent classifier agrees with c, per class",
                    per_class,
                    [str(k) for k in range(CLASSES)],
                )
            ],
        )

    # -- judgement and figures ---------------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        aux, agree = f.get("aux_fake", math.nan), f.get("clf_agree", math.nan)
        spread = f.get("diversity", math.nan)
        floor = 0.8
        ok = aux >= floor and agree >= 0.5
        return Check(
            "learning",
            bool(ok),
            f"auxiliary head recovers c on fresh fakes: {aux:.3f} (floor {floor}, chance 0.1); "
            f"independent classifier agrees with c: {agree:.3f} (floor 0.5); within-class "
            f"spread {spread:.2f} x real digits'",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist = ctx.history
        fig, axes = subplots(2, 3, (14, 8.5))
        ax = axes[0, 0]
        plot_history(ax, hist, ["loss_d"], labels=["L_D = L_S + λL_C"])
        plot_history(ax, hist, ["loss_g"], labels=["L_G = BCE(fake→1) + λL_C"])
        ax.set(title=f"losses (λ = {ctx.params['weight']:g})", xlabel="step")
        ax.legend()
        ax = axes[0, 1]
        plot_history(ax, hist, ["aux_fake"], labels=["aux head on G(z, c)"])
        plot_history(ax, hist, ["aux_real"], labels=["aux head on real digits"])
        plot_history(ax, hist, ["clf_agree"], labels=["independent classifier on G(z, c)"])
        ax.axhline(0.1, color="grey", ls=":", label="chance")
        ax.set(title="is the class recognisable?", xlabel="step", ylim=(0, 1.02))
        ax.legend(fontsize=8)
        ax = axes[0, 2]
        plot_history(ax, hist, ["diversity"])
        ax.axhline(1.0, color="grey", ls=":", label="real digits")
        ax.set(title="within-class spread of G(z, c) / real", xlabel="step")
        ax.legend()
        last = self.snapshots["last"]
        ax = axes[1, 0]
        im = ax.imshow(last["confusion"].numpy(), cmap="viridis", vmin=0, vmax=1)
        ax.set(title="aux head on fakes (rows: c)", xlabel="predicted class", ylabel="c")
        fig.colorbar(im, ax=ax, fraction=0.046)
        for ax, key in ((axes[1, 1], "first"), (axes[1, 2], "last")):
            ax.imshow(self.snapshots[key]["grid"].numpy(), cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"step {self.snapshots[key]['step']}: rows = class, columns = same z")
            ax.set_yticks([k * (self.size + 1) + self.size / 2 for k in range(CLASSES)])
            ax.set_yticklabels([str(k) for k in range(CLASSES)])
            ax.set_xticks([])
        title = (
            f"ACGAN on {ctx.params['data']}: {ctx.total_steps} steps, inject "
            f"{ctx.params['inject']}, truncation {ctx.params['truncation']:g}, {ctx.device}"
        )
        return [save_figure(out_dir, "acgan-digits", fig, title=title, dpi=100)]
