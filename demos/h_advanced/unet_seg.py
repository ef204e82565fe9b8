"""U-Net segmenting generated shapes: encoder, decoder, skip connections (question h.05).

Semantic segmentation labels every pixel, so the output map has the input's size. The
U-Net's contracting path repeats two 3×3 convolutions (padding 1) and a 2×2 max-pool —
half the resolution, twice the channels — down to a bottleneck; the expanding path
upsamples with a 2×2 transposed convolution (twice the resolution, half the channels),
concatenates the encoder map of the same resolution (``torch.cat([up, skip], dim=1)``)
and applies two more 3×3 convolutions; a 1×1 convolution gives C class scores per pixel,
trained with pixel-wise cross-entropy on logits (N, C, H, W) and an integer mask (N, H, W),
each class weighted by 1/√(its pixel frequency) (the background fills most pixels).

The data are noisy 24×24 scenes with discs, squares and triangles (C = 4 with the
background); overlapping shapes and thin corners need the fine detail the skips carry.

The contrast: a twin of the same U-Net, from the same initial weights and on the same
batches, gets zeros instead of the encoder maps at every concatenation (same parameter
count). Its decoder sees only the 3×3 bottleneck: it knows what is in the scene but not
where the edges are, and its masks are blobs. Both are scored on held-out scenes by mean
IoU and by the accuracy on the pixels next to a true boundary.

Live: the losses, mean IoU and boundary accuracy of both, per-class IoU; the probe scene,
its true mask and the two predictions on one colour scale of class ids, a class
probability map and the feature maps that meet at the last concatenation (upsampled
decoder, "what", vs encoder skip, "where").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.colors import ListedColormap
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle
from torch import nn

from demos.platform import Bilingual, Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.figures import animation, image_panel, plot_history, plt, save_figure, subplots

CLASSES = ("background", "disc", "square", "triangle")
CLASS_COLOURS = ("#f2f2f2", "#1f77b4", "#ff7f0e", "#2ca02c")  # one fixed colour per class id
MASK_CMAP = ListedColormap(CLASS_COLOURS)


def make_shapes(
    n: int, size: int, rng: np.random.Generator, max_shapes: int = 3, noise: float = 0.15
) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 1, size, size) in [0, 1] and masks (n, size, size) of class ids."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    images = np.zeros((n, 1, size, size), dtype=np.float32)
    masks = np.zeros((n, size, size), dtype=np.int64)
    for i in range(n):
        for _ in range(int(rng.integers(1, max_shapes + 1))):
            cls = int(rng.integers(1, len(CLASSES)))
            r = rng.uniform(0.12, 0.25) * size
            cx, cy = rng.uniform(r, size - r, size=2)
            if cls == 1:
                inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= r**2
            elif cls == 2:
                inside = (np.abs(xx - cx) <= r * 0.85) & (np.abs(yy - cy) <= r * 0.85)
            else:  # upward triangle: apex at the top, base at the bottom
                t = (yy - (cy - r)) / (2 * r)  # 0 at the apex, 1 at the base
                inside = (t >= 0) & (t <= 1) & (np.abs(xx - cx) <= t * r)
            images[i, 0][inside] = rng.uniform(0.5, 1.0)
            masks[i][inside] = cls
    images += rng.normal(scale=noise, size=images.shape).astype(np.float32)
    return np.clip(images, 0.0, 1.0), masks


# --- the network ---------------------------------------------------------------------


def double_conv(cin: int, cout: int) -> nn.Sequential:
    """Two 3×3 convolutions (padding 1) with batch norm and ReLU: the U-Net's basic block."""
    return nn.Sequential(  # batch norm (not in the 2015 paper) speeds training up
        nn.Conv2d(cin, cout, 3, padding=1),
        nn.BatchNorm2d(cout),
        nn.ReLU(),
        nn.Conv2d(cout, cout, 3, padding=1),
        nn.BatchNorm2d(cout),
        nn.ReLU(),
    )


class UNet(nn.Module):
    """A U-Net with ``levels`` poolings; channels width·2^level; same-size output.

    ``trace`` keeps the two maps that met at the last concatenation (for the pictures).
    """

    def __init__(self, width: int, levels: int, classes: int, skips: bool = True) -> None:
        super().__init__()
        ch = [width * 2**i for i in range(levels + 1)]
        self.skips = skips
        self.down = nn.ModuleList(
            [double_conv(1, ch[0])] + [double_conv(ch[i], ch[i + 1]) for i in range(levels)]
        )
        self.up = nn.ModuleList(
            [nn.ConvTranspose2d(ch[i + 1], ch[i], 2, stride=2) for i in reversed(range(levels))]
        )
        self.merge = nn.ModuleList([double_conv(2 * ch[i], ch[i]) for i in reversed(range(levels))])
        self.head = nn.Conv2d(ch[0], classes, 1)
        self.trace: dict[str, torch.Tensor] = {}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        saved = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else F.max_pool2d(x, 2))
            saved.append(x)  # (N, ch[i], H/2^i, W/2^i)
        x = saved.pop()  # the bottleneck
        for up, merge in zip(self.up, self.merge, strict=True):
            x = up(x)  # twice the resolution, half the channels
            skip = saved.pop()
            if not self.skips:
                skip = torch.zeros_like(skip)
            self.trace = {"up": x, "skip": skip}
            x = merge(torch.cat([x, skip], dim=1))  # (N, 2·ch, h, w) → (N, ch, h, w)
        return self.head(x)  # (N, C, H, W)


def build_unet(width: int, levels: int, classes: int, skips: bool = True) -> UNet:
    return UNet(width, levels, classes, skips)


# --- loss and IoU --------------------------------------------------------------------------


def pixel_cross_entropy(
    logits: torch.Tensor, mask: torch.Tensor, weight: torch.Tensor | None = None
) -> torch.Tensor:
    """-mean over pixels of log softmax(scores)[true class], written out.

    With ``weight`` (C,) each pixel counts w[its class] and the sum is divided by the sum
    of the weights, as nn.CrossEntropyLoss(weight=w) does.
    """
    logp = logits.log_softmax(dim=1).gather(1, mask[:, None])[:, 0]  # (N, H, W)
    if weight is None:
        return -logp.mean()
    w = weight[mask]  # (N, H, W)
    return -(w * logp).sum() / w.sum()


def class_weights(masks: np.ndarray, classes: int) -> torch.Tensor:
    """1/√(pixel frequency), mean 1: background fills most of a scene, and without weights
    the smallest shape (the triangle) can be swallowed by the disc for a whole run."""
    freq = np.bincount(masks.reshape(-1), minlength=classes) / masks.size
    w = 1.0 / np.sqrt(np.maximum(freq, 1e-4))
    return torch.tensor(w / w.mean(), dtype=torch.float32)


def class_iou(pred: torch.Tensor, mask: torch.Tensor, classes: int) -> torch.Tensor:
    """IoU per class from the confusion matrix (NaN for a class absent from both)."""
    conf = torch.bincount(mask.flatten() * classes + pred.flatten(), minlength=classes**2)
    conf = conf.view(classes, classes).double()  # rows: truth, columns: prediction
    inter = conf.diag()
    union = conf.sum(0) + conf.sum(1) - inter
    return torch.where(union > 0, inter / union.clamp(min=1), torch.nan)


def _iou_reference(pred: torch.Tensor, mask: torch.Tensor, c: int) -> float:
    """Sets of pixels, counted directly."""
    a, b = pred == c, mask == c
    union = int((a | b).sum())
    return int((a & b).sum()) / union if union else math.nan


def check_same_size(build: Callable = build_unet, width: int = 4, levels: int = 2) -> Check:
    """The output has the input's height and width for every size divisible by 2^levels."""
    net = build(width, levels, len(CLASSES)).eval()
    seen = []
    ok = True
    with torch.no_grad():
        for h, w in ((24, 24), (32, 16), (40, 56)):  # multiples of 2^levels, levels ≤ 3
            out = net(torch.zeros(1, 1, h, w))
            seen.append(f"{h}×{w}→{out.shape[2]}×{out.shape[3]}")
            ok = ok and tuple(out.shape) == (1, len(CLASSES), h, w)
        cat = net.trace["up"].shape[1] + net.trace["skip"].shape[1]
    return Check(
        "output-size",
        bool(ok),
        f"logits (N, C, H, W) keep the input size: {', '.join(seen)}; last concatenation "
        f"{net.trace['up'].shape[1]} upsampled + {net.trace['skip'].shape[1]} skip = {cat} "
        "channels",
    )


def check_cross_entropy(
    loss: Callable = pixel_cross_entropy, device: Any = "cpu", seed: int = 0
) -> Check:
    """The written-out loss == nn.CrossEntropyLoss on (N, C, H, W) logits, (N, H, W) mask."""
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(3, len(CLASSES), 6, 5, generator=gen, dtype=torch.float64).to(device)
    mask = torch.randint(0, len(CLASSES), (3, 6, 5), generator=gen).to(device)
    ours, ref = loss(logits, mask).item(), torch.nn.CrossEntropyLoss()(logits, mask).item()
    w = torch.tensor([0.4, 1.3, 1.1, 1.2], dtype=torch.float64, device=device)
    weighted = loss(logits, mask, weight=w).item()
    weighted_ref = torch.nn.CrossEntropyLoss(weight=w)(logits, mask).item()
    uniform = loss(torch.zeros_like(logits), mask).item()
    worst = max(abs(ours - ref), abs(weighted - weighted_ref))
    ok = worst <= 1e-10 and abs(uniform - math.log(len(CLASSES))) <= 1e-10
    return Check(
        "pixel-cross-entropy",
        bool(ok),
        f"hand loss {ours:.6f} vs nn.CrossEntropyLoss {ref:.6f}, class-weighted {weighted:.6f} "
        f"vs CrossEntropyLoss(weight) {weighted_ref:.6f} (max |Δ| {worst:.0e}); zero logits "
        f"give ln C = {uniform:.4f}",
    )


def check_iou(iou: Callable = class_iou, device: Any = "cpu", seed: int = 0) -> Check:
    """Confusion-matrix IoU == counting the pixel sets; 1 for a perfect prediction."""
    rng = np.random.default_rng(seed)
    _, masks = make_shapes(4, 24, rng)
    mask = torch.from_numpy(masks).to(device)
    pred = mask.clone()
    flip = torch.from_numpy(rng.random(masks.shape) < 0.2).to(device)
    pred[flip] = torch.from_numpy(rng.integers(0, len(CLASSES), masks.shape)).to(device)[flip]
    ours = iou(pred, mask, len(CLASSES)).cpu()
    ref = torch.tensor(
        [_iou_reference(pred, mask, c) for c in range(len(CLASSES))], dtype=torch.float64
    )
    diff = torch.nan_to_num((ours - ref).abs(), nan=0.0).max().item()
    same_nan = bool((ours.isnan() == ref.isnan()).all())
    perfect = iou(mask, mask, len(CLASSES))
    ok = diff <= 1e-9 and same_nan and bool((perfect[~perfect.isnan()] == 1).all())
    return Check(
        "iou-confusion-matrix",
        bool(ok),
        f"per-class IoU {[round(v, 3) for v in ours.tolist()]} vs counted sets: max |Δ| "
        f"{diff:.0e}; a perfect mask gives 1 for every class present",
    )


def boundary(mask: torch.Tensor) -> torch.Tensor:
    """(N, H, W) → bool (N, H, W): pixels whose 3×3 neighbourhood holds two classes."""
    m = mask.float()[:, None]
    high = F.max_pool2d(m, 3, 1, 1)
    low = -F.max_pool2d(-m, 3, 1, 1)
    return (high != low)[:, 0]


class UNetSeg(Demo):
    size = 24
    n_eval = 48

    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        x, m = make_shapes(self.n_eval, self.size, ctx.rng(1), p["shapes"])
        self.eval_x = torch.from_numpy(x).to(ctx.device)
        self.eval_m = torch.from_numpy(m).to(ctx.device)
        self.eval_edge = boundary(self.eval_m)
        _, pilot = make_shapes(256, self.size, ctx.rng(3), p["shapes"])  # class frequencies
        self.weight = class_weights(pilot, len(CLASSES)).to(ctx.device)
        self.net = build_unet(p["width"], p["levels"], len(CLASSES)).to(ctx.device)
        # the contrast: the same U-Net from the same weights, its skips replaced by zeros
        self.twin = build_unet(p["width"], p["levels"], len(CLASSES), skips=False).to(ctx.device)
        self.twin.load_state_dict(self.net.state_dict())
        self.snapshots: dict[int, dict[str, Any]] = {}  # record step → probe predictions

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        yield check_same_size(width=4, levels=ctx.params["levels"])
        yield check_cross_entropy(device=ctx.device, seed=ctx.seed)
        yield check_iou(device=ctx.device, seed=ctx.seed)

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        # one Adam over both nets (its update is per parameter: two independent runs)
        opt = torch.optim.Adam([*self.net.parameters(), *self.twin.parameters()], lr=p["lr"])
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=p["lr"], total_steps=ctx.total_steps, pct_start=0.15
        )  # warm up, then anneal: the last held-out scores are the net's, not a spike's
        rng = ctx.rng(2)
        for step in range(ctx.total_steps):
            x, m = make_shapes(p["batch"], self.size, rng, p["shapes"])
            x, m = torch.from_numpy(x).to(ctx.device), torch.from_numpy(m).to(ctx.device)
            loss = pixel_cross_entropy(self.net(x), m, self.weight)
            twin_loss = pixel_cross_entropy(self.twin(x), m, self.weight)
            opt.zero_grad(set_to_none=True)
            (loss + twin_loss).backward()
            opt.step()
            sched.step()
            if ctx.wants(step):
                yield self._frame(ctx, step, loss, twin_loss)
        return self.caption(ctx)

    def _score(self, net: UNet) -> tuple[torch.Tensor, torch.Tensor, dict[str, float]]:
        """Held-out logits, predictions and scores of one net (batch norm in eval mode)."""
        net.eval()
        with torch.no_grad():
            logits = net(self.eval_x)
        net.train()
        pred = logits.argmax(1)  # (N, H, W)
        ious = class_iou(pred, self.eval_m, len(CLASSES))
        right = pred == self.eval_m
        return (
            logits,
            pred,
            {
                "pixel_acc": right.float().mean().item(),
                "miou": ious[1:].nanmean().item(),
                "boundary_acc": right[self.eval_edge].float().mean().item(),
                **{f"iou_{c}": ious[j].item() for j, c in enumerate(CLASSES) if j > 0},
            },
        )

    def _frame(self, ctx: RunContext, step: int, loss, twin_loss) -> Frame:
        p = ctx.params
        logits, pred, ours = self._score(self.net)
        _, twin_pred, twin = self._score(self.twin)
        i = p["probe"] % len(self.eval_x)
        self.net.eval()
        with torch.no_grad():
            self.net(self.eval_x[i : i + 1])  # refresh the trace for the probe
        self.net.train()
        up, skip = self.net.trace["up"][0], self.net.trace["skip"][0]
        probs = logits[i].softmax(0)
        metrics = {
            "loss": loss.item(),
            "twin_loss": twin_loss.item(),
            **ours,
            **{f"twin_{k}": twin[k] for k in ("pixel_acc", "miou", "boundary_acc")},
        }
        if ctx.should_record(step):
            self.snapshots[step] = {
                "pred": pred[i].cpu().numpy(),
                "twin": twin_pred[i].cpu().numpy(),
                "miou": ours["miou"],
                "twin_miou": twin["miou"],
            }
        # the most active channel of each half of the last concatenation
        up_map = up[up.abs().mean((1, 2)).argmax()]
        skip_map = skip[skip.abs().mean((1, 2)).argmax()]
        self.last = {
            "images": self.eval_x[:4, 0].cpu().numpy(),
            "truths": self.eval_m[:4].cpu().numpy(),
            "preds": pred[:4].cpu().numpy(),
            "twin_preds": twin_pred[:4].cpu().numpy(),
            "image": self.eval_x[i, 0].cpu().numpy(),
            "truth": self.eval_m[i].cpu().numpy(),
            "pred": pred[i].cpu().numpy(),
            "twin_pred": twin_pred[i].cpu().numpy(),
            "edge": self.eval_edge[i].cpu().numpy(),
            "probs": probs.cpu().numpy(),
            "up": up_map.cpu().numpy(),
            "skip": skip_map.cpu().numpy(),
        }
        c = len(CLASSES) - 1
        return Frame(
            step=step,
            metrics=metrics,
            pictures=[picture(f"scene {i}", self.eval_x[i, 0], key="scene")],
            heatmaps=[
                heatmap(
                    "true mask (0 bg, 1 disc, 2 square, 3 triangle)",
                    self.eval_m[i],
                    "x",
                    "y",
                    key="truth",
                    vmin=0,
                    vmax=c,
                ),
                heatmap(
                    f"U-Net with skips (mIoU {ours['miou']:.2f})",
                    pred[i],
                    "x",
                    "y",
                    key="pred",
                    vmin=0,
                    vmax=c,
                ),
                heatmap(
                    f"skips zeroed (mIoU {twin['miou']:.2f})",
                    twin_pred[i],
                    "x",
                    "y",
                    key="twin-pred",
                    vmin=0,
                    vmax=c,
                ),
                heatmap(
                    "P(triangle) per pixel", probs[3], "x", "y", key="p-triangle", vmin=0, vmax=1
                ),
                heatmap(
                    "decoder: upsampled features, 'what' (top channel)", up_map, "x", "y", key="up"
                ),
                heatmap(
                    "encoder skip features, 'where' (top channel)", skip_map, "x", "y", key="skip"
                ),
            ],
            histograms=[
                histogram(
                    "held-out IoU per class (with skips)",
                    [ours[f"iou_{c}"] for c in CLASSES[1:]],
                    CLASSES[1:],
                    key="per-class",
                )
            ],
        )

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, from this run's numbers."""
        f, p = ctx.final, ctx.params
        side = self.size // 2 ** p["levels"]
        return Bilingual(
            en=(
                f"With its skips the U-Net reaches a held-out mean IoU of {f['miou']:.2f} and "
                f"gets {f['boundary_acc']:.0%} of the pixels next to a boundary right; the "
                f"same U-Net with the skips zeroed (same start, same batches) reaches "
                f"{f['twin_miou']:.2f} and {f['twin_boundary_acc']:.0%}. From the "
                f"{side}×{side} bottleneck alone the decoder knows what is in the scene but "
                f"not where its edges are: the skips bring back the fine detail."
            ),
            it=(
                f"Con le skip connection la U-Net arriva a una IoU media di test di "
                f"{_it(f['miou'], '.2f')} e classifica bene il {f['boundary_acc']:.0%} dei "
                f"pixel vicini a un bordo; la stessa U-Net con le skip azzerate (stesso inizio, "
                f"stessi batch) arriva a {_it(f['twin_miou'], '.2f')} e al "
                f"{f['twin_boundary_acc']:.0%}. Dal solo collo di bottiglia {side}×{side} il "
                f"decoder sa cosa c'è nella scena ma non dove sono i bordi: le skip riportano "
                f"il dettaglio fine."
            ),
        )

    def learned(self, ctx: RunContext) -> Check:
        start = ctx.history[0]["miou"] if ctx.history else math.nan
        f = ctx.final
        end, acc = f.get("miou", math.nan), f.get("pixel_acc", math.nan)
        twin, edge = f.get("twin_miou", math.nan), f.get("boundary_acc", math.nan)
        twin_edge = f.get("twin_boundary_acc", math.nan)
        floor, lead, edge_lead = 0.6, 0.15, 0.08
        ok = end >= floor and end - twin >= lead and edge - twin_edge >= edge_lead
        return Check(
            "learning",
            bool(ok),
            f"held-out mean IoU of disc, square, triangle {start:.2f} -> {end:.2f} (floor "
            f"{floor}); pixel accuracy {acc:.3f}; with the skips zeroed {twin:.2f} (needs a "
            f"lead of {lead}); pixels next to a boundary right {edge:.3f} vs {twin_edge:.3f} "
            f"(needs a lead of {edge_lead})",
        )

    # -- figures --------------------------------------------------------------------------

    def _mask(self, ax, mask, title: str) -> None:
        ax.imshow(mask, cmap=MASK_CMAP, vmin=-0.5, vmax=len(CLASSES) - 0.5, interpolation="nearest")
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])

    def _schematic(self, ax, p: dict[str, Any]) -> None:
        """Boxes for the maps (side × side × channels), arrows for pools, up-convs, skips."""
        levels, width, size = p["levels"], p["width"], self.size
        ax.set(xlim=(0, 10), ylim=(-levels - 1.2, 1.2))
        ax.axis("off")
        ax.set_title("the U-Net (its twin: every skip replaced by zeros)")
        for i in range(levels + 1):
            side, ch = size // 2**i, width * 2**i
            y = -i
            xs = (i * 0.9 + 0.2, 9.8 - i * 0.9 - 1.6) if i < levels else (4.2,)
            for k, x in enumerate(xs):
                colour = "#9ecae1" if k == 0 else "#fdd0a2"
                ax.add_patch(Rectangle((x, y - 0.35), 1.6, 0.7, fc=colour, ec="k"))
                ax.text(x + 0.8, y, f"{side}×{side}×{ch}", ha="center", va="center", fontsize=8)
            if i < levels:  # the skip at this level: copy and concatenate
                ax.add_patch(
                    FancyArrowPatch(
                        (xs[0] + 1.6, y),
                        (xs[1], y),
                        arrowstyle="->",
                        mutation_scale=12,
                        color="grey",
                        ls="--",
                    )
                )
                ax.text(5.0, y + 0.12, "skip: torch.cat", ha="center", fontsize=7, color="grey")
                nxt = (i + 1) * 0.9 + 0.2 if i + 1 < levels else 4.2
                ax.add_patch(
                    FancyArrowPatch(
                        (xs[0] + 0.5, y - 0.35),
                        (nxt + 0.5, y - 0.65),
                        arrowstyle="->",
                        mutation_scale=10,
                    )
                )
                back = 9.8 - (i + 1) * 0.9 - 1.6 if i + 1 < levels else 4.2
                ax.add_patch(
                    FancyArrowPatch(
                        (back + 1.1, y - 0.65),
                        (xs[1] + 1.1, y - 0.35),
                        arrowstyle="->",
                        mutation_scale=10,
                        color="C3",
                    )
                )
        ax.text(
            0.2, -levels - 0.9, "↓ max-pool 2×2 (half the side, twice the channels)", fontsize=7
        )
        ax.text(5.6, -levels - 0.9, "↑ transposed conv 2×2", fontsize=7, color="C3")
        ax.text(0.2, 0.75, f"input {size}×{size}×1", fontsize=8)
        ax.text(9.8, 0.75, f"logits {size}×{size}×{len(CLASSES)}", fontsize=8, ha="right")

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, last, p = ctx.history, self.last, ctx.params
        fig = plt.figure(figsize=(18, 15.5))
        grid = fig.add_gridspec(4, 4, height_ratios=(1.1, 1, 1, 1))
        self._schematic(fig.add_subplot(grid[0, 0:2]), p)
        ax = fig.add_subplot(grid[0, 2])
        plot_history(ax, hist, ["miou"], labels=["with skips"], color="C0", lw=2)
        plot_history(ax, hist, ["twin_miou"], styles=["--"], labels=["skips zeroed"], color="C3")
        for c, colour in zip(CLASSES[1:], CLASS_COLOURS[1:], strict=True):
            plot_history(ax, hist, [f"iou_{c}"], styles=[":"], labels=[c], color=colour)
        ax.set(title="held-out IoU", ylim=(0, 1.02), ylabel="IoU")
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, 3])
        plot_history(ax, hist, ["boundary_acc"], labels=["with skips"], color="C0", lw=2)
        plot_history(
            ax, hist, ["twin_boundary_acc"], styles=["--"], labels=["skips zeroed"], color="C3"
        )
        plot_history(
            ax, hist, ["pixel_acc"], styles=[":"], labels=["all pixels, with skips"], color="C0"
        )
        ax.set(title="pixels next to a true boundary classified right", ylim=(0, 1.02))
        ax.legend(fontsize=8)
        for r in range(2):  # two held-out scenes: image, truth, both predictions
            k = (p["probe"] + r) % len(self.eval_x) if r else p["probe"] % len(self.eval_x)
            img = self.eval_x[k, 0].cpu().numpy()
            with torch.no_grad():
                self.net.eval(), self.twin.eval()
                a = self.net(self.eval_x[k : k + 1]).argmax(1)[0].cpu().numpy()
                b = self.twin(self.eval_x[k : k + 1]).argmax(1)[0].cpu().numpy()
                self.net.train(), self.twin.train()
            truth = self.eval_m[k].cpu().numpy()
            ax = fig.add_subplot(grid[1 + r, 0])
            ax.imshow(img, cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"held-out scene {k}")
            ax.axis("off")
            self._mask(fig.add_subplot(grid[1 + r, 1]), truth, "true mask")
            acc_a = (a == truth).mean()
            acc_b = (b == truth).mean()
            self._mask(fig.add_subplot(grid[1 + r, 2]), a, f"with skips: {acc_a:.0%} of pixels")
            self._mask(fig.add_subplot(grid[1 + r, 3]), b, f"skips zeroed: {acc_b:.0%}")
        handles = [Patch(color=c, label=n) for c, n in zip(CLASS_COLOURS, CLASSES, strict=True)]
        # beside the last true mask, in the gap before it: not on any mask
        fig.axes[-3].legend(
            handles=handles,
            loc="center right",
            bbox_to_anchor=(-0.03, 0.5),
            fontsize=7,
            title="class",
            title_fontsize=8,
        )
        ax = fig.add_subplot(grid[3, 0])
        wrong = np.stack([last["pred"] != last["truth"], last["twin_pred"] != last["truth"]])
        gap = np.full((self.size, 1), np.nan)  # a blank column between the two maps
        ax.imshow(np.concatenate([wrong[0], gap, wrong[1]], 1), cmap="Reds", vmin=0, vmax=1)
        ys, xs = np.nonzero(last["edge"])
        ax.scatter(xs, ys, s=2, color="k", alpha=0.3)
        ax.scatter(xs + 25, ys, s=2, color="k", alpha=0.3)
        ax.set_title("wrong pixels (red): with skips | zeroed\n(dots: true boundaries)")
        ax.axis("off")
        ax = fig.add_subplot(grid[3, 1])
        image_panel(
            fig, ax, last["probs"][3], title="P(triangle | pixel), with skips", vmin=0, vmax=1
        )
        ax = fig.add_subplot(grid[3, 2])
        image_panel(fig, ax, last["up"], title="decoder, upsampled: coarse 'what'", cmap="magma")
        ax = fig.add_subplot(grid[3, 3])
        image_panel(fig, ax, last["skip"], title="encoder skip: fine 'where'", cmap="magma")
        title = (
            f"unet-seg: {p['levels']} levels, width {p['width']}, {ctx.total_steps} steps on "
            f"{ctx.device}; twin: the same U-Net with every skip zeroed"
        )
        fig.suptitle(title, y=1.0, fontsize=13)
        words = self.caption(ctx)
        path = save_figure(out_dir, "unet-seg", fig, caption=f"{words.en}\n{words.it}")
        return [path, self._animation(out_dir)]

    def _animation(self, out_dir: Path) -> Path:
        """The probe's two predictions over training, beside the scene and the truth."""
        steps = sorted(self.snapshots)
        if len(steps) > 40:
            steps = steps[:: math.ceil(len(steps) / 40)]
        fig, axes = subplots(1, 4, (11, 3.4))
        fig.subplots_adjust(left=0.01, right=0.99, top=0.78, bottom=0.02, wspace=0.08)
        axes[0].imshow(self.last["image"], cmap="gray", vmin=0, vmax=1)
        axes[0].set_title("held-out scene")
        kw = {"cmap": MASK_CMAP, "vmin": -0.5, "vmax": len(CLASSES) - 0.5}
        axes[1].imshow(self.last["truth"], **kw)
        axes[1].set_title("true mask")
        a = axes[2].imshow(self.last["pred"], **kw)
        b = axes[3].imshow(self.last["twin_pred"], **kw)
        for ax in axes:
            ax.axis("off")
        handles = [Patch(color=c, label=n) for c, n in zip(CLASS_COLOURS, CLASSES, strict=True)]
        axes[1].legend(handles=handles, loc="lower left", fontsize=6, framealpha=0.8)
        head = fig.suptitle("")

        def update(i: int) -> None:
            snap = self.snapshots[steps[i]]
            a.set_data(snap["pred"])
            b.set_data(snap["twin"])
            head.set_text(f"step {steps[i]}")
            axes[2].set_title(f"with skips (mIoU {snap['miou']:.2f})")
            axes[3].set_title(f"skips zeroed (mIoU {snap['twin_miou']:.2f})")

        return animation(out_dir, "unet-seg", fig, update, len(steps), fps=4, dpi=70)


def _it(value: float, fmt: str) -> str:
    """A number as Italian writes it: decimal comma."""
    return format(value, fmt).replace(".", ",")
