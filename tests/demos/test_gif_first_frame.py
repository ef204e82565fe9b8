"""No GIF opens on a blank panel (issue 14 review): at step 0 an untrained generator or
decoder draws one flat colour, and the platform's ``animation`` hatches and labels it.

The demo tests use the session's shared quick runs (tests/demos/conftest.py), so they
add no training; the unit tests draw a small figure of their own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from demos.platform import figures
from demos.platform.figures import animation, flat_images, flat_regions, plt

# the demos whose step-0 frame showed a solid panel; (rnn-memory's was a line plot)
BLANK_AT_START = (
    "acgan-digits",
    "cnn-digits",
    "dcgan-digits",
    "denoising-ae",
    "faceswap",
    "unet-seg",
    "vae",
)


# first frames that are drawn at step 0, not blank: a visit map with one batch on it, a
# discriminator's map under the data, a forget gate at its bias (f ≈ 1 is the lesson)
DRAWN_AT_START = ("data-pipeline", "gan-2d", "lstm-gates", "gru-gates")


def _frame(path: Path, index: int) -> np.ndarray:
    with Image.open(path) as im:
        im.seek(index)
        return np.asarray(im.convert("RGB"))


def _crop(rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The pixels inside a figure-fraction box (x0, y0, x1, y1), origin bottom left."""
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = box
    rows = slice(round((1 - y1) * h) + 1, round((1 - y0) * h) - 1)
    return rgb[rows, round(x0 * w) + 1 : round(x1 * w) - 1]


def _dominant_share(pixels: np.ndarray) -> float:
    """How much of a crop is its commonest colour (1.0: one flat colour)."""
    _, counts = np.unique(pixels.reshape(-1, 3), axis=0, return_counts=True)
    return counts.max() / counts.sum()


@pytest.mark.parametrize("name", BLANK_AT_START)
def test_first_frame_has_no_blank_panel(name, quick_run):
    run = quick_run(name)
    boxes = figures.FLAT_MARKED.get(name)
    assert boxes, f"{name}: no flat panel found on frame 0 (did frame 0 stop being step 0?)"
    gif = Path(run.out_dir) / f"{name}.gif"
    first = _frame(gif, 0)
    for box in boxes:
        assert _dominant_share(_crop(first, box)) < 0.9, (name, box)
    with Image.open(gif) as im:
        assert im.n_frames >= 10 and gif.stat().st_size <= figures.MAX_GIF_BYTES


@pytest.mark.parametrize("name", DRAWN_AT_START)
def test_a_drawn_first_frame_is_left_alone(name, quick_run):
    quick_run(name)
    assert not figures.FLAT_MARKED.get(name), name


def _untrained_then_trained(tmp_path: Path, bands: bool) -> tuple[Path, object]:
    fig, ax = plt.subplots(figsize=(3, 3))
    rng = np.random.default_rng(0)
    top = rng.random((6, 12))  # an input row, always drawn
    pictures = [np.vstack([top, np.full((12, 12), 0.5)])]
    pictures += [np.vstack([top, rng.random((12, 12))]) for _ in range(11)]
    img = ax.imshow(pictures[0] if bands else pictures[0][6:], cmap="gray", vmin=0, vmax=1)
    ax.axis("off")

    def update(i: int) -> None:
        img.set_data(pictures[i] if bands else pictures[i][6:])

    path = animation(tmp_path, "flat-demo", fig, update, len(pictures), untrained_bands=bands)
    return path, img


@pytest.mark.parametrize("bands", [False, True])
def test_animation_marks_a_flat_first_frame_only(tmp_path, bands):
    path, _ = _untrained_then_trained(tmp_path, bands)
    (box,) = figures.FLAT_MARKED["flat-demo"]
    assert _dominant_share(_crop(_frame(path, 0), box)) < 0.9
    if bands:  # only the flat rows: the input band above them is left alone
        assert box[3] < 0.8
    # later frames are drawn as update() leaves them: the random tiles, no hatch
    later = _crop(_frame(path, 1), box)
    assert _dominant_share(later) < 0.2


def test_flat_detection_uses_the_panels_scale():
    fig, (a, b, c) = plt.subplots(1, 3)
    rng = np.random.default_rng(1)
    a.imshow(0.01 * rng.standard_normal((8, 8)), vmin=-1, vmax=1)  # N(0, 0.01) on ±1: flat
    b.imshow(rng.random((8, 8)), vmin=0, vmax=1)  # drawn
    c.imshow(np.full((3, 3), 0.5), vmin=0, vmax=1)  # too small to judge
    assert [im.axes for im in flat_images(fig)] == [a]
    montage = np.vstack([rng.random((6, 8)), np.zeros((8, 8))])
    fig2, ax = plt.subplots()
    ax.imshow(montage, vmin=0, vmax=1)
    assert flat_images(fig2) == [] and flat_regions(fig2, bands=False) == []
    ((_, r0, r1),) = flat_regions(fig2)
    assert (r0, r1) == (6, 14)
    plt.close(fig)
    plt.close(fig2)
