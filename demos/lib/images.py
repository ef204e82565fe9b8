"""Pictures for the terminal and the figures: one montage, and shrinking large images."""

from __future__ import annotations

import math
from collections.abc import Sequence

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
