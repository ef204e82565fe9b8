"""iou-nms: intersection over union of boxes, and the boxes non-maximum suppression keeps.

Boxes are (x1, y1, x2, y2) with integer corners, so every IoU is an exact fraction. NMS is the
greedy version torchvision implements: take the highest score, drop every remaining box whose
IoU with it is strictly greater than the threshold, repeat.
"""

from __future__ import annotations

import random
from fractions import Fraction

from tutor.drills.base import Content, Drill, Field, fmt_approx
from tutor.i18n import drills as T
from tutor.i18n.lists import DRILL_TITLES

Box = tuple[int, int, int, int]
THRESHOLDS = (Fraction(1, 2), Fraction(3, 10), Fraction(2, 5))


def area(b: Box) -> int:
    return (b[2] - b[0]) * (b[3] - b[1])


def inter(a: Box, b: Box) -> int:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0) * max(h, 0)


def iou(a: Box, b: Box) -> Fraction:
    i = inter(a, b)
    return Fraction(i, area(a) + area(b) - i)


def nms(boxes: list[Box], scores: list[Fraction], thr: Fraction) -> list[int]:
    order = sorted(range(len(boxes)), key=lambda i: -scores[i])
    keep: list[int] = []
    while order:
        best = order.pop(0)
        keep.append(best)
        order = [j for j in order if iou(boxes[best], boxes[j]) <= thr]
    return keep


def _box(rng: random.Random, size: int, near: Box | None = None) -> Box:
    if near is not None and rng.random() < 0.75:
        x1 = min(max(near[0] + rng.randint(-2, 2), 0), size - 2)
        y1 = min(max(near[1] + rng.randint(-2, 2), 0), size - 2)
        x2 = min(max(near[2] + rng.randint(-2, 2), x1 + 1), size)
        y2 = min(max(near[3] + rng.randint(-2, 2), y1 + 1), size)
        return (x1, y1, x2, y2)
    x1, y1 = rng.randint(0, size - 3), rng.randint(0, size - 3)
    return (x1, y1, rng.randint(x1 + 2, min(size, x1 + 7)), rng.randint(y1 + 2, min(size, y1 + 7)))


def _iou_steps(a: Box, b: Box, name: str, lang: str) -> list[str]:
    i = inter(a, b)
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    width = f"min({a[2]}, {b[2]}) - max({a[0]}, {b[0]}) = {w}"
    height = f"min({a[3]}, {b[3]}) - max({a[1]}, {b[1]}) = {h}"
    overlap = (
        T.IOU_NO_OVERLAP(lang, name=name, width=width, height=height)
        if w <= 0 or h <= 0
        else T.IOU_OVERLAP(lang, name=name, width=width, height=height, area=i)
    )
    union = f"{area(a)} + {area(b)} - {i} = {area(a) + area(b) - i}"
    return ["  " + overlap, "    " + T.IOU_UNION(lang, union=union, iou=fmt_approx(iou(a, b)))]


def generate(rng: random.Random, difficulty: int, lang: str = "en") -> Content:
    size = 10 if difficulty == 1 else 12
    n_nms = {1: 0, 2: 4, 3: 6}[difficulty]
    while True:
        a = _box(rng, size)
        b = _box(rng, size, near=a)
        if inter(a, b) == 0 or a == b:
            continue
        if n_nms == 0:
            boxes, scores, thr = [a, b], [], Fraction(0)
            break
        boxes = [a, b]
        while len(boxes) < n_nms:
            boxes.append(_box(rng, size, near=rng.choice(boxes)))
        rng.shuffle(boxes)
        raw = rng.sample(range(50, 100), n_nms)
        scores = [Fraction(s, 100) for s in raw]
        thr = rng.choice(THRESHOLDS)
        pairs = [iou(p, q) for p in boxes for q in boxes if p is not q]
        kept = nms(boxes, scores, thr)
        # no IoU exactly at the threshold (> vs >= would matter) and some suppression to see
        if thr not in pairs and 1 < len(kept) < n_nms and len(set(boxes)) == n_nms:
            break
    fields = [Field("iou_ab", "IoU(A, B)", "exact", iou(a, b))]
    steps = [T.IOU_RULE(lang)]
    steps += _iou_steps(a, b, "A, B", lang)
    statement = T.IOU_STATEMENT(lang, a=a, b=b)
    inputs: dict[str, object] = {"a": list(a), "b": list(b)}
    if n_nms:
        listing = "; ".join(
            T.IOU_BOX(lang, i=i, box=bx, score=f"{float(s):.2f}")
            for i, (bx, s) in enumerate(zip(boxes, scores, strict=False))
        )
        statement += "\n" + T.IOU_NMS_STATEMENT(lang, thr=f"{float(thr):g}", boxes=listing)
        kept = nms(boxes, scores, thr)
        fields.append(Field("kept", T.IOU_KEPT_FIELD(lang), "set", frozenset(kept)))
        order = sorted(range(n_nms), key=lambda i: -scores[i])
        steps.append(T.IOU_SORT(lang, order=order))
        remaining = list(order)
        while remaining:
            best = remaining.pop(0)
            keep = T.IOU_KEEP_COMPARE if remaining else T.IOU_KEEP_LAST
            steps.append("  " + keep(lang, best=best, score=f"{float(scores[best]):.2f}"))
            survivors = []
            for j in remaining:
                v = iou(boxes[best], boxes[j])
                verdict = T.IOU_DROP if v > thr else T.IOU_KEEP_FOR_NOW
                steps.append("    " + verdict(lang, best=best, j=j, iou=fmt_approx(v)))
                if v <= thr:
                    survivors.append(j)
            remaining = survivors
        steps.append(T.IOU_KEPT(lang, kept=sorted(kept)))
        inputs.update(
            boxes=[list(bx) for bx in boxes],
            scores=[str(s) for s in scores],
            threshold=str(thr),
        )
    return Content(statement, None, inputs, fields, steps)


DRILL = Drill(
    name="iou-nms",
    titles=DRILL_TITLES["iou-nms"],
    questions=("h.02", "h.03"),
    generator=generate,
)
