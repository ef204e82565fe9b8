"""Faster R-CNN's Region Proposal Network: anchors, IoU labels, deltas, proposals (h.04).

A small backbone turns a 32×32 synthetic scene (rectangles of any aspect ratio, from the
yolo-grid generator) into an H×W feature map with stride 4. At every location sit k =
|sizes|·|ratios| anchors, defined exactly as ``torchvision``'s ``AnchorGenerator`` does:
for size s and ratio r = h/w, the base anchor is round((-w/2, -h/2, w/2, h/2)) with w =
s/√r and h = s·√r, shifted by (x·stride, y·stride); ordered location-major, then ratio,
then size. So an H×W map has H·W·k anchors.

Each anchor is labelled from its IoU with the true boxes: positive above 0.7 (or the best
anchor of a true box), negative below 0.3, ignored in between; a balanced sample of them
trains the RPN head — a 3×3 conv and two sibling 1×1 convs giving k objectness logits and
4k deltas (t_x, t_y, t_w, t_h), decoded as x = x_a + t_x·w_a, w = w_a·exp(t_w). Proposals:
decode, clip to the image, keep the top scores, NMS at IoU 0.7, keep the best few.

Live: the objectness and regression losses, recall of the true boxes by the proposals
vs by the bare anchors, the objectness map, positive anchors per location, a probe scene
with its positive anchors and its proposals after NMS.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.patches import Rectangle
from torch import nn

from demos.lib.boxes import (
    box_iou,
    draw_boxes,
    iou_reference,
    make_scenes,
    nms,
)
from demos.platform import (
    Check,
    Demo,
    Frame,
    ParamError,
    RunContext,
    heatmap,
    histogram,
    picture,
)
from demos.platform.figures import plot_history, save_figure, subplots

SIZE = 32  # image side in pixels
STRIDE = 4  # backbone stride: two 2×2 max-pools


# --- anchors ------------------------------------------------------------------------


def base_anchors(sizes: tuple[float, ...], ratios: tuple[float, ...]) -> torch.Tensor:
    """(k, 4) anchors centred on 0, ratio-major then size, rounded (torchvision's rule)."""
    s = torch.as_tensor(sizes, dtype=torch.float32)
    r = torch.as_tensor(ratios, dtype=torch.float32)
    h_ratio = r.sqrt()  # r = h / w and w·h = s²
    w_ratio = 1 / h_ratio
    ws = (w_ratio[:, None] * s[None, :]).reshape(-1)  # (k,)
    hs = (h_ratio[:, None] * s[None, :]).reshape(-1)
    return (torch.stack([-ws, -hs, ws, hs], dim=1) / 2).round()


def grid_anchors(base: torch.Tensor, height: int, width: int, stride: int) -> torch.Tensor:
    """All anchors (H·W·k, 4): every base anchor shifted to every feature-map location."""
    ys = torch.arange(height, dtype=torch.float32) * stride
    xs = torch.arange(width, dtype=torch.float32) * stride
    sy, sx = torch.meshgrid(ys, xs, indexing="ij")  # (H, W)
    shifts = torch.stack([sx, sy, sx, sy], dim=-1).reshape(-1, 1, 4)  # (H·W, 1, 4)
    return (shifts + base.to(shifts.device)[None]).reshape(-1, 4)


def _anchors_reference(sizes, ratios, height: int, width: int, stride: int) -> list[list[float]]:
    """The definition as nested loops over location, ratio and size, in plain floats."""
    out = []
    for y in range(height):
        for x in range(width):
            for r in ratios:
                for s in sizes:
                    w, h = s / math.sqrt(r), s * math.sqrt(r)
                    half = [round(-w / 2), round(-h / 2), round(w / 2), round(h / 2)]
                    out.append(
                        [
                            x * stride + half[0],
                            y * stride + half[1],
                            x * stride + half[2],
                            y * stride + half[3],
                        ]
                    )
    return out


def check_anchors(
    make: Callable = grid_anchors,
    sizes=(8, 16, 24),
    ratios=(0.5, 1.0, 2.0),
    height: int = 8,
    width: int = 8,
    stride: int = STRIDE,
) -> Check:
    """make() against the loop reference (and torchvision's AnchorGenerator if installed)."""
    k = len(sizes) * len(ratios)
    ours = make(base_anchors(sizes, ratios), height, width, stride).cpu()
    ref = torch.tensor(_anchors_reference(sizes, ratios, height, width, stride))
    same_shape = ours.shape == ref.shape == (height * width * k, 4)
    diff = (ours - ref).abs().max().item() if same_shape else math.inf
    base = base_anchors(sizes, ratios)
    w, h = base[:, 2] - base[:, 0], base[:, 3] - base[:, 1]
    want_r = torch.tensor(ratios).repeat_interleave(len(sizes))
    ratio_err = ((h / w) / want_r - 1).abs().max().item()  # rounding only
    ok = same_shape and diff == 0.0 and ratio_err < 0.15
    detail = (
        f"{len(ours)} anchors = H·W·k = {height}·{width}·{k}; max |Δ| vs the definition loop "
        f"{diff:.1f} px; h/w within {ratio_err:.0%} of the ratios after rounding"
    )
    try:
        from torchvision.models.detection.anchor_utils import AnchorGenerator
        from torchvision.models.detection.image_list import ImageList
    except Exception:
        detail += "; torchvision not installed"
    else:
        gen = AnchorGenerator((tuple(sizes),), (tuple(ratios),))
        images = ImageList(
            torch.zeros(1, 1, height * stride, width * stride), [(height * stride, width * stride)]
        )
        tv = gen(images, [torch.zeros(1, 1, height, width)])[0]
        tv_diff = (tv - ours).abs().max().item() if tv.shape == ours.shape else math.inf
        ok = ok and tv_diff == 0.0
        detail += f"; vs torchvision AnchorGenerator {tv_diff:.1f} px"
    return Check("anchors-as-torchvision", bool(ok), detail)


# --- labelling and the box coder ----------------------------------------------------------


def label_anchors(
    anchors: torch.Tensor,
    gt: torch.Tensor,
    valid: torch.Tensor,
    high: float = 0.7,
    low: float = 0.3,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Labels (N, A): 1 positive, 0 negative, -1 ignored; and the matched box index (N, A).

    gt (N, G, 4) is padded, ``valid`` (N, G) marks real boxes. Positive: IoU ≥ high, or the
    anchor (ties included) with the highest IoU for some true box.
    """
    n, g, _ = gt.shape
    iou = box_iou(anchors, gt.reshape(-1, 4)).reshape(len(anchors), n, g).permute(1, 0, 2)
    iou = iou.masked_fill(~valid[:, None, :], -1.0)  # (N, A, G)
    best, matched = iou.max(dim=2)  # (N, A)
    labels = torch.full_like(best, -1.0)
    labels[best < low] = 0.0
    labels[best >= high] = 1.0
    per_box = iou.max(dim=1, keepdim=True).values  # (N, 1, G)
    top = ((iou == per_box) & valid[:, None, :] & (per_box > 0)).any(dim=2)  # (N, A)
    labels[top] = 1.0
    return labels, matched


def _labels_reference(anchors, boxes, high=0.7, low=0.3) -> list[int]:
    """One image, plain loops over anchors and boxes."""
    ious = [[iou_reference(a, b) for b in boxes] for a in anchors]
    labels = []
    for row in ious:
        m = max(row)
        labels.append(1 if m >= high else 0 if m < low else -1)
    for j in range(len(boxes)):
        col = [row[j] for row in ious]
        best = max(col)
        for i, v in enumerate(col):
            if v == best and best > 0:
                labels[i] = 1
    return labels


def encode_deltas(boxes: torch.Tensor, anchors: torch.Tensor) -> torch.Tensor:
    """(t_x, t_y, t_w, t_h) of boxes relative to anchors (both (..., 4) corners)."""
    wa, ha = anchors[..., 2] - anchors[..., 0], anchors[..., 3] - anchors[..., 1]
    xa, ya = anchors[..., 0] + wa / 2, anchors[..., 1] + ha / 2
    w, h = boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1]
    x, y = boxes[..., 0] + w / 2, boxes[..., 1] + h / 2
    return torch.stack([(x - xa) / wa, (y - ya) / ha, (w / wa).log(), (h / ha).log()], -1)


def decode_deltas(deltas: torch.Tensor, anchors: torch.Tensor) -> torch.Tensor:
    """x = x_a + t_x·w_a, y = y_a + t_y·h_a, w = w_a·exp(t_w), h = h_a·exp(t_h) → corners."""
    wa, ha = anchors[..., 2] - anchors[..., 0], anchors[..., 3] - anchors[..., 1]
    xa, ya = anchors[..., 0] + wa / 2, anchors[..., 1] + ha / 2
    x, y = xa + deltas[..., 0] * wa, ya + deltas[..., 1] * ha
    tw, th = deltas[..., 2].clamp(max=math.log(1000 / 16)), deltas[..., 3].clamp(max=4.1)
    w, h = wa * tw.exp(), ha * th.exp()
    return torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], -1)


def check_labels(label: Callable = label_anchors, device: Any = "cpu", seed: int = 0) -> Check:
    """label() against the loop reference on generated scenes."""
    rng = np.random.default_rng(seed)
    anchors = grid_anchors(base_anchors((8, 16, 24), (0.5, 1.0, 2.0)), 8, 8, STRIDE)
    _, boxes, _ = make_scenes(6, SIZE, rng, 3, min_side=6, max_side=22)
    gt, valid = pad_boxes(boxes, device)
    ours, _ = label(anchors.to(device), gt, valid)
    wrong, counts = 0, [0, 0, 0]
    for i, b in enumerate(boxes):
        ref = _labels_reference(anchors.tolist(), b.tolist())
        wrong += sum(int(a != r) for a, r in zip(ours[i].long().tolist(), ref, strict=True))
        for v in ref:
            counts[v + 1] += 1
    every_box = all(
        bool((ours[i][box_iou(anchors.to(device), gt[i, : len(b)]).argmax(0)] == 1).all())
        for i, b in enumerate(boxes)
    )
    return Check(
        "iou-labels",
        wrong == 0 and every_box,
        f"{wrong} of {sum(counts)} anchor labels differ from the loop reference "
        f"({counts[2]} positive, {counts[1]} negative, {counts[0]} ignored); every true box "
        f"{'has' if every_box else 'lacks'} its best anchor as a positive",
    )


def check_coder(
    device: Any = "cpu",
    seed: int = 0,
    encode: Callable = encode_deltas,
    decode: Callable = decode_deltas,
) -> Check:
    """decode(encode(b, a), a) == b, and one delta by hand."""
    gen = torch.Generator().manual_seed(seed)
    xy = torch.rand(200, 2, generator=gen) * 24
    anchors = torch.cat([xy, xy + 2 + torch.rand(200, 2, generator=gen) * 20], 1).to(device)
    xy = torch.rand(200, 2, generator=gen) * 24
    boxes = torch.cat([xy, xy + 2 + torch.rand(200, 2, generator=gen) * 20], 1).to(device)
    back = decode(encode(boxes, anchors), anchors)
    err = (back - boxes).abs().max().item()
    a, b = torch.tensor([0.0, 0.0, 8.0, 4.0]), torch.tensor([2.0, 1.0, 18.0, 5.0])
    hand = torch.tensor([(10 - 4) / 8, (3 - 2) / 4, math.log(16 / 8), math.log(4 / 4)])
    hand_err = (encode(b.to(device), a.to(device)).cpu() - hand).abs().max().item()
    return Check(
        "box-coder",
        err <= 1e-4 and hand_err <= 1e-6,
        f"decode(encode(b)) == b on 200 boxes: max |Δ| = {err:.1e} px; t for anchor "
        f"(0,0,8,4) → box (2,1,18,5) = {hand.tolist()} by hand (|Δ| {hand_err:.0e})",
    )


def pad_boxes(boxes: list[np.ndarray], device: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image box lists → (N, G, 4) padded boxes and an (N, G) validity mask."""
    g = max(1, max(len(b) for b in boxes))
    gt = np.zeros((len(boxes), g, 4), dtype=np.float32)
    gt[..., 2:] = 1.0  # dummy unit boxes keep the IoU finite
    valid = np.zeros((len(boxes), g), dtype=bool)
    for i, b in enumerate(boxes):
        gt[i, : len(b)], valid[i, : len(b)] = b, True
    return torch.from_numpy(gt).to(device), torch.from_numpy(valid).to(device)


def sample_anchors(labels: torch.Tensor, per_image: int, gen: torch.Generator) -> torch.Tensor:
    """Mask (N, A) of a random balanced sample: up to half positives, negatives for the rest."""
    key = torch.rand(labels.shape, generator=gen, device=labels.device)
    pos, neg = labels == 1, labels == 0
    rank_pos = torch.where(pos, key, -1.0).argsort(1, descending=True).argsort(1)  # 0 = picked 1st
    rank_neg = torch.where(neg, key, -1.0).argsort(1, descending=True).argsort(1)
    n_pos = pos.sum(1, keepdim=True).clamp(max=per_image // 2)  # (N, 1)
    return (pos & (rank_pos < n_pos)) | (neg & (rank_neg < per_image - n_pos))


# --- the network --------------------------------------------------------------------------


class RPN(nn.Module):
    """Backbone (stride 4) + RPN head: 3×3 conv, then 1×1 convs for k logits and 4k deltas."""

    def __init__(self, width: int, k: int) -> None:
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 2 * width, 3, padding=1),
            nn.ReLU(),
        )
        self.conv = nn.Conv2d(2 * width, 2 * width, 3, padding=1)
        self.cls = nn.Conv2d(2 * width, k, 1)
        self.reg = nn.Conv2d(2 * width, 4 * k, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.conv(self.backbone(x)).relu()  # (N, C, H, W)
        n, _, h, w = f.shape
        # to the anchor order: location-major, then anchor → (N, H·W·k), (N, H·W·k, 4)
        logits = self.cls(f).permute(0, 2, 3, 1).reshape(n, -1)
        deltas = self.reg(f).view(n, -1, 4, h, w).permute(0, 3, 4, 1, 2).reshape(n, -1, 4)
        return logits, deltas


def build_rpn(width: int, k: int) -> RPN:
    return RPN(width, k)


def proposals(
    logits: torch.Tensor,
    deltas: torch.Tensor,
    anchors: torch.Tensor,
    pre_nms: int,
    post_nms: int,
    nms_iou: float,
):
    """One image: decode, clip, top pre_nms by score, NMS, keep post_nms → (boxes, scores)."""
    boxes = decode_deltas(deltas, anchors).clamp(0, SIZE)  # (A, 4) clipped to the image
    wide = ((boxes[:, 2] - boxes[:, 0]) > 1) & ((boxes[:, 3] - boxes[:, 1]) > 1)
    scores = logits.sigmoid().masked_fill(~wide, -1.0)
    top = scores.topk(min(pre_nms, len(scores))).indices
    top = top[scores[top] >= 0]
    kept = top[nms(boxes[top], scores[top], nms_iou)][:post_nms]
    return boxes[kept], scores[kept]


class RPNAnchors(Demo):
    n_eval = 64

    @staticmethod
    def _numbers(p: dict[str, Any], name: str) -> tuple[float, ...]:
        try:
            values = tuple(float(v) for v in p[name].split(",") if v.strip())
        except ValueError:
            values = ()
        if not values or any(not (0 < v <= 256) for v in values):
            raise ParamError(
                f"parameter '{name}' must be comma-separated positive numbers, got {p[name]!r}"
            )
        return values

    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        self.sizes, self.ratios = self._numbers(p, "sizes"), self._numbers(p, "ratios")
        self.k = len(self.sizes) * len(self.ratios)
        side = SIZE // STRIDE
        self.base = base_anchors(self.sizes, self.ratios)
        self.anchors = grid_anchors(self.base, side, side, STRIDE).to(ctx.device)  # (A, 4)
        x, boxes, _ = make_scenes(
            self.n_eval, SIZE, ctx.rng(1), p["objects"], min_side=6, max_side=22
        )
        self.eval_x = torch.from_numpy(x).to(ctx.device)
        self.eval_gt, self.eval_valid = pad_boxes(boxes, ctx.device)
        self.eval_labels, _ = label_anchors(
            self.anchors, self.eval_gt, self.eval_valid, p["pos_iou"], p["neg_iou"]
        )
        self.net = build_rpn(p["width"], self.k).to(ctx.device)

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        yield check_anchors(sizes=self.sizes, ratios=self.ratios)
        yield check_labels(device=ctx.device, seed=ctx.seed)
        yield check_coder(device=ctx.device, seed=ctx.seed)
        with torch.no_grad():
            logits, deltas = self.net(self.eval_x[:2])
        a = len(self.anchors)
        yield Check(
            "head-shapes",
            logits.shape == (2, a) and deltas.shape == (2, a, 4),
            f"objectness {tuple(logits.shape)} and deltas {tuple(deltas.shape)}: one score and "
            f"4 deltas per anchor, A = {SIZE // STRIDE}·{SIZE // STRIDE}·{self.k} = {a}",
        )

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        opt = torch.optim.Adam(self.net.parameters(), lr=p["lr"])
        rng = ctx.rng(2)
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        for step in range(ctx.total_steps):
            x, boxes, _ = make_scenes(p["batch"], SIZE, rng, p["objects"], min_side=6, max_side=22)
            x = torch.from_numpy(x).to(ctx.device)
            gt, valid = pad_boxes(boxes, ctx.device)
            labels, matched = label_anchors(self.anchors, gt, valid, p["pos_iou"], p["neg_iou"])
            picked = sample_anchors(labels, p["sample"], gen)  # (N, A)
            logits, deltas = self.net(x)
            obj_loss = F.binary_cross_entropy_with_logits(logits[picked], labels[picked])
            pos = picked & (labels == 1)
            target_boxes = gt.gather(1, matched[..., None].expand(-1, -1, 4))  # (N, A, 4)
            target = encode_deltas(target_boxes, self.anchors.expand_as(target_boxes))
            reg_loss = F.smooth_l1_loss(deltas[pos], target[pos], beta=1 / 9, reduction="sum")
            reg_loss = reg_loss / pos.sum().clamp(min=1)  # per positive: λ balances the terms
            loss = obj_loss + reg_loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if ctx.wants(step):
                yield self._frame(ctx, step, obj_loss, reg_loss, labels, picked)

    def _frame(self, ctx, step, obj_loss, reg_loss, labels, picked) -> Frame:
        p = ctx.params
        side = SIZE // STRIDE
        with torch.no_grad():
            logits, deltas = self.net(self.eval_x)
            best_iou, anchor_iou, found, anchor_found, total = [], [], 0, 0, 0
            oracle = box_iou(self.anchors, self.eval_gt.reshape(-1, 4))
            oracle = oracle.reshape(len(self.anchors), *self.eval_gt.shape[:2])  # (A, N, G)
            oracle_found = 0
            for i in range(len(self.eval_x)):
                gt = self.eval_gt[i][self.eval_valid[i]]
                boxes, scores = proposals(
                    logits[i], deltas[i], self.anchors, 50, p["proposals"], p["nms_iou"]
                )
                # the same scores with the deltas switched off: what regression adds
                bare, _ = proposals(
                    logits[i], deltas[i] * 0, self.anchors, 50, p["proposals"], p["nms_iou"]
                )
                best = box_iou(boxes, gt).max(0).values if len(boxes) else gt[:, 0] * 0
                anchors_best = box_iou(bare, gt).max(0).values if len(bare) else gt[:, 0] * 0
                best_iou.append(best)
                anchor_iou.append(anchors_best)
                found += int((best >= 0.5).sum())
                anchor_found += int((anchors_best >= 0.5).sum())
                oracle_found += int(
                    (oracle[:, i][:, self.eval_valid[i]].max(0).values >= 0.5).sum()
                )
                total += len(gt)
                if i == p["probe"] % len(self.eval_x):
                    probe = (boxes, scores, gt)
            i = p["probe"] % len(self.eval_x)
            objectness = logits[i].sigmoid().view(side, side, self.k)  # (H, W, k)
            positives = (self.eval_labels[i] == 1).view(side, side, self.k)
        boxes, scores, gt = probe
        canvas = self.eval_x[i, 0].cpu().numpy() * 0.35
        pos_anchors = self.anchors[self.eval_labels[i] == 1].cpu().numpy()
        anchor_pic = draw_boxes(canvas.copy(), pos_anchors, 0.7)
        draw_boxes(canvas, gt.cpu().numpy(), 0.6)
        draw_boxes(canvas, boxes.cpu().numpy(), 1.0)
        lab = labels.flatten()
        metrics = {
            "loss": (obj_loss + reg_loss).item(),
            "objectness": obj_loss.item(),
            "regression": reg_loss.item(),
            "recall": found / max(total, 1),
            "anchor_recall": anchor_found / max(total, 1),
            "oracle_recall": oracle_found / max(total, 1),
            "best_iou": torch.cat(best_iou).mean().item(),
            "anchor_best_iou": torch.cat(anchor_iou).mean().item(),
            "positives": (lab == 1).float().sum().item() / len(labels),
            "sampled": picked.float().sum().item() / len(labels),
        }
        per_shape = torch.stack([(objectness * positives).sum((0, 1)), positives.sum((0, 1))])
        self.last = {
            "image": self.eval_x[i, 0].cpu().numpy(),
            "gt": gt.cpu().numpy(),
            "proposals": boxes.cpu().numpy(),
            "scores": scores.cpu().numpy(),
            "pos_anchors": pos_anchors,
            "objectness": objectness.max(-1).values.cpu().numpy(),
            "positives": positives.sum(-1).float().cpu().numpy(),
            "label_counts": [int((lab == v).sum()) for v in (1, 0, -1)],
        }
        return Frame(
            step=step,
            metrics=metrics,
            pictures=[
                picture(f"scene {i}: positive anchors", anchor_pic),
                picture(f"scene {i}: truth (grey), proposals after NMS (white)", canvas),
            ],
            heatmaps=[
                heatmap("max objectness per location", self.last["objectness"], "x", "y"),
                heatmap("positive anchors per location (truth)", self.last["positives"], "x", "y"),
                heatmap(
                    "objectness summed on positives / count, per anchor shape",
                    per_shape,
                    "anchor (ratio-major)",
                    "sum | count",
                ),
            ],
            histograms=[
                histogram(
                    "anchor labels in the last batch",
                    self.last["label_counts"],
                    ["positive", "negative", "ignored"],
                )
            ],
        )

    def learned(self, ctx: RunContext) -> Check:
        rec = ctx.final.get("recall", math.nan)
        bare = ctx.final.get("anchor_recall", math.nan)
        oracle = ctx.final.get("oracle_recall", math.nan)
        iou, a_iou = ctx.final.get("best_iou", math.nan), ctx.final.get("anchor_best_iou", 0)
        n = ctx.params["proposals"]
        ok = rec >= 0.7 and iou >= a_iou + 0.05
        return Check(
            "learning",
            bool(ok),
            f"top-{n} proposals find {rec:.2f} of the held-out true boxes at IoU 0.5 (floor 0.7; "
            f"same scores without the deltas {bare:.2f}; best of all {len(self.anchors)} anchors "
            f"{oracle:.2f}); mean best IoU {iou:.2f} vs {a_iou:.2f} without the deltas "
            f"(needs +0.05: the regression refines the anchors)",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, last = ctx.history, self.last
        fig, axes = subplots(2, 3, (14, 8.5))
        ax = axes[0, 0]
        plot_history(ax, hist, ["objectness"], labels=["objectness (BCE)"])
        plot_history(ax, hist, ["regression"], labels=["deltas (smooth L1)"])
        ax.set(title="RPN losses", xlabel="step")
        ax.legend()
        ax = axes[0, 1]
        plot_history(ax, hist, ["recall"], labels=[f"top-{ctx.params['proposals']} proposals"])
        plot_history(ax, hist, ["anchor_recall"], styles=["--"], labels=["same scores, no deltas"])
        plot_history(ax, hist, ["oracle_recall"], styles=["--"], labels=["best of all anchors"])
        plot_history(ax, hist, ["best_iou"], labels=["proposals: mean best IoU"])
        plot_history(
            ax, hist, ["anchor_best_iou"], styles=[":"], labels=["no deltas: mean best IoU"]
        )
        ax.set(title="held-out true boxes found (IoU ≥ 0.5)", xlabel="step", ylim=(0, 1.02))
        ax.legend(fontsize=8)
        ax = axes[0, 2]
        for x1, y1, x2, y2 in self.base.numpy():
            ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False))
        lim = float(np.abs(self.base.numpy()).max()) + 2
        ax.set(
            title=f"k = {self.k} base anchors (sizes {self.sizes}, ratios h/w {self.ratios})",
            xlim=(-lim, lim),
            ylim=(lim, -lim),
            aspect="equal",
        )
        ax.title.set_fontsize(8)

        def scene(ax, title):
            ax.imshow(last["image"], cmap="gray", vmin=0, vmax=1.6, extent=(0, SIZE, SIZE, 0))
            for x1, y1, x2, y2 in last["gt"]:
                ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec="lime", lw=2))
            ax.set(title=title, xlim=(-4, SIZE + 4), ylim=(SIZE + 4, -4))

        ax = axes[1, 0]
        scene(ax, f"positive anchors (IoU ≥ {ctx.params['pos_iou']} or best)")
        for x1, y1, x2, y2 in last["pos_anchors"]:
            ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec="cyan", lw=1))
        ax = axes[1, 1]
        scene(ax, f"proposals after NMS {ctx.params['nms_iou']} (orange)")
        for (x1, y1, x2, y2), s in zip(last["proposals"], last["scores"], strict=True):
            ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec="orange", lw=1.5))
            ax.text(x1, y1, f"{s:.2f}", color="orange", fontsize=7)
        ax = axes[1, 2]
        im = ax.imshow(last["objectness"], cmap="magma", vmin=0, vmax=1)
        ys, xs = np.nonzero(last["positives"])
        ax.scatter(xs, ys, marker="+", color="cyan", label="has a positive anchor")
        ax.set(title="max objectness per feature-map location", xlabel="x", ylabel="y")
        ax.legend(loc="lower right", fontsize=7)
        fig.colorbar(im, ax=ax, fraction=0.046)
        title = (
            f"rpn-anchors: {SIZE // STRIDE}×{SIZE // STRIDE} map, stride {STRIDE}, "
            f"{len(self.anchors)} anchors ({ctx.total_steps} steps, {ctx.device})"
        )
        return [save_figure(out_dir, "rpn-anchors", fig, title=title, dpi=100)]
