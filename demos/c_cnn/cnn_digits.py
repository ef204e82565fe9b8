"""A small CNN trained live on handwritten digits (questions c.01, c.05, c.12, c.15).

The typical CNN of c.12 in miniature: two blocks of convolution → activation → pooling
extract feature maps, a flatten and a fully connected layer turn them into 10 class
logits, cross-entropy trains everything end to end (c.15, the MNIST recipe on 8×8
digits). Convolutions share one small kernel over all positions, so the layer has few
parameters and detects a pattern wherever it is (c.01).

Why the activation matters (c.05): without it, convolutions, average pooling and the
linear layer are all linear, so the whole stack is ONE affine map x ↦ Wx + b, no more
expressive than logistic regression on the pixels. A twin network with identity
activations and average pooling is trained on the same batches; the checks extract its
collapsed W with ``torch.func.jacrev`` and show it reproduces the network exactly, while
the ReLU network cannot be written that way.

Live: loss and held-out accuracy of both networks, the confusion matrix, the learned
first-layer filters and the feature maps of one digit, per-class accuracy.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, jacrev

from demos.lib.conv import conv_out_size
from demos.platform import (
    Check,
    Demo,
    Frame,
    RunContext,
    heatmap,
    histogram,
    picture,
)
from demos.platform.data import load_images
from demos.platform.figures import plot_history, save_figure, subplots


def build_cnn(size: int, channels: int, activation: str, pool: str, classes: int = 10):
    """conv3×3 → act → pool2 → conv3×3 → act → pool2 → flatten → linear."""
    act = {"relu": nn.ReLU, "tanh": nn.Tanh, "none": nn.Identity}[activation]
    pooling = nn.MaxPool2d if pool == "max" else nn.AvgPool2d
    side = conv_out_size(conv_out_size(size, 2, 0, 2), 2, 0, 2)  # two 2×2 poolings
    return nn.Sequential(
        nn.Conv2d(1, channels, 3, padding=1),
        act(),
        pooling(2),
        nn.Conv2d(channels, 2 * channels, 3, padding=1),
        act(),
        pooling(2),
        nn.Flatten(),
        nn.Linear(2 * channels * side * side, classes),
    )


def affine_collapse(net: Any, x: torch.Tensor) -> tuple[float, torch.Tensor]:
    """Fit f(x) ≈ W x + b with W = ∂f/∂x at 0 (jacrev), b = f(0); return the worst error."""
    params = {k: v.detach() for k, v in net.named_parameters()}

    def f(inp: torch.Tensor) -> torch.Tensor:
        return functional_call(net, params, (inp[None],))[0]  # (classes,)

    zero = torch.zeros_like(x[0])
    w = jacrev(f)(zero).reshape(-1, zero.numel())  # (classes, pixels)
    b = f(zero)
    with torch.no_grad():
        exact = net(x)
        affine = x.flatten(1) @ w.t() + b
    scale = exact.abs().max().clamp_min(1e-12)
    return ((exact - affine).abs().max() / scale).item(), w


class CNNDigits(Demo):
    floor: ClassVar[float] = 0.9

    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        data = load_images(p["data"])
        perm = ctx.rng().permutation(len(data.x))
        n_eval = min(1000, max(64, len(data.x) // 5))
        x = torch.from_numpy(data.x[perm])  # (N, 1, S, S)
        y = torch.from_numpy(data.y[perm])
        self.train_x, self.eval_x = x[n_eval:].to(ctx.device), x[:n_eval].to(ctx.device)
        self.train_y, self.eval_y = y[n_eval:].to(ctx.device), y[:n_eval].to(ctx.device)
        self.size = data.size
        # built on the CPU (seeded), then moved: the same start on every device
        self.net = build_cnn(data.size, p["channels"], p["activation"], p["pool"]).to(ctx.device)
        self.linear = build_cnn(data.size, p["channels"], "none", "avg").to(ctx.device)

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        p = ctx.params
        gen = torch.Generator().manual_seed(ctx.seed)
        x = torch.rand(16, 1, self.size, self.size, generator=gen, dtype=torch.float64)
        dev = torch.device("cpu") if ctx.device.type == "mps" else ctx.device
        x = x.to(dev)
        lin_err, w = affine_collapse(self.linear.to(dev, torch.float64), x)
        self.linear.to(ctx.device, torch.float32)
        main_linear = p["activation"] == "none" and p["pool"] == "avg"
        net_err, _ = affine_collapse(self.net.to(dev, torch.float64), x)
        self.net.to(ctx.device, torch.float32)
        ok = lin_err <= 1e-9 and (main_linear or net_err > 1e-3)
        yield Check(
            "linear-stack-collapses",
            bool(ok),
            f"no activation + avg-pool: f(x) == W x + b with W {tuple(w.shape)} from jacrev, "
            f"max rel. error {lin_err:.1e}; {p['activation']} + {p['pool']}-pool: "
            f"error {net_err:.2f} (must be > 1e-3 unless it is linear too)",
        )

        shapes, expect, side, c = [], [], self.size, 1
        h = torch.zeros(2, 1, self.size, self.size, device=ctx.device)
        with torch.no_grad():
            for layer in self.net:
                h = layer(h)
                shapes.append(tuple(h.shape[1:]))
        for conv in range(2):
            c = p["channels"] * (conv + 1)
            side = conv_out_size(side, 3, 1, 1)
            expect += [(c, side, side)] * 2
            side = conv_out_size(side, 2, 0, 2)
            expect.append((c, side, side))
        expect += [(c * side * side,), (10,)]
        c1, c2, flat = p["channels"], 2 * p["channels"], c * side * side
        formula = c1 * (9 + 1) + c2 * (c1 * 9 + 1) + 10 * (flat + 1)
        real = sum(t.numel() for t in self.net.parameters())
        yield Check(
            "layer-shapes-and-parameters",
            shapes == expect and formula == real,
            "shapes "
            + " → ".join("×".join(map(str, s)) for s in shapes)
            + f"; parameters {real} (formula {formula})",
        )

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        opt = torch.optim.Adam(self.net.parameters(), lr=p["lr"])
        opt_lin = torch.optim.Adam(self.linear.parameters(), lr=p["lr"])
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n = len(self.train_x)
        for step in range(ctx.total_steps):
            idx = torch.randint(0, n, (p["batch"],), device=ctx.device, generator=gen)
            x, y = self.train_x[idx], self.train_y[idx]
            loss = F.cross_entropy(self.net(x), y)
            lin_loss = F.cross_entropy(self.linear(x), y)
            for o, value in ((opt, loss), (opt_lin, lin_loss)):
                o.zero_grad(set_to_none=True)
                value.backward()
                o.step()
            if ctx.wants(step):
                yield self._frame(ctx, step, loss, lin_loss)

    def _frame(self, ctx: RunContext, step: int, loss, lin_loss) -> Frame:
        with torch.no_grad():
            pred = self.net(self.eval_x).argmax(1)
            lin_pred = self.linear(self.eval_x).argmax(1)
            confusion = torch.bincount(self.eval_y * 10 + pred, minlength=100).reshape(10, 10)
            per_class = confusion.diag() / confusion.sum(1).clamp_min(1)
            i = ctx.params["sample"] % len(self.eval_x)
            maps = self.net[1](self.net[0](self.eval_x[i : i + 1]))[0]  # (C, S, S)
        filters = self.net[0].weight.detach()[:, 0]  # (C, 3, 3)
        metrics = {
            "loss": loss.item(),
            "accuracy": (pred == self.eval_y).float().mean().item(),
            "linear_loss": lin_loss.item(),
            "linear_accuracy": (lin_pred == self.eval_y).float().mean().item(),
        }
        tiles = _tile(filters)
        map_tiles = _tile(maps)
        self.last = {
            "confusion": confusion.cpu(),
            "filters": tiles.cpu(),
            "maps": map_tiles.cpu(),
            "digit": self.eval_x[i, 0].cpu(),
            "label": int(self.eval_y[i]),
            "per_class": per_class.cpu(),
        }
        return Frame(
            step=step,
            metrics=metrics,
            pictures=[
                picture(f"held-out digit {i} (label {self.last['label']})", self.eval_x[i, 0])
            ],
            heatmaps=[
                heatmap("confusion matrix (held-out)", confusion.float(), "predicted", "true"),
                heatmap("first-layer 3×3 filters", tiles, "", ""),
                heatmap("feature maps after conv1 + activation", map_tiles, "", ""),
            ],
            histograms=[histogram("per-class accuracy", per_class, [str(c) for c in range(10)])],
        )

    def learned(self, ctx: RunContext) -> Check:
        acc = ctx.final.get("accuracy", math.nan)
        lin = ctx.final.get("linear_accuracy", math.nan)
        return Check(
            "learning",
            bool(acc >= self.floor),
            f"held-out accuracy {acc:.3f} (floor {self.floor}, chance 0.10); "
            f"the linear twin (one affine map) reaches {lin:.3f}",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist = ctx.history
        p = ctx.params
        fig, axes = subplots(2, 3, (13, 7.5))
        ax = axes[0, 0]
        plot_history(ax, hist, ["accuracy"], labels=[f"CNN ({p['activation']})"])
        plot_history(ax, hist, ["linear_accuracy"], labels=["linear twin"])
        ax.set(title="held-out accuracy", xlabel="step", ylim=(0, 1.02))
        ax.legend()
        ax = axes[0, 1]
        plot_history(ax, hist, ["loss"], labels=[f"CNN ({p['activation']})"])
        plot_history(ax, hist, ["linear_loss"], labels=["linear twin"])
        ax.set(title="training loss", xlabel="step", yscale="log")
        ax.legend()
        ax = axes[0, 2]
        ax.imshow(self.last["confusion"].numpy(), cmap="Blues")
        for (r, c), v in _cells(self.last["confusion"]):
            ax.text(c, r, str(v), ha="center", va="center", fontsize=7)
        ax.set(title="confusion matrix", xlabel="predicted", ylabel="true")
        axes[1, 0].imshow(self.last["digit"].numpy(), cmap="gray")
        axes[1, 0].set_title(f"held-out digit (label {self.last['label']})")
        axes[1, 1].imshow(self.last["filters"].numpy(), cmap="coolwarm")
        axes[1, 1].set_title("learned first-layer filters")
        axes[1, 2].imshow(self.last["maps"].numpy(), cmap="viridis")
        axes[1, 2].set_title("its feature maps (conv1 + activation)")
        for a in axes[1]:
            a.axis("off")
        title = f"cnn-digits on {p['data']} ({ctx.total_steps} steps, {ctx.device})"
        return [save_figure(out_dir, "cnn-digits", fig, title=title, dpi=100)]


def _tile(maps: torch.Tensor, cols: int = 4) -> torch.Tensor:
    """(n, h, w) → a grid of `cols` columns with NaN gaps (blank in the pictures)."""
    n, h, w = maps.shape
    rows = math.ceil(n / cols)
    canvas = torch.full((rows * (h + 1) - 1, cols * (w + 1) - 1), math.nan, device=maps.device)
    for k in range(n):
        r, c = divmod(k, cols)
        canvas[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = maps[k]
    return canvas


def _cells(matrix: torch.Tensor):
    for r in range(matrix.shape[0]):
        for c in range(matrix.shape[1]):
            yield (r, c), int(matrix[r, c])
