"""Boxes for the detection demos (yolo-grid, rpn-anchors): generated scenes of rectangles,
IoU and greedy NMS with their brute-force references, NMS round by round for pictures,
and drawing boxes into a picture.

Boxes are corners (x1, y1, x2, y2) in pixels throughout.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def make_scenes(
    n: int,
    size: int,
    rng: np.random.Generator,
    max_objects: int = 3,
    grid: int | None = None,
    min_side: int = 6,
    max_side: int = 16,
    noise: float = 0.05,
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Images (n, 1, size, size) with rectangles; boxes (k, 4) as x1, y1, x2, y2 in pixels.

    With ``grid`` set, no two centres share a cell (YOLOv1 gives each cell one object).
    Class 0 is a filled rectangle, class 1 a hollow one (a 2-pixel frame).
    """
    images = np.zeros((n, 1, size, size), dtype=np.float32)
    all_boxes, all_labels = [], []
    for i in range(n):
        boxes, labels, cells = [], [], set()
        for _ in range(int(rng.integers(1, max_objects + 1))):
            for _attempt in range(20):
                w, h = (int(v) for v in rng.integers(min_side, max_side + 1, size=2))
                x1, y1 = int(rng.integers(0, size - w + 1)), int(rng.integers(0, size - h + 1))
                cell = None
                if grid is not None:
                    c = size / grid
                    cell = (int((y1 + h / 2) // c), int((x1 + w / 2) // c))
                    if cell in cells:
                        continue
                cells.add(cell)
                cls = int(rng.integers(0, 2))
                patch = images[i, 0, y1 : y1 + h, x1 : x1 + w]
                if cls == 0:
                    patch[...] = np.maximum(patch, 0.9)
                else:
                    frame = np.ones((h, w), dtype=np.float32)
                    frame[2:-2, 2:-2] = 0.0
                    patch[...] = np.maximum(patch, 0.9 * frame)
                boxes.append((x1, y1, x1 + w, y1 + h))
                labels.append(cls)
                break
        all_boxes.append(np.asarray(boxes, dtype=np.float32).reshape(-1, 4))
        all_labels.append(np.asarray(labels, dtype=np.int64))
    images += rng.normal(scale=noise, size=images.shape).astype(np.float32)
    return np.clip(images, 0.0, 1.0), all_boxes, all_labels


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of every box in a (N, 4) with every box in b (M, 4), corners x1, y1, x2, y2."""
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])  # (N,)
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])  # (M,)
    top_left = torch.maximum(a[:, None, :2], b[None, :, :2])  # (N, M, 2)
    bottom_right = torch.minimum(a[:, None, 2:], b[None, :, 2:])  # (N, M, 2)
    inter = (bottom_right - top_left).clamp(min=0).prod(dim=2)  # (N, M)
    union = area_a[:, None] + area_b[None, :] - inter
    return inter / union.clamp(min=1e-9)


def nms(boxes: torch.Tensor, scores: torch.Tensor, threshold: float) -> torch.Tensor:
    """Greedy NMS: indices of the kept boxes, by decreasing score (like torchvision.ops.nms)."""
    order = scores.argsort(descending=True).tolist()
    overlaps = (box_iou(boxes, boxes) > threshold).cpu().numpy()  # (N, N), one transfer
    suppressed = np.zeros(len(order), dtype=bool)
    keep = []
    for idx in order:
        if suppressed[idx]:
            continue
        keep.append(idx)
        suppressed |= overlaps[idx]  # removes idx itself too (IoU 1)
    return torch.tensor(keep, dtype=torch.long, device=boxes.device)


def nms_steps(
    boxes: torch.Tensor,
    scores: torch.Tensor,
    threshold: float,
    labels: torch.Tensor | None = None,
) -> list[tuple[int, list[int], list[float]]]:
    """Greedy NMS one round at a time, for pictures: [(kept, suppressed, their IoUs), …].

    Round k keeps the best box still standing and removes every remaining box whose IoU
    with it is above ``threshold``; the kept indices, in order, are exactly :func:`nms`.
    With ``labels`` only boxes of the kept box's class are removed: the same boxes as
    running NMS on each class separately.
    """
    order = scores.argsort(descending=True).tolist()
    iou = box_iou(boxes, boxes).cpu()  # (N, N)
    same = (
        (labels[:, None] == labels[None, :]).cpu()
        if labels is not None
        else torch.ones_like(iou, dtype=torch.bool)
    )
    alive = list(order)
    rounds = []
    while alive:
        best = alive.pop(0)
        gone = [j for j in alive if iou[best, j] > threshold and same[best, j]]
        alive = [j for j in alive if j not in gone]
        rounds.append((best, gone, [float(iou[best, j]) for j in gone]))
    return rounds


def iou_reference(a: list[float], b: list[float]) -> float:
    """One pair, written out with plain floats: the brute-force reference."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def nms_reference(boxes: list[list[float]], scores: list[float], threshold: float) -> list[int]:
    """The textbook loop: take the best remaining box, drop its overlaps, repeat."""
    remaining = sorted(range(len(boxes)), key=lambda i: -scores[i])
    keep = []
    while remaining:
        best = remaining.pop(0)
        keep.append(best)
        remaining = [i for i in remaining if iou_reference(boxes[best], boxes[i]) <= threshold]
    return keep


def random_boxes(n: int, gen: torch.Generator, size: float = 32.0) -> torch.Tensor:
    """n random boxes (n, 4) inside a size×size image, drawn on the CPU."""
    xy = torch.rand(n, 2, generator=gen) * size * 0.8
    wh = torch.rand(n, 2, generator=gen) * size * 0.4 + 1.0
    return torch.cat([xy, xy + wh], dim=1)


def torchvision_ops() -> Any:
    try:
        from torchvision import ops  # optional: not a dependency of the project
    except Exception:
        return None
    return ops


def draw_boxes(picture: np.ndarray, boxes: Any, value: float) -> np.ndarray:
    """Draw box outlines (x1, y1, x2, y2 in pixels) onto a (H, W) array, in place."""
    h, w = picture.shape
    for x1, y1, x2, y2 in np.asarray(boxes, dtype=np.float64).reshape(-1, 4):
        c1, r1 = int(np.clip(round(x1), 0, w - 1)), int(np.clip(round(y1), 0, h - 1))
        c2, r2 = int(np.clip(round(x2) - 1, 0, w - 1)), int(np.clip(round(y2) - 1, 0, h - 1))
        picture[r1, c1 : c2 + 1] = picture[r2, c1 : c2 + 1] = value
        picture[r1 : r2 + 1, c1] = picture[r1 : r2 + 1, c2] = value
    return picture
