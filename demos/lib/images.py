"""Pictures for the terminal and the figures: one montage, shrinking large images, and two
figure helpers (labelled montage rows/columns, a box-and-arrow schematic)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F


def montage(
    images: torch.Tensor | Sequence[torch.Tensor], cols: int | None = None, pad: float = 0.5
) -> torch.Tensor:
    """Tiles (n, H, W) — or a list of (H, W) — in rows of ``cols`` with a 1-pixel gap.

    ``cols`` defaults to all tiles in one row; rows of images of the same length n are
    ``montage(torch.cat(rows), cols=n)``. ``pad`` fills the gaps (NaN leaves them blank
    in a heatmap). Returns one (rows·(H+1) − 1, cols·(W+1) − 1) picture on the tiles'
    device.
    """
    tiles = torch.stack(list(images)) if not isinstance(images, torch.Tensor) else images
    if tiles.dim() == 4:  # (n, 1, H, W)
        tiles = tiles[:, 0]
    n, h, w = tiles.shape
    cols = cols or n
    rows = math.ceil(n / cols)
    canvas = torch.full(
        (rows * (h + 1) - 1, cols * (w + 1) - 1), pad, device=tiles.device, dtype=tiles.dtype
    )
    for k in range(n):
        r, c = divmod(k, cols)
        canvas[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = tiles[k]
    return canvas


def small(x: torch.Tensor, limit: int = 14) -> torch.Tensor:
    """Shrink images wider than ``limit`` pixels for the terminal (MNIST 28 → 14)."""
    factor = math.ceil(x.shape[-1] / limit)
    return F.avg_pool2d(x, factor) if factor > 1 else x


# --- figure helpers (they draw on a matplotlib Axes handed in; nothing imported here) ---


def label_montage(
    ax: Any,
    tile: int,
    rows: Sequence[str] = (),
    cols: Sequence[str] = (),
    *,
    fontsize: float = 9,
) -> None:
    """Name the rows (left) and columns (bottom) of a montage of ``tile``-pixel tiles.

    The montage was drawn with ``imshow`` and has the 1-pixel gaps of :func:`montage`;
    one tick sits at the centre of each row or column of tiles, so a student reads
    "noisy input" next to its row instead of in the title.
    """
    step = tile + 1
    centre = (tile - 1) / 2
    ax.set_yticks([r * step + centre for r in range(len(rows))], list(rows), fontsize=fontsize)
    ax.set_xticks([c * step + centre for c in range(len(cols))], list(cols), fontsize=fontsize)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def diagram(
    ax: Any,
    boxes: Mapping[str, tuple[float, float, str]],
    arrows: Sequence[tuple[str, str, str]] = (),
    *,
    colors: Mapping[str, str] | None = None,
    fontsize: float = 9,
    title: str = "",
) -> None:
    """A small box-and-arrow schematic, for the demos whose architecture is the lesson.

    ``boxes`` maps a name to ``(x, y, text)`` in axes coordinates (0..1); ``arrows`` are
    ``(from, to, label)``; ``colors`` gives a box's face colour by name (default light grey).
    Arrows run from edge to edge: each box's size is estimated from its text and the axes'
    size, so the heads stay visible without a draw pass.
    """
    colors = colors or {}
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    fig_w, fig_h = ax.figure.get_size_inches()
    pos = ax.get_position()
    width_pt, height_pt = pos.width * fig_w * 72, pos.height * fig_h * 72
    half: dict[str, tuple[float, float]] = {}
    for name, (x, y, text) in boxes.items():
        ax.text(
            x,
            y,
            text,
            ha="center",
            va="center",
            fontsize=fontsize,
            bbox={"boxstyle": "round,pad=0.4", "fc": colors.get(name, "#eeeeee"), "ec": "0.3"},
            zorder=3,
        )
        lines = text.split("\n")
        w = (max(len(line) for line in lines) * 0.6 + 1.2) * fontsize / 2  # points
        h = (len(lines) * 1.25 + 0.9) * fontsize / 2
        half[name] = (w / width_pt, h / height_pt)  # in axes fractions
    for start, end, label in arrows:
        (x0, y0, _), (x1, y1, _) = boxes[start], boxes[end]
        a = _edge(x0, y0, x1, y1, *half[start])
        b = _edge(x1, y1, x0, y0, *half[end])
        ax.annotate(
            "",
            xy=b,
            xytext=a,
            arrowprops={"arrowstyle": "-|>", "color": "0.25", "shrinkA": 1, "shrinkB": 1},
            zorder=4,
        )
        if label:
            ax.text(
                (a[0] + b[0]) / 2,
                (a[1] + b[1]) / 2 + 0.025,
                label,
                ha="center",
                va="bottom",
                fontsize=fontsize,
                color="0.15",
                style="italic",
                zorder=4,
            )
    if title:
        ax.set_title(title)


def _edge(x: float, y: float, tx: float, ty: float, hw: float, hh: float) -> tuple[float, float]:
    """Where the line from a box's centre (x, y) towards (tx, ty) leaves the box."""
    dx, dy = tx - x, ty - y
    if dx == 0 and dy == 0:
        return x, y
    t = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
    t = min(t, 0.49)  # overlapping boxes: stop halfway
    return x + t * dx, y + t * dy


def thin(steps: Sequence[int], most: int) -> list[int]:
    """At most ``most`` of the recorded ``steps``, evenly spread, always with the last.

    The frames of an animation: every GIF is drawn from snapshots taken at the fixed
    record steps, so it is the same on any machine.
    """
    steps = sorted(steps)
    if len(steps) <= most:
        return steps
    kept = steps[:: math.ceil(len(steps) / most)]
    return kept if kept[-1] == steps[-1] else [*kept, steps[-1]]


def count(n: float, one: str, many: str) -> str:
    """A count with its noun in the right number: count(1, "modo", "modi") → "1 modo"."""
    k = round(n)
    return f"{k} {one if k == 1 else many}"


def decimal_comma(text: str) -> str:
    """An Italian caption's numbers with a decimal comma: "0.31" → "0,31" (digits on both sides)."""
    return re.sub(r"(?<=\d)\.(?=\d)", ",", text)
