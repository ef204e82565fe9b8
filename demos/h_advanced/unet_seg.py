"""U-Net segmenting generated shapes: encoder, decoder, skip connections (question h.05).

Semantic segmentation labels every pixel, so the output map has the input's size. The
U-Net's contracting path repeats two 3×3 convolutions (padding 1) and a 2×2 max-pool —
half the resolution, twice the channels — down to a bottleneck; the expanding path
upsamples with a 2×2 transposed convolution (twice the resolution, half the channels),
concatenates the encoder map of the same resolution (``torch.cat([up, skip], dim=1)``)
and applies two more 3×3 convolutions; a 1×1 convolution gives C class scores per pixel,
trained with pixel-wise cross-entropy on logits (N, C, H, W) and an integer mask (N, H, W).

The data are noisy 24×24 scenes with discs, squares and triangles (C = 4 with the
background); overlapping shapes and thin corners need the fine detail the skips carry.
``skips=false`` feeds zeros instead of the encoder maps (same parameter count) to show
what is lost. Live: loss, pixel accuracy, per-class and mean IoU on held-out scenes; the
probe scene, its true and predicted masks, a class probability map and the feature maps
that meet at the last concatenation (upsampled decoder vs skip).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from demos.platform import Check, Demo, Frame, RunContext, heatmap, histogram, picture
from demos.platform.figures import plot_history, save_figure, subplots

CLASSES = ("background", "disc", "square", "triangle")


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


def pixel_cross_entropy(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """-mean over pixels of log softmax(scores)[true class], written out."""
    logp = logits.log_softmax(dim=1)  # (N, C, H, W)
    return -logp.gather(1, mask[:, None]).mean()


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
        for h, w in ((24, 24), (32, 16), (40, 28)):
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
    uniform = loss(torch.zeros_like(logits), mask).item()
    ok = abs(ours - ref) <= 1e-10 and abs(uniform - math.log(len(CLASSES))) <= 1e-10
    return Check(
        "pixel-cross-entropy",
        bool(ok),
        f"hand loss {ours:.6f} vs nn.CrossEntropyLoss {ref:.6f} (|Δ| {abs(ours - ref):.0e}); "
        f"zero logits give ln C = {uniform:.4f}",
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


class UNetSeg(Demo):
    size = 24
    n_eval = 64

    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        x, m = make_shapes(self.n_eval, self.size, ctx.rng(1), p["shapes"])
        self.eval_x = torch.from_numpy(x).to(ctx.device)
        self.eval_m = torch.from_numpy(m).to(ctx.device)
        self.net = build_unet(p["width"], p["levels"], len(CLASSES), p["skips"]).to(ctx.device)

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        yield check_same_size(width=4, levels=ctx.params["levels"])
        yield check_cross_entropy(device=ctx.device, seed=ctx.seed)
        yield check_iou(device=ctx.device, seed=ctx.seed)

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        opt = torch.optim.Adam(self.net.parameters(), lr=p["lr"])
        rng = ctx.rng(2)
        for step in range(ctx.total_steps):
            x, m = make_shapes(p["batch"], self.size, rng, p["shapes"])
            x, m = torch.from_numpy(x).to(ctx.device), torch.from_numpy(m).to(ctx.device)
            loss = torch.nn.functional.cross_entropy(self.net(x), m)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if ctx.wants(step):
                yield self._frame(ctx, step, loss)

    def _frame(self, ctx: RunContext, step: int, loss) -> Frame:
        p = ctx.params
        self.net.eval()  # batch norm on running statistics
        with torch.no_grad():
            logits = self.net(self.eval_x)
            pred = logits.argmax(1)  # (N, H, W)
            ious = class_iou(pred, self.eval_m, len(CLASSES))
            i = p["probe"] % len(self.eval_x)
            self.net(self.eval_x[i : i + 1])  # refresh the trace for the probe
            up, skip = self.net.trace["up"][0], self.net.trace["skip"][0]
            probs = logits[i].softmax(0)
        self.net.train()
        k = len(CLASSES) - 1
        metrics = {
            "loss": loss.item(),
            "pixel_acc": (pred == self.eval_m).float().mean().item(),
            "miou": ious[1:].nanmean().item(),
            **{f"iou_{c}": ious[j].item() for j, c in enumerate(CLASSES) if j > 0},
        }
        # the most active channel of each half of the last concatenation
        up_map = up[up.abs().mean((1, 2)).argmax()]
        skip_map = skip[skip.abs().mean((1, 2)).argmax()]
        self.last = {
            "image": self.eval_x[i, 0].cpu().numpy(),
            "truth": self.eval_m[i].cpu().numpy(),
            "pred": pred[i].cpu().numpy(),
            "probs": probs.cpu().numpy(),
            "up": up_map.cpu().numpy(),
            "skip": skip_map.cpu().numpy(),
            "ious": ious.cpu().numpy(),
        }
        return Frame(
            step=step,
            metrics=metrics,
            pictures=[
                picture(f"scene {i}", self.eval_x[i, 0]),
                picture("true mask (0 bg … 1 triangle)", self.eval_m[i].float() / k),
                picture("predicted mask", pred[i].float() / k),
            ],
            heatmaps=[
                heatmap("P(triangle) per pixel", probs[3], "x", "y"),
                heatmap("decoder: upsampled features (top channel)", up_map, "x", "y"),
                heatmap("encoder skip features (top channel)", skip_map, "x", "y"),
            ],
            histograms=[histogram("held-out IoU per class", torch.nan_to_num(ious), CLASSES)],
        )

    def learned(self, ctx: RunContext) -> Check:
        start = ctx.history[0]["miou"] if ctx.history else math.nan
        end, acc = ctx.final.get("miou", math.nan), ctx.final.get("pixel_acc", math.nan)
        floor = 0.6
        return Check(
            "learning",
            bool(end >= floor),
            f"held-out mean IoU of disc, square, triangle {start:.2f} -> {end:.2f} (floor "
            f"{floor}); pixel accuracy {acc:.3f}",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, last = ctx.history, self.last
        fig, axes = subplots(2, 4, (16, 8))
        ax = axes[0, 0]
        plot_history(ax, hist, ["miou"], labels=["mean IoU"], lw=2)
        for c in CLASSES[1:]:
            plot_history(ax, hist, [f"iou_{c}"], labels=[c])
        plot_history(ax, hist, ["pixel_acc"], styles=[":"], labels=["pixel accuracy"])
        ax.set(title="held-out segmentation", xlabel="step", ylim=(0, 1.02))
        ax.legend(fontsize=8)
        ax = axes[0, 1]
        plot_history(ax, hist, ["loss"])
        ax.set(title="pixel-wise cross-entropy (train)", xlabel="step", yscale="log")
        kw = {"cmap": "tab10", "vmin": 0, "vmax": 9, "interpolation": "nearest"}
        axes[0, 2].imshow(last["image"], cmap="gray", vmin=0, vmax=1)
        axes[0, 2].set_title("probe scene")
        axes[0, 3].imshow(last["truth"], **kw)
        axes[0, 3].set_title("true mask (" + ", ".join(CLASSES) + ")", fontsize=8)
        axes[1, 0].imshow(last["pred"], **kw)
        axes[1, 0].set_title("predicted mask (argmax over C)")
        im = axes[1, 1].imshow(last["probs"][3], cmap="viridis", vmin=0, vmax=1)
        axes[1, 1].set_title("P(triangle | pixel)")
        fig.colorbar(im, ax=axes[1, 1], fraction=0.046)
        axes[1, 2].imshow(last["up"], cmap="magma")
        axes[1, 2].set_title("decoder, upsampled (coarse: what)")
        axes[1, 3].imshow(last["skip"], cmap="magma")
        axes[1, 3].set_title(
            "encoder skip (fine: where)" if ctx.params["skips"] else "skip switched off (zeros)"
        )
        for ax in (*axes[0, 2:], *axes[1]):
            ax.axis("off")
        title = (
            f"unet-seg: {ctx.params['levels']} levels, width {ctx.params['width']}, "
            f"skips {'on' if ctx.params['skips'] else 'off'} "
            f"({ctx.total_steps} steps, {ctx.device})"
        )
        return [save_figure(out_dir, "unet-seg", fig, title=title, dpi=100)]
