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

Live: loss and held-out accuracy of both networks, the confusion matrices, the learned
first-layer filters and the feature maps of one digit, per-class accuracy, and the
twin's collapsed map W drawn as ten 8×8 templates (one per class: the single linear
filter the whole stack amounts to). The learning criterion asks the CNN to beat its
linear twin by a margin. The GIF shows the templates and the first-layer filters
taking shape over training.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, jacrev

from demos.lib.conv import conv_out_size
from demos.lib.images import montage
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
from demos.platform.data import load_images
from demos.platform.figures import (
    animation,
    image_panel,
    plot_history,
    plt,
    save_figure,
)

GIF_FRAMES = 25


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


def linear_map(net: Any, pixels: int, side: int) -> torch.Tensor:
    """W of an affine network, f(e_j) − f(0) for every pixel j: (classes, pixels).

    Exact only when ``net`` is affine (the twin); cheap enough for every recorded step.
    """
    ref = next(net.parameters())
    basis = torch.eye(pixels, device=ref.device, dtype=ref.dtype).reshape(pixels, 1, side, side)
    with torch.no_grad():
        out = net(torch.cat([basis, torch.zeros_like(basis[:1])]))  # (pixels + 1, classes)
    return (out[:-1] - out[-1]).t()


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
    margin: ClassVar[float] = 0.03  # the CNN must beat its one-affine-map twin by this

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
        self.most = int(torch.bincount(self.eval_y, minlength=10).max())  # confusion scale

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
        self.snapshots: list[dict[str, Any]] = []
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
        self._collapse_at_end(ctx)
        self.caption = self._caption(ctx)
        return self.caption

    def _frame(self, ctx: RunContext, step: int, loss, lin_loss) -> Frame:
        with torch.no_grad():
            pred = self.net(self.eval_x).argmax(1)
            lin_pred = self.linear(self.eval_x).argmax(1)
            confusion = torch.bincount(self.eval_y * 10 + pred, minlength=100).reshape(10, 10)
            lin_conf = torch.bincount(self.eval_y * 10 + lin_pred, minlength=100).reshape(10, 10)
            per_class = confusion.diag() / confusion.sum(1).clamp_min(1)
            lin_class = lin_conf.diag() / lin_conf.sum(1).clamp_min(1)
            i = ctx.params["sample"] % len(self.eval_x)
            maps = self.net[1](self.net[0](self.eval_x[i : i + 1]))[0]  # (C, S, S)
            w = linear_map(self.linear, self.size * self.size, self.size)  # (10, pixels)
        templates = w.reshape(10, self.size, self.size)
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
            "lin_confusion": lin_conf.cpu(),
            "filters": filters.cpu(),
            "maps": maps.cpu(),
            "digit": self.eval_x[i, 0].cpu(),
            "label": int(self.eval_y[i]),
            "pred": int(pred[i]),
            "lin_pred": int(lin_pred[i]),
            "per_class": per_class.cpu(),
            "lin_class": lin_class.cpu(),
        }
        if ctx.should_record(step):  # the GIF picks among all records
            self.snapshots.append(
                {
                    "step": step,
                    "templates": templates.cpu(),
                    "filters": filters.cpu().clone(),
                    "accuracy": metrics["accuracy"],
                    "linear_accuracy": metrics["linear_accuracy"],
                }
            )
        top_w = max(float(templates.abs().max()), 1e-6)
        top_f = max(float(filters.abs().max()), 1e-6)
        return Frame(
            step=step,
            metrics=metrics,
            pictures=[
                picture(
                    f"held-out digit {i} (label {self.last['label']}; CNN says "
                    f"{self.last['pred']}, linear twin {self.last['lin_pred']})",
                    self.eval_x[i, 0],
                    key="digit",
                )
            ],
            heatmaps=[
                heatmap(
                    "CNN confusion matrix (held-out)",
                    confusion.float(),
                    "predicted",
                    "true",
                    key="confusion",
                    vmin=0.0,
                    vmax=float(self.most),
                ),
                heatmap(
                    "linear twin confusion matrix (same scale)",
                    lin_conf.float(),
                    "predicted",
                    "true",
                    key="linear-confusion",
                    vmin=0.0,
                    vmax=float(self.most),
                ),
                heatmap(
                    "the linear twin is ONE map W: its 10 class templates (0–9)",
                    montage(templates, cols=5, pad=0.0),
                    "",
                    "",
                    key="linear-w",
                    vmin=-top_w,
                    vmax=top_w,
                ),
                heatmap(
                    "first-layer 3×3 filters", tiles, "", "", key="filters", vmin=-top_f, vmax=top_f
                ),
                heatmap("feature maps after conv1 + activation", map_tiles, "", "", key="maps"),
            ],
            histograms=[
                histogram(
                    "per-class accuracy, CNN", per_class, [str(c) for c in range(10)], key="class"
                ),
                histogram(
                    "per-class accuracy, linear twin",
                    lin_class,
                    [str(c) for c in range(10)],
                    key="linear-class",
                ),
            ],
        )

    def _collapse_at_end(self, ctx: RunContext) -> None:
        """The trained twin as W x + b (jacrev, float64) and how far the CNN is from any W."""
        gen = torch.Generator().manual_seed(ctx.seed + 1)
        x = torch.rand(32, 1, self.size, self.size, generator=gen, dtype=torch.float64)
        twin = copy.deepcopy(self.linear).cpu().double()
        cnn = copy.deepcopy(self.net).cpu().double()
        self.lin_err, w = affine_collapse(twin, x)
        self.cnn_err, _ = affine_collapse(cnn, x)
        self.templates = w.reshape(10, self.size, self.size).float()

    def _caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, from the last record and the collapse at the end."""
        f = ctx.final
        acc, lin = f.get("accuracy", math.nan), f.get("linear_accuracy", math.nan)
        act = ctx.params["activation"]
        n_w = self.size * self.size * 10
        lead = 100 * (acc - lin)
        return Bilingual(
            en=(
                f"The CNN ({act}) classifies {acc:.1%} of held-out digits, its twin without "
                f"activations {lin:.1%} (chance 10%). The twin is one affine map: W x + b "
                f"reproduces it to {self.lin_err:.0e}, so its whole stack is the {n_w} "
                f"weights drawn as ten templates; the same construction misses the {act} CNN by "
                f"{self.cnn_err:.2f} (relative), and that non-linearity buys the {lead:.1f} "
                f"points."
            ),
            it=(
                f"La CNN ({act}) classifica {_it_pct(acc)} delle cifre di test, la sua gemella "
                f"senza attivazioni {_it_pct(lin)} (caso 10%). La gemella è una sola mappa "
                f"affine: W x + b la riproduce a meno di {self.lin_err:.0e}, quindi tutta la "
                f"sua pila si riduce ai {n_w} pesi disegnati come dieci modelli; la stessa "
                f"costruzione sbaglia la CNN con {act} di {_it_num(self.cnn_err)} (in termini "
                f"relativi), ed è questa non linearità a valere i {_it_num(lead, 1)} punti di "
                f"differenza."
            ),
        )

    def learned(self, ctx: RunContext) -> Check:
        acc = ctx.final.get("accuracy", math.nan)
        lin = ctx.final.get("linear_accuracy", math.nan)
        return Check(
            "learning",
            bool(acc >= self.floor and acc - lin >= self.margin),
            f"held-out accuracy {acc:.3f} (floor {self.floor}, chance 0.10); the linear twin "
            f"(one affine map) reaches {lin:.3f}, so the CNN leads by {acc - lin:.3f} (needs "
            f">= {self.margin})",
        )

    # -- figures -------------------------------------------------------------------

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        return [self._png(ctx, out_dir), self._gif(ctx, out_dir)]

    def _png(self, ctx: RunContext, out_dir: Path) -> Path:
        hist = ctx.history
        p = ctx.params
        act = p["activation"]
        fig = plt.figure(figsize=(20, 15))
        grid = fig.add_gridspec(3, 4)
        ax = fig.add_subplot(grid[0, 0])
        plot_history(
            ax,
            hist,
            ["accuracy", "linear_accuracy"],
            labels=[f"CNN ({act})", "linear twin (no activation)"],
            styles=["-", "--"],
            legend=False,
        )
        ax.axhline(0.1, color="grey", ls=":", label="chance 0.1")
        ax.set(title="held-out accuracy: the contrast", ylim=(0, 1.02))
        ax.legend(fontsize=9)
        ax = fig.add_subplot(grid[0, 1])
        plot_history(
            ax,
            hist,
            ["loss", "linear_loss"],
            labels=[f"CNN ({act})", "linear twin"],
            styles=["-", "--"],
            log=True,
            title="training loss (cross-entropy, log scale)",
        )
        for col, key, name in ((2, "confusion", f"CNN ({act})"), (3, "lin_confusion", "twin")):
            ax = fig.add_subplot(grid[0, col])
            data = self.last[key]
            image_panel(fig, ax, data, cmap="Blues", vmin=0, vmax=self.most)
            for (r, c), v in np.ndenumerate(data.numpy()):
                if v:
                    colour = "white" if v > 0.6 * self.most else "black"
                    ax.text(c, r, str(v), ha="center", va="center", fontsize=7, color=colour)
            ax.set(title=f"{name} confusion (one scale)", xlabel="predicted", ylabel="true")
        # the collapse: the twin's W as ten templates
        ax = fig.add_subplot(grid[1, 0:2])
        top = max(float(self.templates.abs().max()), 1e-6)
        image_panel(
            fig,
            ax,
            montage(self.templates, cols=5, pad=math.nan),
            cmap="coolwarm",
            vmin=-top,
            vmax=top,
            axis=False,
        )
        for k in range(10):
            r, c = divmod(k, 5)
            ax.text(
                c * (self.size + 1) + self.size / 2 - 0.5,
                r * (self.size + 1) - 0.7,
                f"class {k}",
                ha="center",
                fontsize=10,
            )
        ax.set_title(
            f"the linear twin = ONE map W (10×{self.size * self.size}): row k of W as a "
            f"{self.size}×{self.size} template for class k (W x + b to {self.lin_err:.0e})",
            pad=18,
        )
        ax = fig.add_subplot(grid[1, 2])
        filters = self.last["filters"]
        top_f = max(float(filters.abs().max()), 1e-6)
        image_panel(fig, ax, _tile(filters), cmap="coolwarm", vmin=-top_f, vmax=top_f, axis=False)
        self._label_tiles(ax, len(filters), 3)
        ax.set_title("CNN first-layer 3×3 filters", pad=14)
        ax = fig.add_subplot(grid[1, 3])
        image_panel(fig, ax, _tile(self.last["maps"]), cmap="viridis", axis=False)
        self._label_tiles(ax, len(self.last["maps"]), self.size)
        ax.set_title(f"their feature maps ({act}) for the digit below", pad=14)
        ax = fig.add_subplot(grid[2, 0])
        image_panel(fig, ax, self.last["digit"], cmap="gray", vmin=0, vmax=1, colorbar=False)
        ax.set_title(
            f"held-out digit, label {self.last['label']}\nCNN: {self.last['pred']}, "
            f"linear twin: {self.last['lin_pred']}"
        )
        ax = fig.add_subplot(grid[2, 1])
        classes = np.arange(10)
        ax.bar(classes - 0.2, self.last["per_class"].numpy(), 0.4, label=f"CNN ({act})")
        ax.bar(classes + 0.2, self.last["lin_class"].numpy(), 0.4, label="linear twin")
        ax.set(title="per-class held-out accuracy", xlabel="class", ylim=(0, 1.05))
        ax.set_xticks(classes)
        ax.legend(fontsize=9, loc="lower right")
        ax = fig.add_subplot(grid[2, 2:4])
        self._draw_collapse(ax, act, p["pool"])
        title = f"cnn-digits on {p['data']} ({ctx.total_steps} steps, {ctx.device})"
        fig.suptitle(title, y=1.0, va="bottom")
        return save_figure(
            out_dir, "cnn-digits", fig, caption=f"{self.caption.en}\n{self.caption.it}"
        )

    @staticmethod
    def _label_tiles(ax: Any, n: int, side: int, cols: int = 4) -> None:
        for k in range(n):
            r, c = divmod(k, cols)
            ax.text(c * (side + 1), r * (side + 1) - 0.6, str(k), fontsize=8, va="bottom")

    def _draw_collapse(self, ax: Any, act: str, pool: str) -> None:
        """Why the twin is one map: every layer linear, so the composition is linear."""
        ax.axis("off")
        ax.set(xlim=(0, 10), ylim=(0, 6))
        rows = (
            (4.6, f"CNN:   conv → {act} → {pool}-pool → conv → {act} → {pool}-pool → linear"),
            (3.4, "twin:  conv → (none) → avg-pool → conv → (none) → avg-pool → linear"),
        )
        for y, text in rows:
            ax.text(0.2, y, text, family="monospace", fontsize=11, va="center")
        ax.text(
            0.2,
            2.0,
            "every twin layer is affine, and affine ∘ affine is affine:\n"
            f"twin(x) = W x + b exactly (max rel. error {self.lin_err:.0e}), W drawn above;\n"
            f"the same construction (W = ∂f/∂x at 0) misses the CNN by {self.cnn_err:.2f}\n"
            f"(relative): {act} and {pool}-pooling make it more than one linear filter",
            fontsize=11,
            va="center",
        )
        ax.set_title("why the twin collapses (question c.05)")

    def _gif(self, ctx: RunContext, out_dir: Path) -> Path:
        """The twin's ten templates and the CNN's filters, record by record."""
        fig, (ax, bx) = plt.subplots(
            1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [2.2, 1]}
        )
        count = min(len(self.snapshots), GIF_FRAMES)
        picks = {round(i * (len(self.snapshots) - 1) / max(1, count - 1)) for i in range(count)}
        snaps = [self.snapshots[k] for k in sorted(picks)]
        top = max(float(max(s["templates"].abs().max() for s in snaps)), 1e-6)
        top_f = max(float(max(s["filters"].abs().max() for s in snaps)), 1e-6)
        first = snaps[0]
        im = image_panel(
            fig,
            ax,
            montage(first["templates"], cols=5, pad=math.nan),
            cmap="coolwarm",
            vmin=-top,
            vmax=top,
            axis=False,
        )
        im_f = image_panel(
            fig, bx, _tile(first["filters"]), cmap="coolwarm", vmin=-top_f, vmax=top_f, axis=False
        )
        for k in range(10):
            r, c = divmod(k, 5)
            ax.text(
                c * (self.size + 1) + self.size / 2 - 0.5,
                r * (self.size + 1) - 0.7,
                str(k),
                ha="center",
                fontsize=9,
            )
        bx.set_title("CNN first-layer filters")

        def update(n: int) -> None:
            snap = snaps[n]
            im.set_data(montage(snap["templates"], cols=5, pad=math.nan).numpy())
            im_f.set_data(_tile(snap["filters"]).numpy())
            ax.set_title(
                f"step {snap['step']}: the linear twin's W as 10 templates "
                f"(accuracy {snap['linear_accuracy']:.2f}; CNN {snap['accuracy']:.2f})",
                pad=16,  # above the class labels
            )

        update(0)
        fig.tight_layout()
        return animation(out_dir, "cnn-digits", fig, update, len(snaps), fps=4)


def _it_num(x: float, digits: int = 2) -> str:
    """A number with a decimal comma, as Italian writes it."""
    return f"{x:.{digits}f}".replace(".", ",")


def _it_pct(x: float) -> str:
    """'il 95,5%', but 'l'88,1%' (the article elides before a vowel sound)."""
    n = 100 * x
    whole = int(n)
    article = "l'" if whole in (1, 8, 11) or 80 <= whole <= 89 else "il "
    return f"{article}{_it_num(n, 1)}%"


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
