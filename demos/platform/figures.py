"""The parts every demo's figure repeats: a non-interactive backend, curves drawn from the
recorded history, image panels with integer ticks and a colour bar, saving, animations.

Demos call :func:`subplots`, draw their own panels, and finish with :func:`save_figure`;
every curve over training steps goes through :func:`plot_history`, so the PNG shows the
fixed-step history, never the throttled live stream.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display, no GUI toolkit: the demo runs in a child process

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

MAX_GIF_BYTES = 3_000_000
# a first frame's image panel whose values nearly all lie within this share of its colour
# scale from their median reads as blank: an untrained generator's grey grid, a faint
# decoder noise, a one-class mask
FLAT_SHARE = 0.15
FLAT_OUTLIERS = 0.002
UNTRAINED = "step 0: untrained\n(≈ one flat colour)"
# GIF name → the figure-fraction boxes (x0, y0, x1, y1) of the panels marked on frame 0
FLAT_MARKED: dict[str, list[tuple[float, float, float, float]]] = {}

__all__ = [
    "MAX_GIF_BYTES",
    "animation",
    "flat_images",
    "flat_regions",
    "image_panel",
    "integer_ticks",
    "mark_untrained",
    "plot_history",
    "plt",
    "save_figure",
    "subplots",
    "wrap_caption",
]


def subplots(rows: int, cols: int, size: tuple[float, float], **kw: Any) -> tuple[Any, Any]:
    """``plt.subplots`` with the size in inches and a tight layout applied on saving."""
    return plt.subplots(rows, cols, figsize=size, **kw)


def save_figure(
    out_dir: Path,
    name: str,
    fig: Any,
    *,
    title: str | None = None,
    dpi: int = 100,
    caption: str | None = None,
) -> Path:
    """Lay out, write ``out_dir/name.png`` and free the figure; return the path.

    ``caption`` ("what to look for") is set under the panels, wrapped to the figure's
    width; each line of it (e.g. the English and the Italian text) starts a paragraph.
    """
    if title is not None:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(out_dir) / f"{name}.png"
    if caption:
        # below the panels; bbox_inches="tight" grows the PNG to hold it
        fig.text(0.5, 0.0, wrap_caption(caption, fig), ha="center", va="top", fontsize=CAPTION_PT)
        fig.savefig(path, dpi=dpi, bbox_inches="tight", pad_inches=0.15)
    else:
        fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


CAPTION_PT = 11


def wrap_caption(caption: str, fig: Any, size: float = CAPTION_PT) -> str:
    """The caption broken into lines that fit the figure's width at ``size`` points."""
    import textwrap

    width = max(40, int(fig.get_size_inches()[0] * 72 / (size * 0.55)))
    return "\n".join(
        "\n".join(textwrap.wrap(par, width)) or "" for par in caption.strip().split("\n")
    )


def integer_ticks(ax: Any, x: bool = True, y: bool = False) -> None:
    """Only whole numbers on an axis that counts steps, indices or cells."""
    if x:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if y:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def plot_history(
    ax: Any,
    history: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    *,
    labels: Mapping[str, str] | Sequence[str] | None = None,
    styles: Mapping[str, str] | Sequence[str] | None = None,
    title: str | None = None,
    ylabel: str | None = None,
    log: bool = False,
    ylim: tuple[float, float] | None = None,
    legend: bool = True,
    transform: Callable[[float], float] | None = None,
    **line: Any,
) -> None:
    """One line per metric over the recorded steps; missing values (None) are skipped."""
    for i, key in enumerate(keys):
        pairs = [(h["step"], h[key]) for h in history if h.get(key) is not None]
        xs = [p[0] for p in pairs]
        ys = [transform(p[1]) if transform else p[1] for p in pairs]
        label = _pick(labels, i, key, key)
        style = _pick(styles, i, key, "-")
        ax.plot(xs, ys, style, label=label, **line)
    if log:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel("step")
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    integer_ticks(ax)
    if legend and (len(keys) > 1 or labels):
        ax.legend(fontsize=8)


def _pick(options: Mapping[str, str] | Sequence[str] | None, i: int, key: str, default: str):
    if options is None:
        return default
    if isinstance(options, Mapping):
        return options.get(key, default)
    return options[i] if i < len(options) else default


def image_panel(
    fig: Any,
    ax: Any,
    data: Any,
    *,
    title: str = "",
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar: bool = True,
    axis: bool = True,
    **kw: Any,
) -> Any:
    """``imshow`` of a matrix with integer ticks and, by default, its colour bar."""
    if hasattr(data, "detach"):
        data = data.detach().cpu().numpy()
    kw.setdefault("interpolation", "nearest")
    im = ax.imshow(data, cmap=cmap, vmin=vmin, vmax=vmax, **kw)
    if title:
        ax.set_title(title)
    if axis:
        integer_ticks(ax, x=True, y=True)
    else:
        ax.axis("off")
    if colorbar:
        fig.colorbar(im, ax=ax, fraction=0.046)
    return im


def _flat(values: np.ndarray, share: float) -> bool:
    """Whether pixels (n, channels) read as one colour: almost none (under 1 in 500) lies
    more than ``share`` of the scale from the median, so faint noise counts as flat and a
    few drawn cells on an empty map (a batch's visits) do not."""
    far = (np.abs(values - np.median(values, axis=0)) > share).any(axis=1)
    return bool(far.mean() < FLAT_OUTLIERS)


def _scaled(im: Any) -> np.ndarray | None:
    """An image's values as its colours vary, (H, W, channels) in [0, 1]; NaN where unset."""
    data = np.array(im.get_array(), dtype=float)  # a copy: masked values become NaN
    mask = np.ma.getmaskarray(im.get_array())
    data[mask] = np.nan
    if data.ndim == 2:
        finite = data[np.isfinite(data)]
        if finite.size == 0:
            return None
        im.norm.autoscale_None(finite)  # what drawing would do to an unset scale
        scaled = np.full(data.shape, np.nan)
        scaled[np.isfinite(data)] = np.asarray(im.norm(finite), dtype=float)
        return scaled[..., None]
    if data.ndim == 3 and np.nanmax(data) > 1:
        data = data / 255.0  # uint8 RGB(A)
    return data if data.ndim == 3 else None


def flat_regions(
    fig: Any, share: float = FLAT_SHARE, bands: bool = True
) -> list[tuple[Any, int, int]]:
    """The parts of ``fig``'s image panels that read as one flat colour: (image, row0, row1).

    Values are compared on the panel's own colour scale (its norm), so a generator's
    N(0, 0.02)-init output on a [-1, 1] scale reads as flat and a digit drawn on that
    scale does not; an RGB(A) image is compared on [0, 1]; NaN padding is ignored. A
    whole image is one region (rows 0 to H); with ``bands``, in a montage whose rows are
    not all flat, a band of pixel rows at least an eighth of its height (the rows of an
    untrained decoder under the inputs) is one. Images of fewer than 16 values never are,
    nor images under points or curves (a discriminator's map at 0.5 with the data on it),
    nor images mostly NaN (a visit map with one batch's cells set).
    """
    found = []
    for ax in fig.axes:
        if not ax.get_visible() or ax.lines or ax.collections:
            continue  # points or curves drawn over the image: the panel is not blank
        for im in ax.get_images():
            data = _scaled(im)
            if data is None:
                continue
            height = data.shape[0]
            finite = data[np.isfinite(data).all(axis=-1)]
            if len(finite) < 16 or len(finite) < 0.5 * height * data.shape[1]:
                continue  # NaN is the background: the few cells set are drawn marks
            if _flat(finite, share):
                found.append((im, 0, height))
                continue
            if not bands:
                continue
            least = max(3, height // 8)
            start = 0
            while start < height:  # the longest flat run of pixel rows from each start
                end = start
                while end < height:
                    band = data[start : end + 1].reshape(-1, data.shape[-1])
                    band = band[np.isfinite(band).all(axis=1)]
                    if len(band) and not _flat(band, share):
                        break
                    end += 1
                if end - start >= least and np.isfinite(data[start:end]).any():
                    found.append((im, start, end))
                    start = end
                else:
                    start += 1
    return found


def flat_images(fig: Any, share: float = FLAT_SHARE) -> list[Any]:
    """The image panels of ``fig`` that read as one flat colour as a whole."""
    return [
        im
        for im, r0, r1 in flat_regions(fig, share, bands=False)
        if r0 == 0 and r1 == np.shape(im.get_array())[0]
    ]


def mark_untrained(im: Any, row0: int, row1: int, text: str = UNTRAINED) -> list[Any]:
    """Hatch pixel rows ``row0:row1`` of image ``im`` and label them: a blank, not a bug."""
    ax = im.axes
    left, right, bottom, top = im.get_extent()
    height = np.shape(im.get_array())[0]
    first = top if im.origin == "upper" else bottom  # where pixel row 0 is drawn
    step = ((bottom - top) if im.origin == "upper" else (top - bottom)) / height
    y0, y1 = first + step * row0, first + step * row1
    patch = Rectangle(
        (left, min(y0, y1)),
        right - left,
        abs(y1 - y0),
        fill=False,
        hatch="//",
        edgecolor=(0.25, 0.25, 0.25, 0.5),
        linewidth=0,
        zorder=5,
    )
    note = ax.text(
        (left + right) / 2,
        (y0 + y1) / 2,
        text,
        ha="center",
        va="center",
        fontsize=10 if row1 - row0 > height // 3 else 8,
        zorder=6,
        clip_on=True,
        bbox={"boxstyle": "round", "fc": "white", "ec": "0.4", "alpha": 0.9},
    )
    return [ax.add_patch(patch), note]


def animation(
    out_dir: Path,
    name: str,
    fig: Any,
    update: Callable[[int], Any],
    frames: int,
    *,
    fps: int = 8,
    dpi: int = 80,
    max_bytes: int = MAX_GIF_BYTES,
    untrained: str | None = UNTRAINED,
    untrained_bands: bool = False,
) -> Path:
    """Write ``out_dir/name.gif`` from ``update(i)`` for i < frames (FuncAnimation + Pillow).

    On the first frame (step 0 for a training demo) an image panel, or a band of a montage's
    rows, of ≈ one flat colour (the output of an untrained generator or decoder, see
    :func:`flat_regions`) is hatched and labelled ``untrained`` instead of being shown as a
    blank panel (``None``: left as it is); ``untrained_bands`` also looks for flat bands
    of rows (a montage of inputs over reconstructions). The marked boxes, in figure
    fractions, are listed in ``FLAT_MARKED[name]``.

    If the GIF comes out larger than ``max_bytes`` it is written again at a lower
    resolution and with every second frame, up to three times; a GIF that still does not
    fit is removed and a ``ValueError`` says by how much it missed.
    """
    path = Path(out_dir) / f"{name}.gif"
    order = list(range(frames))
    size = 0
    canvas, idle = fig.canvas, fig.canvas.draw_idle
    marks: list[Any] = []

    def draw(i: int) -> Any:
        """``update(i)``; on the first frame, flat image panels get a hatch and a note."""
        for artist in marks:
            artist.remove()
        marks.clear()
        out = update(i)
        if i == order[0] and untrained:
            boxes = []
            for im, row0, row1 in flat_regions(fig, bands=untrained_bands):
                marks.extend(mark_untrained(im, row0, row1, untrained))
                im.axes.apply_aspect()  # where the drawn frame puts it (equal aspect)
                to_fig = im.axes.transData + fig.transFigure.inverted()
                corners = to_fig.transform(marks[-2].get_bbox().get_points())
                (x0, y0), (x1, y1) = corners.min(0), corners.max(0)
                boxes.append((float(x0), float(y0), float(x1), float(y1)))
            FLAT_MARKED[name] = boxes
        return out

    for _ in range(4):
        anim = FuncAnimation(fig, draw, frames=order, blit=False)
        canvas.draw_idle = lambda *a, **k: None  # grab_frame draws each frame: once is enough
        try:
            anim.save(path, writer=PillowWriter(fps=fps), dpi=dpi)
        finally:
            canvas.draw_idle = idle
        size = os.path.getsize(path)
        if size <= max_bytes:
            plt.close(fig)
            return path
        dpi = max(30, int(dpi * 0.7))
        order = order[::2] if len(order) > 8 else order
    path.unlink(missing_ok=True)
    plt.close(fig)
    raise ValueError(f"{name}.gif is {size} bytes, more than {max_bytes} even when reduced")
