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
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.ticker import MaxNLocator

MAX_GIF_BYTES = 3_000_000

__all__ = [
    "MAX_GIF_BYTES",
    "animation",
    "image_panel",
    "integer_ticks",
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
) -> Path:
    """Write ``out_dir/name.gif`` from ``update(i)`` for i < frames (FuncAnimation + Pillow).

    If the GIF comes out larger than ``max_bytes`` it is written again at a lower
    resolution and with every second frame, up to three times; a GIF that still does not
    fit is removed and a ``ValueError`` says by how much it missed.
    """
    path = Path(out_dir) / f"{name}.gif"
    order = list(range(frames))
    size = 0
    canvas, idle = fig.canvas, fig.canvas.draw_idle
    for _ in range(4):
        anim = FuncAnimation(fig, update, frames=order, blit=False)
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
