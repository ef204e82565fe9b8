"""YOLO on a grid: responsible cells, box encoding, IoU and NMS (questions h.01–h.03).

Synthetic 32×32 scenes hold one to three rectangles of two classes (filled, hollow). The
image is divided into an S×S grid; the cell that contains a box's centre is *responsible*
for it. A small fully convolutional net reads the whole image once and outputs one tensor
(B, S, S, 5·B_box + C): per cell, B_box boxes (x, y, √w, √h, confidence) and one set of C
class probabilities. (x, y) is the centre's offset inside the cell, in [0, 1]; w and h are
fractions of the whole image, so a box can reach beyond its cell.

The YOLOv1 loss is a weighted sum of squared errors: λ_coord = 5 on the centre and on
√w, √h (an error on a small box costs more), the confidence target IoU(pred, truth) for
the predictor (of the responsible cell) whose box overlaps the truth most, λ_noobj = 0.5
on the confidence of every other predictor, class errors only in cells with an object.
At test time score = confidence × class probability; boxes under a threshold are dropped
and greedy NMS (per class) removes the duplicates.

The contrast: the same detections scored twice on held-out scenes, once as every box
above the score threshold and once after NMS. Several predictors (neighbouring cells,
the B boxes of one cell) fire on one object, so without NMS most extra boxes are
duplicates and precision falls; NMS removes them at almost no cost in recall.

Live: the loss terms, held-out precision with and without NMS, recall, mean IoU of the
responsible predictors, boxes per image before and after NMS; a probe scene with the
grid, the true boxes and the kept boxes, the per-cell confidence map, the target
(responsible-cell) map and the IoU matrix NMS reads. The GIF shows the detections over
training, then NMS on the final candidates one round at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.patches import Rectangle
from torch import nn

from demos.lib.boxes import (
    box_iou,
    draw_boxes,
    iou_reference,
    make_scenes,
    nms,
    nms_reference,
    nms_steps,
    random_boxes,
    torchvision_ops,
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

CLASSES = ("filled", "hollow")


# --- synthetic scenes ---------------------------------------------------------------


# --- boxes: IoU and NMS (shared with rpn-anchors) ------------------------------------


def check_iou(iou_fn: Callable = box_iou, device: Any = "cpu", seed: int = 0) -> Check:
    """iou_fn against the brute-force pair loop (and torchvision.ops.box_iou if present)."""
    gen = torch.Generator().manual_seed(seed)
    a, b = random_boxes(24, gen), random_boxes(16, gen)
    b[0] = a[0]  # identical pair: IoU 1
    b[1] = torch.tensor([100.0, 100.0, 110.0, 110.0])  # disjoint from everything: IoU 0
    b[2] = torch.tensor([a[1, 0], a[1, 1], (a[1, 0] + a[1, 2]) / 2, a[1, 3]])  # half of a[1]
    ours = iou_fn(a.to(device), b.to(device)).cpu().double()
    ref = torch.tensor([[iou_reference(p, q) for q in b.tolist()] for p in a.tolist()])
    diff = (ours - ref).abs().max().item()
    ok = diff <= 1e-5 and abs(ours[0, 0].item() - 1) < 1e-6 and ours[:, 1].abs().max() == 0
    ok = ok and abs(ours[1, 2].item() - 0.5) < 1e-5
    detail = f"{tuple(ref.shape)} pairs vs the float loop: max |Δ| = {diff:.1e}"
    ops = torchvision_ops()
    if ops is not None:
        tv = (ops.box_iou(a, b).double() - ours).abs().max().item()
        ok = ok and tv <= 1e-5
        detail += f"; vs torchvision.ops.box_iou {tv:.1e}"
    else:
        detail += "; torchvision not installed"
    detail += (
        f"; identical {ours[0, 0]:.3f}, disjoint {ours[:, 1].max():.3f}, half {ours[1, 2]:.3f}"
    )
    return Check("iou-brute-force", bool(ok), detail)


def check_nms(nms_fn: Callable = nms, device: Any = "cpu", seed: int = 0) -> Check:
    """nms_fn against the textbook loop on clustered random boxes at three thresholds."""
    gen = torch.Generator().manual_seed(seed + 1)
    mismatches, cases, kept_total, total = 0, 0, 0, 0
    tv_mismatches = 0
    ops = torchvision_ops()
    for _ in range(6):
        centres = random_boxes(4, gen)  # clusters of jittered copies: many overlaps
        boxes = centres.repeat(6, 1) + torch.randn(24, 4, generator=gen) * 1.0
        boxes[:, 2:] = torch.maximum(boxes[:, 2:], boxes[:, :2] + 1.0)
        scores = torch.rand(24, generator=gen)
        for thr in (0.3, 0.5, 0.7):
            ours = nms_fn(boxes.to(device), scores.to(device), thr).cpu().tolist()
            ref = nms_reference(boxes.tolist(), scores.tolist(), thr)
            mismatches += ours != ref
            if ops is not None:
                tv_mismatches += ops.nms(boxes, scores, thr).tolist() != ref
            cases, kept_total, total = cases + 1, kept_total + len(ref), total + len(boxes)
    detail = (
        f"{cases - mismatches}/{cases} cases keep the same boxes in the same order as the "
        f"textbook loop ({kept_total}/{total} boxes kept)"
    )
    detail += (
        f"; torchvision.ops.nms agrees on {cases - tv_mismatches}/{cases}"
        if ops is not None
        else "; torchvision not installed"
    )
    return Check("nms-brute-force", mismatches == 0 and tv_mismatches == 0, detail)


# --- YOLO encoding --------------------------------------------------------------------


def encode_targets(
    boxes: torch.Tensor,
    labels: torch.Tensor,
    s: int,
    size: int,
    classes: int,
    owner: torch.Tensor | None = None,
    n: int = 1,
):
    """Truth → (n, S, S, 5 + C): x, y (offset in cell), √w, √h, object, one-hot class.

    ``owner`` (K,) says which image each box belongs to (all image 0 when omitted).
    """
    target = torch.zeros(n, s, s, 5 + classes, device=boxes.device)
    owner = owner if owner is not None else torch.zeros_like(labels)
    cell = size / s
    cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    w, h = (boxes[:, 2] - boxes[:, 0]) / size, (boxes[:, 3] - boxes[:, 1]) / size
    col, row = (cx / cell).floor().long(), (cy / cell).floor().long()  # responsible cell
    target[owner, row, col, 0] = cx / cell - col
    target[owner, row, col, 1] = cy / cell - row
    target[owner, row, col, 2], target[owner, row, col, 3] = w.sqrt(), h.sqrt()
    target[owner, row, col, 4] = 1.0
    target[owner, row, col, 5 + labels] = 1.0
    return target


def batch_targets(boxes: list, labels: list, s: int, size: int, device: Any) -> torch.Tensor:
    """make_scenes' per-image lists → one (N, S, S, 5 + C) target tensor."""
    owner = np.concatenate([np.full(len(b), i) for i, b in enumerate(boxes)])
    return encode_targets(
        torch.from_numpy(np.concatenate(boxes)).to(device),
        torch.from_numpy(np.concatenate(labels)).to(device),
        s,
        size,
        len(CLASSES),
        torch.from_numpy(owner).to(device),
        len(boxes),
    )


def cell_boxes(xywh: torch.Tensor, size: int) -> torch.Tensor:
    """(..., S, S, 4) of x, y, √w, √h → corner boxes (..., S, S, 4) in pixels."""
    s = xywh.shape[-2]
    cell = size / s
    idx = torch.arange(s, device=xywh.device, dtype=xywh.dtype)
    cx = (idx[None, :] + xywh[..., 0]) * cell  # column index along the last grid axis
    cy = (idx[:, None] + xywh[..., 1]) * cell
    w, h = xywh[..., 2] ** 2 * size, xywh[..., 3] ** 2 * size
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=-1)


def check_encoding(encode: Callable = encode_targets, seed: int = 0, device: Any = "cpu") -> Check:
    """encode → decode returns every true box, from the cell that contains its centre."""
    rng = np.random.default_rng(seed)
    s, size, worst, bad_cells, count = 4, 32, 0.0, 0, 0
    for _ in range(20):
        _, boxes, labels = make_scenes(1, size, rng, grid=s)
        b = torch.from_numpy(boxes[0]).to(device)
        t = encode(b, torch.from_numpy(labels[0]).to(device), s, size, 2)[0]
        decoded = cell_boxes(t[..., :4], size)  # (S, S, 4)
        rows, cols = torch.nonzero(t[..., 4] > 0, as_tuple=True)
        for box in b:
            cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            r, c = int(cy // (size / s)), int(cx // (size / s))
            inside = bool(((rows == r) & (cols == c)).any())
            bad_cells += not inside
            worst = max(worst, (decoded[r, c] - box).abs().max().item())
            count += 1
        off = t[..., :2][t[..., 4] > 0]
        bad_cells += int(((off < 0) | (off >= 1)).any())
    ok = bad_cells == 0 and worst <= 1e-4 and t.shape == (s, s, 5 + 2)
    return Check(
        "encode-decode",
        bool(ok),
        f"{count} boxes encoded in their centre's cell and decoded back: max |Δ| = {worst:.1e} px; "
        f"{bad_cells} wrong cells or offsets outside [0, 1); target per cell: 5 + C = 7",
    )


# --- the network and its loss -------------------------------------------------------------


def build_net(s: int, size: int, boxes: int, classes: int, width: int) -> Any:
    """Conv + max-pool until the map is S×S, then a 1×1 conv to 5·B + C channels per cell."""
    layers: list[nn.Module] = [nn.Conv2d(1, width, 3, padding=1), nn.ReLU()]
    ch, side = width, size
    while side > s:
        layers += [nn.MaxPool2d(2), nn.Conv2d(ch, 2 * ch, 3, padding=1), nn.ReLU()]
        ch, side = 2 * ch, side // 2
    layers += [nn.Conv2d(ch, ch, 3, padding=1), nn.ReLU(), nn.Conv2d(ch, 5 * boxes + classes, 1)]
    return nn.Sequential(*layers)


def split_output(out: torch.Tensor, boxes: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(N, 5B + C, S, S) → boxes (N, S, S, B, 4), confidence (N, S, S, B), probs (N, S, S, C)."""
    out = out.permute(0, 2, 3, 1)  # (N, S, S, 5B + C)
    n, s, _, _ = out.shape
    raw = out[..., : 5 * boxes].reshape(n, s, s, boxes, 5)
    probs = torch.softmax(out[..., 5 * boxes :], dim=-1)
    # bounded coordinates; a linear confidence (as in YOLOv1) cannot saturate at 0
    return raw[..., :4].sigmoid(), raw[..., 4], probs


def yolo_loss(
    out: torch.Tensor, target: torch.Tensor, size: int, boxes: int, l_coord: float, l_noobj: float
) -> tuple[torch.Tensor, dict[str, torch.Tensor], torch.Tensor]:
    """YOLOv1's sum-squared loss (per image); returns total, its terms and the IoUs."""
    xywh, conf, probs = split_output(out, boxes)  # (N,S,S,B,4), (N,S,S,B), (N,S,S,C)
    n = out.shape[0]
    obj = target[..., 4]  # (N, S, S)
    pred = cell_boxes(xywh.permute(0, 3, 1, 2, 4), size)  # (N, B, S, S, 4) corners
    truth = cell_boxes(target[..., :4], size)  # (N, S, S, 4)
    iou = _paired_iou(pred, truth[:, None])  # (N, B, S, S)
    iou = iou.permute(0, 2, 3, 1)  # (N, S, S, B)
    best = iou.detach().argmax(dim=-1)  # (N, S, S): the predictor made responsible
    resp = torch.nn.functional.one_hot(best, boxes).float() * obj[..., None]  # (N, S, S, B)
    coord = ((xywh - target[..., None, :4]) ** 2).sum(-1)  # (N, S, S, B)
    terms = {
        "coord": l_coord * (resp * coord).sum() / n,
        "obj": (resp * (conf - iou.detach()) ** 2).sum() / n,
        "noobj": l_noobj * ((1 - resp) * conf**2).sum() / n,
        "class": (obj[..., None] * (probs - target[..., 5:]) ** 2).sum() / n,
    }
    return sum(terms.values()), terms, (iou * resp).sum(-1)  # IoU of responsible predictors


def _paired_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of boxes paired element-wise (broadcast over leading dims)."""
    top_left = a[..., :2].maximum(b[..., :2])
    bottom_right = a[..., 2:].minimum(b[..., 2:])
    inter = (bottom_right - top_left).clamp(min=0).prod(-1)
    area = lambda x: (x[..., 2] - x[..., 0]) * (x[..., 3] - x[..., 1])  # noqa: E731
    return inter / (area(a) + area(b) - inter).clamp(min=1e-9)


def detect(out: torch.Tensor, size: int, boxes: int, score_min: float, nms_iou: float):
    """One image's raw output (5B + C, S, S) → candidates and the NMS survivors, per class."""
    xywh, conf, probs = split_output(out[None], boxes)
    corners = cell_boxes(xywh[0].permute(2, 0, 1, 3), size).permute(1, 2, 0, 3)  # (S, S, B, 4)
    scores = conf[0].clamp(0, 1)[..., None] * probs[0][:, :, None, :]  # (S, S, B, C)
    best, cls = scores.max(-1)  # (S, S, B)
    flat_boxes, flat_scores, flat_cls = corners.reshape(-1, 4), best.flatten(), cls.flatten()
    cand = (flat_scores >= score_min).nonzero().flatten()
    keep = []
    for c in flat_cls[cand].unique().tolist():
        idx = cand[flat_cls[cand] == c]
        keep.append(idx[nms(flat_boxes[idx], flat_scores[idx], nms_iou)])
    kept = torch.cat(keep) if keep else cand[:0]
    kept = kept[flat_scores[kept].argsort(descending=True)]
    return flat_boxes, flat_scores, flat_cls, cand, kept


def match(pred: torch.Tensor, pred_cls: torch.Tensor, truth: torch.Tensor, truth_cls, thr=0.5):
    """Greedy matching by IoU: number of true positives among the predictions."""
    if len(pred) == 0 or len(truth) == 0:
        return 0
    iou = box_iou(pred, truth)  # (P, T)
    iou[pred_cls[:, None] != truth_cls[None, :]] = 0.0
    used, tp = set(), 0
    for row in iou.tolist():
        options = [(v, j) for j, v in enumerate(row) if v >= thr and j not in used]
        if options:
            used.add(max(options)[1])
            tp += 1
    return tp


# --- the demo --------------------------------------------------------------------------


class YOLOGrid(Demo):
    size = 32
    n_eval = 96

    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        s = p["grid"]
        if self.size % s or (self.size // s) & (self.size // s - 1):
            raise ParamError("parameter 'grid' must divide 32 into a power of two (2, 4 or 8)")
        x, boxes, labels = make_scenes(self.n_eval, self.size, ctx.rng(1), p["objects"], s)
        self.eval_x = torch.from_numpy(x).to(ctx.device)
        self.eval_boxes = [torch.from_numpy(b).to(ctx.device) for b in boxes]
        self.eval_labels = [torch.from_numpy(lab).to(ctx.device) for lab in labels]
        self.eval_t = batch_targets(boxes, labels, s, self.size, ctx.device)
        self.net = build_net(s, self.size, p["boxes"], len(CLASSES), p["width"]).to(ctx.device)
        self.snapshots: dict[int, dict[str, Any]] = {}  # record step → the probe's boxes

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        yield check_iou(device=ctx.device, seed=ctx.seed)
        yield check_nms(device=ctx.device, seed=ctx.seed)
        yield check_encoding(seed=ctx.seed, device=ctx.device)
        p = ctx.params
        with torch.no_grad():
            out = self.net(self.eval_x[:2])
        s, b = p["grid"], p["boxes"]
        want = (2, 5 * b + len(CLASSES), s, s)
        yield Check(
            "output-tensor",
            tuple(out.shape) == want,
            f"net output {tuple(out.shape)} = (N, 5·B + C, S, S) = {want}: "
            f"{s * s * b} candidate boxes per image",
        )

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        opt = torch.optim.Adam(self.net.parameters(), lr=p["lr"])
        rng = ctx.rng(2)
        s = p["grid"]
        for step in range(ctx.total_steps):
            x, boxes, labels = make_scenes(p["batch"], self.size, rng, p["objects"], s)
            x = torch.from_numpy(x).to(ctx.device)
            t = batch_targets(boxes, labels, s, self.size, ctx.device)
            loss, terms, _ = yolo_loss(
                self.net(x), t, self.size, p["boxes"], p["l_coord"], p["l_noobj"]
            )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if ctx.wants(step):
                yield self._frame(ctx, step, loss, terms)
        return self.caption(ctx)

    def _frame(self, ctx: RunContext, step: int, loss, terms) -> Frame:
        p = ctx.params
        with torch.no_grad():
            out = self.net(self.eval_x)
            _, _, ious = yolo_loss(
                out, self.eval_t, self.size, p["boxes"], p["l_coord"], p["l_noobj"]
            )
            obj = self.eval_t[..., 4] > 0
            mean_iou = ious[obj].mean().item()
            tp = raw_tp = n_pred = n_raw = n_true = 0
            for i in range(len(out)):
                boxes, _, cls, cand, kept = detect(
                    out[i], self.size, p["boxes"], p["score"], p["nms_iou"]
                )
                truth, labels = self.eval_boxes[i], self.eval_labels[i]
                tp += match(boxes[kept], cls[kept], truth, labels)
                raw_tp += match(boxes[cand], cls[cand], truth, labels)  # the same, no NMS
                n_pred, n_raw = n_pred + len(kept), n_raw + len(cand)
                n_true += len(truth)
            i = p["probe"] % len(out)
            boxes, scores, cls, cand, kept = detect(
                out[i], self.size, p["boxes"], p["score"], p["nms_iou"]
            )
            _, conf, probs = split_output(out[i : i + 1], p["boxes"])
        order = cand[scores[cand].argsort(descending=True)]
        iou_matrix = box_iou(boxes[order], boxes[order]) if len(order) else torch.zeros(1, 1)
        canvas = self.eval_x[i, 0].cpu().numpy() * 0.35
        s = p["grid"]
        for k in range(1, s):  # grid lines
            canvas[:, k * self.size // s] = np.maximum(canvas[:, k * self.size // s], 0.2)
            canvas[k * self.size // s, :] = np.maximum(canvas[k * self.size // s, :], 0.2)
        draw_boxes(canvas, self.eval_boxes[i].cpu().numpy(), 0.6)
        raw_canvas = canvas.copy()
        draw_boxes(raw_canvas, boxes[cand].cpu().numpy(), 1.0)
        draw_boxes(canvas, boxes[kept].cpu().numpy(), 1.0)
        precision, raw_precision = tp / max(n_pred, 1), raw_tp / max(n_raw, 1)
        metrics = {
            "loss": loss.item(),
            **{k: v.item() for k, v in terms.items()},
            "mean_iou": mean_iou,
            "recall": tp / max(n_true, 1),
            "precision": precision,
            "raw_recall": raw_tp / max(n_true, 1),
            "raw_precision": raw_precision,
            "raw_boxes": n_raw / len(out),
            "kept_boxes": n_pred / len(out),
            "true_boxes": n_true / len(out),
            "candidates": float(len(cand)),
            "kept": float(len(kept)),
        }
        cls_of = cls[order].cpu().numpy()
        self.last = {
            "image": self.eval_x[i, 0].cpu().numpy(),
            "truth": self.eval_boxes[i].cpu().numpy(),
            "truth_cls": self.eval_labels[i].cpu().numpy(),
            "cand": boxes[order].cpu().numpy(),
            "cand_scores": scores[order].cpu().numpy(),
            "cand_cls": cls_of,
            "kept": boxes[kept].cpu().numpy(),
            "kept_scores": scores[kept].cpu().numpy(),
            "kept_cls": cls[kept].cpu().numpy(),
            "conf": conf[0].max(-1).values.clamp(0, 1).cpu().numpy(),
            "resp": self.eval_t[i, ..., 4].cpu().numpy(),
            "target": self.eval_t[i].cpu().numpy(),
            "iou_matrix": iou_matrix.cpu().numpy(),
            "hollow": probs[0, ..., 1].cpu().numpy(),
        }
        if ctx.should_record(step):
            self.snapshots[step] = {
                k: self.last[k] for k in ("cand", "cand_scores", "cand_cls", "kept", "kept_cls")
            } | {"precision": precision, "raw_precision": raw_precision}
        return Frame(
            step=step,
            metrics=metrics,
            pictures=[
                picture(
                    f"scene {i}: kept after NMS (white), truth (grey), grid", canvas, key="scene"
                ),
                picture(
                    f"scene {i}: every box above score {p['score']} (no NMS)",
                    raw_canvas,
                    key="raw",
                ),
            ],
            heatmaps=[
                heatmap(
                    "max confidence per cell",
                    self.last["conf"],
                    "column",
                    "row",
                    key="confidence",
                    vmin=0,
                    vmax=1,
                ),
                heatmap(
                    "responsible cells (truth)",
                    self.last["resp"],
                    "column",
                    "row",
                    key="responsible",
                    vmin=0,
                    vmax=1,
                ),
                heatmap(
                    "P(hollow | object) per cell",
                    self.last["hollow"],
                    "column",
                    "row",
                    key="hollow",
                    vmin=0,
                    vmax=1,
                ),
                heatmap(
                    "IoU of candidates, by score (NMS reads it)",
                    iou_matrix,
                    "candidate",
                    "candidate",
                    key="iou",
                    vmin=0,
                    vmax=1,
                ),
            ],
            histograms=[
                histogram(
                    "boxes: predicted / above score / kept by NMS / true",
                    [s * s * p["boxes"], len(cand), len(kept), len(self.eval_boxes[i])],
                    ["predicted", "above score", "after NMS", "true"],
                    key="boxes",
                )
            ],
        )

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, from this run's numbers."""
        f, p = ctx.final, ctx.params
        i0 = ctx.history[0]["mean_iou"]
        v = {k: _it(f[k], ".1f") for k in ("raw_boxes", "true_boxes", "kept_boxes")}
        for k in ("raw_precision", "precision", "recall", "raw_recall", "mean_iou"):
            v[k] = _it(f[k], ".2f")  # the Italian text's numbers
        v |= {
            "start": _it(i0, ".2f"),
            "score": _it(p["score"], "g"),
            "nms_iou": _it(p["nms_iou"], "g"),
        }
        return Bilingual(
            en=(
                f"Before NMS the net leaves {f['raw_boxes']:.1f} boxes per held-out image above "
                f"score {p['score']:g} for {f['true_boxes']:.1f} true objects: the duplicates "
                f"pull precision down to {f['raw_precision']:.2f}. Greedy NMS at IoU "
                f"{p['nms_iou']:g} keeps {f['kept_boxes']:.1f} per image, precision "
                f"{f['precision']:.2f} at recall {f['recall']:.2f} (it was "
                f"{f['raw_recall']:.2f}). The responsible predictors' IoU with the truth rose "
                f"from {i0:.2f} to {f['mean_iou']:.2f}."
            ),
            it=(
                f"Prima della NMS la rete lascia {v['raw_boxes']} box per immagine di test sopra "
                f"il punteggio {v['score']} per {v['true_boxes']} oggetti veri: i duplicati "
                f"fanno scendere la precisione a {v['raw_precision']}. La NMS greedy a IoU "
                f"{v['nms_iou']} ne tiene {v['kept_boxes']} per immagine, precisione "
                f"{v['precision']} con recall {v['recall']} (era {v['raw_recall']}). La IoU dei "
                f"predittori responsabili con la verità è salita da {v['start']} a "
                f"{v['mean_iou']}."
            ),
        )

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        start = ctx.history[0]["mean_iou"] if ctx.history else math.nan
        iou, rec = f.get("mean_iou", math.nan), f.get("recall", math.nan)
        prec, raw_prec = f.get("precision", math.nan), f.get("raw_precision", math.nan)
        raw_rec = f.get("raw_recall", math.nan)
        lead, loss = 0.2, 0.05
        ok = (
            iou >= 0.5
            and rec >= 0.6
            and prec >= 0.5
            and prec - raw_prec >= lead
            and rec >= raw_rec - loss
        )
        return Check(
            "learning",
            bool(ok),
            f"held-out IoU of the responsible predictors {start:.2f} -> {iou:.2f} (floor 0.5); "
            f"after NMS recall {rec:.2f} (floor 0.6), precision {prec:.2f} (floor 0.5) at IoU "
            f"0.5; without NMS precision {raw_prec:.2f} (NMS needs a lead of {lead}) and "
            f"recall {raw_rec:.2f} (NMS may lose at most {loss})",
        )

    # -- figures --------------------------------------------------------------------------

    def _scene(self, ax, title: str, shade: bool = False) -> None:
        """The probe image with its S×S grid and the true boxes (green, numbered T1, T2…)."""
        s, size, last = self.spec_grid, self.size, self.last
        ax.imshow(last["image"], cmap="gray", vmin=0, vmax=1.6, extent=(0, size, size, 0))
        cell = size / s
        if shade:  # the responsible cells
            for r, c in zip(*np.nonzero(last["resp"]), strict=True):
                ax.add_patch(
                    Rectangle((c * cell, r * cell), cell, cell, fc="cyan", alpha=0.25, ec="none")
                )
        for k in range(1, s):
            ax.axhline(k * cell, color="white", lw=0.6, alpha=0.7)
            ax.axvline(k * cell, color="white", lw=0.6, alpha=0.7)
        for n, (x1, y1, x2, y2) in enumerate(last["truth"]):
            ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec="lime", lw=2.5))
            ax.text(x2 - 0.3, y2 - 0.5, f"T{n + 1}", color="lime", fontsize=9, ha="right")
        ax.set(title=title, xlim=(0, size), ylim=(size, 0))
        ax.set_xticks(np.arange(0, size + 1, cell))
        ax.set_yticks(np.arange(0, size + 1, cell))
        ax.tick_params(labelsize=7)

    def _boxes(self, ax, boxes, scores, cls, colour, numbers=None, lw=1.5, ls="-") -> None:
        renderer = ax.figure.canvas.get_renderer()
        placed: list[Any] = []  # the labels drawn so far, in display coordinates
        for k, ((x1, y1, x2, y2), sc, c) in enumerate(zip(boxes, scores, cls, strict=True)):
            ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec=colour, lw=lw, ls=ls))
            label = f"{numbers[k] if numbers is not None else k + 1}: {CLASSES[int(c)]} {sc:.2f}"
            text = ax.annotate(
                label,
                (x1 + 0.4, y1 + 1.6),
                xytext=(0, 0),
                textcoords="offset points",
                color="k",
                fontsize=7,
                bbox={"fc": colour, "ec": "none", "alpha": 0.75, "pad": 1},
            )
            # boxes that nearly coincide (the duplicates NMS removes): stack their labels
            for shift in range(1, 2 * len(boxes) + 1):
                extent = text.get_window_extent(renderer)
                if not any(extent.overlaps(other) for other in placed):
                    break
                text.set_position((0, -9 * shift))
            placed.append(text.get_window_extent(renderer))

    def _encoding(self, ax) -> None:
        """One true box as YOLO encodes it: its cell, the centre offset, √w and √h."""
        last, s, size = self.last, self.spec_grid, self.size
        self._scene(ax, "box encoding of T1 in its responsible cell")
        x1, y1, x2, y2 = last["truth"][0]
        cell = size / s
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        col, row = int(cx // cell), int(cy // cell)
        ax.add_patch(Rectangle((col * cell, row * cell), cell, cell, fc="yellow", alpha=0.3))
        t = last["target"][row, col]
        ax.plot(cx, cy, "o", color="yellow", ms=9, mec="k")
        ax.annotate(
            "",
            (cx, row * cell),
            (col * cell, row * cell),
            arrowprops={"arrowstyle": "<->", "color": "yellow"},
        )
        ax.annotate(
            "",
            (col * cell, cy),
            (col * cell, row * cell),
            arrowprops={"arrowstyle": "<->", "color": "yellow"},
        )
        ax.text(
            0.02,
            0.02,
            f"cell (row {row}, col {col}) is responsible\n"
            f"x = {t[0]:.2f}, y = {t[1]:.2f}  (centre offset in the cell, in [0, 1))\n"
            f"√w = {t[2]:.2f}, √h = {t[3]:.2f}  (w, h: fractions of the image)\n"
            f"object = 1, class = {CLASSES[int(np.argmax(t[5:]))]}",
            transform=ax.transAxes,
            fontsize=7.5,
            va="bottom",
            bbox={"fc": "white", "alpha": 0.85},
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist, last, p = ctx.history, self.last, ctx.params
        self.spec_grid = p["grid"]
        fig = plt.figure(figsize=(20, 15))
        grid = fig.add_gridspec(3, 4)
        ax = fig.add_subplot(grid[0, 0])
        plot_history(ax, hist, ["precision"], labels=["after NMS"], color="C0", lw=2)
        plot_history(ax, hist, ["raw_precision"], styles=["--"], labels=["no NMS"], color="C3")
        plot_history(ax, hist, ["recall"], labels=["recall after NMS"], color="C2")
        plot_history(ax, hist, ["raw_recall"], styles=[":"], labels=["recall, no NMS"], color="C2")
        plot_history(
            ax, hist, ["mean_iou"], styles=["-."], labels=["IoU, responsible boxes"], color="C7"
        )
        ax.set(title="held-out detection at IoU 0.5: with and without NMS", ylim=(0, 1.02))
        ax.legend(fontsize=8, loc="lower right")
        ax = fig.add_subplot(grid[0, 1])
        plot_history(
            ax, hist, ["raw_boxes"], styles=["--"], labels=["above score (no NMS)"], color="C3"
        )
        plot_history(ax, hist, ["kept_boxes"], labels=["kept by NMS"], color="C0")
        plot_history(ax, hist, ["true_boxes"], styles=[":"], labels=["true objects"], color="k")
        ax.set(title="boxes per held-out image", ylabel="boxes")
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, 2])
        for key in ("coord", "obj", "noobj", "class"):
            plot_history(ax, hist, [key], labels=[key], log=True)
        ax.set(title=f"YOLOv1 loss terms (per image, λ_coord = {p['l_coord']:g})")
        ax.legend(fontsize=8)
        self._encoding(fig.add_subplot(grid[0, 3]))

        n_cand = len(last["cand"])
        ax = fig.add_subplot(grid[1, 0])
        self._scene(ax, f"{n_cand} boxes above score {p['score']:g}: no NMS (red)")
        self._boxes(ax, last["cand"], last["cand_scores"], last["cand_cls"], "salmon")
        ax = fig.add_subplot(grid[1, 1])
        self._scene(ax, f"after NMS at IoU {p['nms_iou']:g}: {len(last['kept'])} kept (orange)")
        ranks = [int(np.flatnonzero((last["cand"] == b).all(1))[0]) + 1 for b in last["kept"]]
        self._boxes(ax, last["kept"], last["kept_scores"], last["kept_cls"], "orange", ranks, 2)
        ax = fig.add_subplot(grid[1, 2])
        m = last["iou_matrix"]
        image_panel(fig, ax, m, title="IoU of the candidates (numbered by score)", vmin=0, vmax=1)
        ticks = range(len(m))
        ax.set_xticks(ticks, [str(k + 1) for k in ticks])
        ax.set_yticks(ticks, [str(k + 1) for k in ticks])
        ax.set(
            xlabel=f"candidate   (×: IoU > {p['nms_iou']:g}, same class: NMS drops the later)",
            ylabel="candidate",
        )
        same = last["cand_cls"][:, None] == last["cand_cls"][None, :]
        for r, c in zip(*np.nonzero(np.triu((m > p["nms_iou"]) & same, 1)), strict=True):
            ax.text(c, r, "×", ha="center", va="center", color="red", fontsize=14)
        ax = fig.add_subplot(grid[1, 3])
        self._nms_table(ax, p)
        ax = fig.add_subplot(grid[2, 0])
        self._scene(ax, "the S×S grid; cyan: cells responsible for a true box", shade=True)
        ax = fig.add_subplot(grid[2, 1])
        image_panel(
            fig,
            ax,
            last["conf"],
            title="max confidence per cell (★ responsible)",
            cmap="magma",
            vmin=0,
            vmax=1,
        )
        for r, c in zip(*np.nonzero(last["resp"]), strict=True):
            ax.text(c, r, "★", ha="center", va="center", color="cyan", fontsize=14)
        ax.set(xlabel="column", ylabel="row")
        ax = fig.add_subplot(grid[2, 2])
        image_panel(
            fig,
            ax,
            last["hollow"],
            title="P(hollow | object) per cell",
            cmap="coolwarm",
            vmin=0,
            vmax=1,
        )
        ax.set(xlabel="column", ylabel="row")
        ax = fig.add_subplot(grid[2, 3])
        counts = [p["grid"] ** 2 * p["boxes"], n_cand, len(last["kept"]), len(last["truth"])]
        names = ["predicted\n(S·S·B)", "above\nscore", "after\nNMS", "true"]
        ax.bar(names, counts, color=["grey", "salmon", "orange", "lime"])
        for k, v in enumerate(counts):
            ax.text(k, v, str(v), ha="center", va="bottom")
        ax.set(title="boxes in this scene")
        integer_ticks(ax, x=False, y=True)
        title = (
            f"yolo-grid: S = {p['grid']}, B = {p['boxes']}, C = {len(CLASSES)}, "
            f"{ctx.total_steps} steps on {ctx.device}"
        )
        fig.suptitle(title, y=1.0, fontsize=13)
        words = self.caption(ctx)
        path = save_figure(out_dir, "yolo-grid", fig, caption=f"{words.en}\n{words.it}")
        return [path, self._animation(out_dir, p)]

    def _nms_table(self, ax, p) -> None:
        """The rounds of greedy NMS on this scene's candidates, written out."""
        last = self.last
        rounds = nms_steps(
            torch.from_numpy(last["cand"]),
            torch.from_numpy(last["cand_scores"]),
            p["nms_iou"],
            torch.from_numpy(last["cand_cls"]),
        )
        lines = ["greedy NMS, one round per line:", ""]
        for k, (best, gone, ious) in enumerate(rounds):
            drop = ", ".join(f"{j + 1} (IoU {v:.2f})" for j, v in zip(gone, ious, strict=True))
            lines.append(f"round {k + 1}: keep {best + 1} (score {last['cand_scores'][best]:.2f})")
            lines.append(f"         remove {drop or 'nothing'}")
        lines += ["", "(per class: a box only removes boxes", " of its own class)"]
        ax.text(0, 1, "\n".join(lines), va="top", family="monospace", fontsize=8.5)
        ax.axis("off")
        ax.set_title("NMS step by step on this scene")

    def _animation(self, out_dir: Path, p) -> Path:
        """Detections over training, then NMS on the final candidates one round at a time."""
        steps = sorted(self.snapshots)
        if len(steps) > 16:  # the training part: 16 recorded steps, the last among them
            steps = [steps[round(k * (len(steps) - 1) / 15)] for k in range(16)]
        last = self.last
        rounds = nms_steps(
            torch.from_numpy(last["cand"]),
            torch.from_numpy(last["cand_scores"]),
            p["nms_iou"],
            torch.from_numpy(last["cand_cls"]),
        )
        frames = [("train", k) for k in steps] + [("nms", r) for r in range(2 * len(rounds) + 1)]
        fig, axes = subplots(1, 2, (9.5, 5))
        fig.subplots_adjust(left=0.02, right=0.98, top=0.82, bottom=0.02, wspace=0.06)
        for ax in axes:  # the scene is drawn once; each frame only swaps the boxes
            self._scene(ax, "")
            ax.set_xticks([])
            ax.set_yticks([])
        head = fig.suptitle("")
        drawn: list[Any] = []

        def boxes(ax, which, colour, lw=1.5, ls="-") -> None:
            drawn.extend(self._outline(ax, which, colour, lw, ls))

        def update(i: int) -> None:
            kind, k = frames[i]
            while drawn:
                drawn.pop().remove()
            if kind == "train":
                snap = self.snapshots[k]
                head.set_text(f"training step {k}: every box above score {p['score']:g} vs NMS")
                axes[0].set_title(
                    f"no NMS: {_boxes(len(snap['cand']))} "
                    f"(held-out precision {snap['raw_precision']:.2f})"
                )
                boxes(axes[0], snap["cand"], "salmon")
                axes[1].set_title(
                    f"after NMS: {_boxes(len(snap['kept']))} (precision {snap['precision']:.2f})"
                )
                boxes(axes[1], snap["kept"], "orange", 2)
                return
            done = k // 2  # rounds finished; odd k: the round's removals are shown
            head.set_text(
                f"NMS at IoU {p['nms_iou']:g} on the final candidates, "
                f"round {min(done + 1, len(rounds))} of {len(rounds)}"
            )
            alive = set(range(len(last["cand"])))
            kept = []
            for best, gone, _ in rounds[:done]:
                kept.append(best)
                alive -= {best, *gone}
            axes[0].set_title("candidates still standing (red), kept (orange)")
            boxes(axes[0], last["cand"][sorted(alive)], "salmon")
            boxes(axes[0], last["cand"][kept], "orange", 2.5)
            if done < len(rounds):
                best, gone, ious = rounds[done]
                boxes(axes[1], last["cand"][[best]], "yellow", 3)
                axes[1].set_title(f"keep the best standing box ({last['cand_scores'][best]:.2f})")
                if k % 2:
                    boxes(axes[1], last["cand"][gone], "red", 1.5, "--")
                    removed = ", ".join(f"{v:.2f}" for v in ious)
                    axes[1].set_title(
                        f"remove {len(gone)} of its class with IoU > {p['nms_iou']:g}: {removed}"
                        if gone
                        else "nothing of its class overlaps it: nothing removed"
                    )
            else:
                boxes(axes[1], last["cand"][kept], "orange", 2.5)
                axes[1].set_title(f"done: {_boxes(len(kept))} kept")

        return animation(out_dir, "yolo-grid", fig, update, len(frames), fps=3, dpi=70)

    @staticmethod
    def _outline(ax, boxes, colour, lw=1.5, ls="-") -> list[Any]:
        return [
            ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec=colour, lw=lw, ls=ls))
            for x1, y1, x2, y2 in np.asarray(boxes).reshape(-1, 4)
        ]


def _boxes(n: int) -> str:
    return f"{n} box" if n == 1 else f"{n} boxes"


def _it(value: float, fmt: str) -> str:
    """A number as Italian writes it: decimal comma."""
    return format(value, fmt).replace(".", ",")
