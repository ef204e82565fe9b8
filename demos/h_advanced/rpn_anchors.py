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
    Bilingual,
    Check,
    Demo,
    Frame,
    ParamError,
    RunContext,
    heatmap,
    histogram,
    picture,
)
from demos.platform.figures import (
    animation,
    image_panel,
    integer_ticks,
    plot_history,
    plt,
    save_figure,
    subplots,
)

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


def paired_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of box a[i] with box b[i], (P, 4) each → (P,)."""
    lo, hi = torch.maximum(a[:, :2], b[:, :2]), torch.minimum(a[:, 2:], b[:, 2:])
    inter = (hi - lo).clamp(min=0).prod(1)
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    return inter / (area(a) + area(b) - inter).clamp(min=1e-9)


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
    nms_iou: float | None,
):
    """One image: decode, clip, top pre_nms by score, NMS, keep post_nms → (boxes, scores).

    ``nms_iou=None`` skips the NMS (the contrast): the post_nms best-scored boxes as they are.
    """
    boxes = decode_deltas(deltas, anchors).clamp(0, SIZE)  # (A, 4) clipped to the image
    wide = ((boxes[:, 2] - boxes[:, 0]) > 1) & ((boxes[:, 3] - boxes[:, 1]) > 1)
    scores = logits.sigmoid().masked_fill(~wide, -1.0)
    top = scores.topk(min(pre_nms, len(scores))).indices
    top = top[scores[top] >= 0]
    if nms_iou is None:
        kept = top[:post_nms]
    else:
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
        self.probe = p["probe"] % len(boxes)
        self.eval_labels, matched = label_anchors(
            self.anchors, self.eval_gt, self.eval_valid, p["pos_iou"], p["neg_iou"]
        )
        # each positive anchor and the true box it is labelled against: (P, 4) each
        pos = self.eval_labels == 1
        targets = self.eval_gt.gather(1, matched[..., None].expand(-1, -1, 4))  # (N, A, 4)
        self.eval_pos, self.eval_targets = pos, targets[pos]
        self.pos_anchors_iou = paired_iou(self.anchors.expand_as(targets)[pos], targets[pos])
        self.net = build_rpn(p["width"], self.k).to(ctx.device)
        self.snapshots: dict[int, dict[str, Any]] = {}  # record step → the probe's proposals

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
        return self.caption(ctx)

    def _frame(self, ctx, step, obj_loss, reg_loss, labels, picked) -> Frame:
        p = ctx.params
        side = SIZE // STRIDE
        with torch.no_grad():
            logits, deltas = self.net(self.eval_x)
            best_iou, anchor_iou, found, anchor_found, total = [], [], 0, 0, 0
            oracle = box_iou(self.anchors, self.eval_gt.reshape(-1, 4))
            oracle = oracle.reshape(len(self.anchors), *self.eval_gt.shape[:2])  # (A, N, G)
            oracle_found = piled_found = 0
            pos_deltas = deltas[self.eval_pos]  # (P, 4): what the head says for each positive
            refined = decode_deltas(
                pos_deltas, self.anchors.expand(len(deltas), -1, -1)[self.eval_pos]
            )
            refined_iou = paired_iou(refined, self.eval_targets).mean().item()
            for i in range(len(self.eval_x)):
                gt = self.eval_gt[i][self.eval_valid[i]]
                boxes, scores = proposals(
                    logits[i], deltas[i], self.anchors, 50, p["proposals"], p["nms_iou"]
                )
                # the same scores with the deltas switched off: what regression adds
                bare, _ = proposals(
                    logits[i], deltas[i] * 0, self.anchors, 50, p["proposals"], p["nms_iou"]
                )
                # the same boxes without NMS: the top scores, duplicates and all
                piled, _ = proposals(logits[i], deltas[i], self.anchors, 50, p["proposals"], None)
                best = box_iou(boxes, gt).max(0).values if len(boxes) else gt[:, 0] * 0
                anchors_best = box_iou(bare, gt).max(0).values if len(bare) else gt[:, 0] * 0
                piled_best = box_iou(piled, gt).max(0).values if len(piled) else gt[:, 0] * 0
                best_iou.append(best)
                anchor_iou.append(anchors_best)
                found += int((best >= 0.5).sum())
                anchor_found += int((anchors_best >= 0.5).sum())
                piled_found += int((piled_best >= 0.5).sum())
                oracle_found += int(
                    (oracle[:, i][:, self.eval_valid[i]].max(0).values >= 0.5).sum()
                )
                total += len(gt)
                if i == self.probe:
                    probe = (boxes, scores, gt, piled)
            i = self.probe
            objectness = logits[i].sigmoid().view(side, side, self.k)  # (H, W, k)
            positives = (self.eval_labels[i] == 1).view(side, side, self.k)
        boxes, scores, gt, piled = probe
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
            "no_nms_recall": piled_found / max(total, 1),
            "pos_anchor_iou": self.pos_anchors_iou.mean().item(),
            "refined_iou": refined_iou,
            "oracle_recall": oracle_found / max(total, 1),
            "best_iou": torch.cat(best_iou).mean().item(),
            "anchor_best_iou": torch.cat(anchor_iou).mean().item(),
            "positives": (lab == 1).float().sum().item() / len(labels),
            "sampled": picked.float().sum().item() / len(labels),
        }
        per_shape = torch.stack([(objectness * positives).sum((0, 1)), positives.sum((0, 1))])
        with torch.no_grad():  # the probe's top scores with the deltas switched off
            bare, _ = proposals(
                logits[i], deltas[i] * 0, self.anchors, 50, p["proposals"], p["nms_iou"]
            )
        eval_lab = self.eval_labels[i]
        self.last = {
            "image": self.eval_x[i, 0].cpu().numpy(),
            "gt": gt.cpu().numpy(),
            "proposals": boxes.cpu().numpy(),
            "scores": scores.cpu().numpy(),
            "piled": piled.cpu().numpy(),
            "bare": bare.cpu().numpy(),
            "pos_anchors": pos_anchors,
            "ignored": self.anchors[eval_lab == -1].cpu().numpy(),
            "n_negative": int((eval_lab == 0).sum()),
            "objectness": objectness.max(-1).values.cpu().numpy(),
            "positives": positives.sum(-1).float().cpu().numpy(),
            "label_counts": [int((lab == v).sum()) for v in (1, 0, -1)],
            "sampled_counts": [int((picked & (labels == v)).sum()) for v in (1, 0)],
        }
        if ctx.should_record(step):
            self.snapshots[step] = {
                "proposals": self.last["proposals"],
                "objectness": self.last["objectness"],
                "recall": metrics["recall"],
            }
        return Frame(
            step=step,
            metrics=metrics,
            pictures=[
                picture(f"scene {i}: positive anchors", anchor_pic, key="positives"),
                picture(
                    f"scene {i}: truth (grey), proposals after NMS (white)", canvas, key="proposals"
                ),
            ],
            heatmaps=[
                heatmap(
                    "max objectness per location",
                    self.last["objectness"],
                    "x",
                    "y",
                    key="objectness",
                    vmin=0,
                    vmax=1,
                ),
                heatmap(
                    "positive anchors per location (truth)",
                    self.last["positives"],
                    "x",
                    "y",
                    key="positive-count",
                ),
                heatmap(
                    "objectness summed on positives / count, per anchor shape",
                    per_shape,
                    "anchor (ratio-major)",
                    "sum | count",
                    key="per-shape",
                ),
            ],
            histograms=[
                histogram(
                    "anchor labels in the last batch",
                    self.last["label_counts"],
                    ["positive", "negative", "ignored"],
                    key="labels",
                )
            ],
        )

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, from this run's numbers."""
        f, p = ctx.final, ctx.params
        side = SIZE // STRIDE
        k, n = p["proposals"], len(self.anchors)
        it = {key: _it(f[key], ".2f") for key in f}
        return Bilingual(
            en=(
                f"{n} anchors ({side}×{side} locations × k = {self.k}) already overlap "
                f"{f['oracle_recall']:.0%} of the true boxes at IoU 0.5. The learned deltas lift "
                f"the positive anchors' IoU with their box from {f['pos_anchor_iou']:.2f} to "
                f"{f['refined_iou']:.2f}, so the top-{k} proposals reach a mean best IoU of "
                f"{f['best_iou']:.2f} against {f['anchor_best_iou']:.2f} for the same anchors "
                f"undeformed. Their recall is {f['recall']:.2f} after NMS at {p['nms_iou']:g} "
                f"and {f['no_nms_recall']:.2f} without it, where the top boxes pile on one object."
            ),
            it=(
                f"{n} anchor ({side}×{side} posizioni × k = {self.k}) coprono già il "
                f"{f['oracle_recall']:.0%} dei box veri a IoU 0,5. I delta appresi portano la IoU "
                f"degli anchor positivi con il loro box da {it['pos_anchor_iou']} a "
                f"{it['refined_iou']}, così le prime {k} proposte arrivano a una IoU migliore "
                f"media di {it['best_iou']} contro {it['anchor_best_iou']} degli stessi anchor "
                f"non deformati. Il loro recall è {it['recall']} dopo la NMS a "
                f"{_it(p['nms_iou'], 'g')} e {it['no_nms_recall']} senza, quando i box migliori "
                f"si ammassano su un solo oggetto."
            ),
        )

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        rec = f.get("recall", math.nan)
        bare = f.get("anchor_recall", math.nan)
        oracle = f.get("oracle_recall", math.nan)
        piled = f.get("no_nms_recall", math.nan)
        iou, a_iou = f.get("best_iou", math.nan), f.get("anchor_best_iou", math.nan)
        refined, pos = f.get("refined_iou", math.nan), f.get("pos_anchor_iou", math.nan)
        p = ctx.params
        n = p["proposals"]
        side = SIZE // STRIDE
        count = side * side * len(self._numbers(p, "sizes")) * len(self._numbers(p, "ratios"))
        lead = 0.05
        ok = rec >= 0.7 and iou >= a_iou + lead and refined >= pos + lead and rec >= piled
        return Check(
            "learning",
            bool(ok),
            f"top-{n} proposals find {rec:.2f} of the held-out true boxes at IoU 0.5 (floor 0.7; "
            f"same scores without the deltas {bare:.2f}; without NMS {piled:.2f}, may not be "
            f"higher; best of all {count} anchors {oracle:.2f}); mean best IoU "
            f"{iou:.2f} vs {a_iou:.2f} without the deltas, positive anchors {pos:.2f} -> "
            f"{refined:.2f} after them (each needs +{lead}: the regression refines the anchors)",
        )

    # -- figures --------------------------------------------------------------------------

    def _scene(self, ax, title: str) -> None:
        last = self.last
        ax.imshow(last["image"], cmap="gray", vmin=0, vmax=1.6, extent=(0, SIZE, SIZE, 0))
        for x1, y1, x2, y2 in last["gt"]:
            ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec="lime", lw=2.5))
        ax.set(title=title, xlim=(-6, SIZE + 6), ylim=(SIZE + 6, -6))
        ax.set_xticks(range(0, SIZE + 1, 8))
        ax.set_yticks(range(0, SIZE + 1, 8))

    def _found(self, boxes: np.ndarray) -> str:
        """'finds 2 of 3 true boxes' (IoU ≥ 0.5) for the probe scene."""
        gt = torch.from_numpy(self.last["gt"])
        if not len(boxes):
            return f"finds 0 of {len(gt)} true boxes"
        best = box_iou(torch.from_numpy(boxes), gt).max(0).values
        return f"finds {int((best >= 0.5).sum())} of {len(gt)} true boxes"

    @staticmethod
    def _outline(ax, boxes, colour, lw=1.5, ls="-", scores=None) -> list[Any]:
        drawn = []
        for k, (x1, y1, x2, y2) in enumerate(np.asarray(boxes).reshape(-1, 4)):
            drawn.append(
                ax.add_patch(
                    Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec=colour, lw=lw, ls=ls)
                )
            )
            if scores is not None:
                drawn.append(
                    ax.text(
                        x1 + 0.3, y1 + 1.5, f"{k + 1}", color=colour, fontsize=8, fontweight="bold"
                    )
                )
        return drawn

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, last, p = ctx.history, self.last, ctx.params
        k_shown = p["proposals"]
        fig = plt.figure(figsize=(20, 15))
        grid = fig.add_gridspec(3, 4)
        ax = fig.add_subplot(grid[0, 0])
        plot_history(ax, hist, ["objectness"], labels=["objectness (BCE)"])
        plot_history(ax, hist, ["regression"], labels=["deltas (smooth L1 per positive)"])
        ax.set(title="RPN losses (train)", ylabel="loss")
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, 1])
        plot_history(ax, hist, ["recall"], labels=[f"top-{k_shown} proposals"], color="C0", lw=2)
        plot_history(
            ax, hist, ["anchor_recall"], styles=["--"], labels=["same, no deltas"], color="C3"
        )
        plot_history(
            ax, hist, ["no_nms_recall"], styles=["-."], labels=["same, no NMS"], color="C1"
        )
        plot_history(
            ax, hist, ["oracle_recall"], styles=[":"], labels=["best of all anchors"], color="k"
        )
        ax.set(title="held-out true boxes found (IoU ≥ 0.5)", ylim=(0, 1.02), ylabel="recall")
        ax.legend(fontsize=8, loc="lower right")
        ax = fig.add_subplot(grid[0, 2])
        plot_history(
            ax, hist, ["refined_iou"], labels=["positive anchors + deltas"], color="C0", lw=2
        )
        plot_history(
            ax, hist, ["pos_anchor_iou"], styles=["--"], labels=["positive anchors"], color="C3"
        )
        plot_history(
            ax, hist, ["best_iou"], labels=["proposals: best IoU per true box"], color="C2"
        )
        plot_history(
            ax, hist, ["anchor_best_iou"], styles=[":"], labels=["same, no deltas"], color="C2"
        )
        ax.set(title="what the regression adds: IoU with the true box", ylim=(0, 1.02))
        ax.legend(fontsize=8, loc="lower right")
        ax = fig.add_subplot(grid[0, 3])
        ratios = np.repeat(np.asarray(self.ratios), len(self.sizes))
        sizes = np.tile(np.asarray(self.sizes), len(self.ratios))
        for (x1, y1, x2, y2), r, sz in zip(self.base.numpy(), ratios, sizes, strict=True):
            colour = f"C{list(self.ratios).index(r)}"
            ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec=colour, lw=1.8))
            if r == 1:  # the sizes, once
                ax.text(x2, y2, f"{sz:g} px", color="k", fontsize=8, va="top")
        lim = float(np.abs(self.base.numpy()).max()) + 2
        for r in self.ratios:
            ax.plot([], [], color=f"C{list(self.ratios).index(r)}", label=f"ratio h/w {r:g}")
        ax.set(
            title=f"the k = {self.k} base anchors: sizes {', '.join(f'{v:g}' for v in self.sizes)}"
            " px",
            xlim=(-lim, lim),
            ylim=(lim, -lim),
            aspect="equal",
        )
        ax.legend(fontsize=8, loc="lower right")

        ax = fig.add_subplot(grid[1, 0])
        self._scene(
            ax,
            f"the anchor grid: {SIZE // STRIDE}×{SIZE // STRIDE} centres, stride "
            f"{STRIDE}; k anchors at one",
        )
        side = SIZE // STRIDE
        xs, ys = np.meshgrid(np.arange(side) * STRIDE, np.arange(side) * STRIDE)
        ax.scatter(xs, ys, s=10, color="yellow", zorder=3)
        gx1, gy1, gx2, gy2 = last["gt"][0]
        cx = int(np.clip(round((gx1 + gx2) / 2 / STRIDE), 0, side - 1)) * STRIDE
        cy = int(np.clip(round((gy1 + gy2) / 2 / STRIDE), 0, side - 1)) * STRIDE
        for (x1, y1, x2, y2), r in zip(self.base.numpy(), ratios, strict=True):
            ax.add_patch(
                Rectangle(
                    (cx + x1, cy + y1),
                    x2 - x1,
                    y2 - y1,
                    fill=False,
                    ec=f"C{list(self.ratios).index(r)}",
                    lw=1.2,
                )
            )
        ax.scatter([cx], [cy], s=60, color="red", zorder=4)
        ax = fig.add_subplot(grid[1, 1])
        self._scene(ax, "anchor labels by IoU with the true boxes")
        ign = last["ignored"]
        ax.scatter(
            (ign[:, 0] + ign[:, 2]) / 2,
            (ign[:, 1] + ign[:, 3]) / 2,
            s=6,
            marker="x",
            color="orange",
            alpha=0.6,
            label=f"ignored: {len(ign)} (centres)",
        )
        self._outline(ax, last["pos_anchors"], "cyan", 1.8)
        ax.plot([], [], color="cyan", label=f"positive: {len(last['pos_anchors'])}")
        ax.plot([], [], " ", label=f"negative: {last['n_negative']} (not drawn)")
        ax.legend(
            fontsize=7,
            loc="lower left",
            title=f"≥ {p['pos_iou']:g} or a box's best | < {p['neg_iou']:g}",
            title_fontsize=7,
        )
        ax = fig.add_subplot(grid[1, 2])
        self._scene(ax, f"top-{k_shown}, bare anchors: {self._found(last['bare'])}")
        self._outline(ax, last["bare"], "C3", 1.5, scores=True)
        ax = fig.add_subplot(grid[1, 3])
        self._scene(ax, f"deltas + NMS at {p['nms_iou']:g}: {self._found(last['proposals'])}")
        self._outline(ax, last["proposals"], "orange", 1.8, scores=True)
        ax = fig.add_subplot(grid[2, 0])
        self._scene(ax, f"deltas, no NMS (they pile up): {self._found(last['piled'])}")
        self._outline(ax, last["piled"], "C1", 1.5, scores=True)
        ax = fig.add_subplot(grid[2, 1])
        image_panel(
            fig,
            ax,
            last["objectness"],
            title="max objectness per location",
            cmap="magma",
            vmin=0,
            vmax=1,
        )
        ys_, xs_ = np.nonzero(last["positives"])
        ax.scatter(xs_, ys_, marker="+", s=80, color="cyan", label="has a positive anchor")
        ax.set(xlabel="x (feature map)", ylabel="y (feature map)")
        ax.legend(loc="lower right", fontsize=7)
        ax = fig.add_subplot(grid[2, 2])
        counts = last["label_counts"]
        sampled = last["sampled_counts"]
        names = ["positive", "negative", "ignored"]
        for k, (name, colour) in enumerate(zip(names, ("cyan", "C3", "orange"), strict=True)):
            ax.bar(k - 0.2, counts[k], 0.4, color=colour, label=f"{name} (labelled)")
        ax.bar(np.arange(2) + 0.2, sampled, 0.4, color="grey", label="sampled for the loss")
        ax.set_xticks(range(3), names)
        ax.set_yscale("log")
        ax.set(title=f"anchor labels in the last batch ({p['batch']} images)", ylabel="anchors")
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[2, 3])
        ax.axis("off")
        ax.text(
            0,
            1,
            "\n".join(
                [
                    "Faster R-CNN, stage 1: the RPN",
                    "",
                    f"backbone: 32×32 image → {side}×{side} map (stride {STRIDE})",
                    "head: 3×3 conv, then two 1×1 convs:",
                    f"  k = {self.k} objectness logits per location",
                    f"  4k = {4 * self.k} deltas (t_x, t_y, t_w, t_h)",
                    "decode: x = x_a + t_x·w_a,  w = w_a·exp(t_w)",
                    f"A = H·W·k = {side}·{side}·{self.k} = {len(self.anchors)} anchors",
                    "proposals: decode, clip, top scores,",
                    f"  NMS at IoU {p['nms_iou']:g}, keep {k_shown}",
                    "",
                    "stage 2 (not here): RoI pooling of each",
                    "proposal, then class + box refinement",
                ]
            ),
            va="top",
            family="monospace",
            fontsize=9,
        )
        title = (
            f"rpn-anchors: {side}×{side} map, stride {STRIDE}, {len(self.anchors)} anchors, "
            f"{ctx.total_steps} steps on {ctx.device}"
        )
        fig.suptitle(title, y=1.0, fontsize=13)
        words = self.caption(ctx)
        path = save_figure(out_dir, "rpn-anchors", fig, caption=f"{words.en}\n{words.it}")
        return [path, self._animation(out_dir, p)]

    def _animation(self, out_dir: Path, p: dict[str, Any]) -> Path:
        """The objectness map and the probe's proposals at the recorded steps."""
        steps = sorted(self.snapshots)
        if len(steps) > 40:
            steps = steps[:: math.ceil(len(steps) / 40)]
        fig, axes = subplots(1, 2, (9.5, 5))
        fig.subplots_adjust(left=0.05, right=0.97, top=0.83, bottom=0.1, wspace=0.15)
        heat = axes[0].imshow(self.last["objectness"], cmap="magma", vmin=0, vmax=1)
        fig.colorbar(heat, ax=axes[0], fraction=0.046)
        integer_ticks(axes[0], x=True, y=True)
        axes[0].set(title="max objectness per location", xlabel="x", ylabel="y")
        self._scene(axes[1], "")
        head = fig.suptitle("")
        drawn: list[Any] = []

        def update(i: int) -> None:
            snap = self.snapshots[steps[i]]
            while drawn:
                drawn.pop().remove()
            heat.set_data(snap["objectness"])
            drawn.extend(self._outline(axes[1], snap["proposals"], "orange", 1.8, scores=True))
            axes[1].set_title(f"top-{p['proposals']} proposals after NMS")
            head.set_text(f"step {steps[i]}: held-out recall {snap['recall']:.2f}")

        return animation(out_dir, "rpn-anchors", fig, update, len(steps), fps=4, dpi=70)


def _it(value: float, fmt: str) -> str:
    """A number as Italian writes it: decimal comma."""
    return format(value, fmt).replace(".", ",")
