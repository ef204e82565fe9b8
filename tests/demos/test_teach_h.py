"""Issue 14 for the h-topic demos: each run's caption quotes its numbers in English and
Italian, each writes a GIF of its key picture, and each learning check asserts the contrast
the lesson is about (it fails when the failing twin does as well as the real thing).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image

from demos.h_advanced import rpn_anchors
from demos.lib import boxes as bx
from demos.platform import RunContext, Throttle, registry


def it_number(text: str) -> str:
    """A number as the Italian captions write it: decimal comma."""
    return text.replace(".", ",")


def assert_caption_quotes_the_run(run: Any, shown: dict[str, str]) -> None:
    """EN and IT captions are set, differ, and quote the final metrics as formatted."""
    caption = run.saved["caption"]
    assert caption == run.end["caption"]
    assert caption["en"] and caption["it"] and caption["en"] != caption["it"]
    for text in caption.values():  # one to three sentences
        assert 1 <= len(re.findall(r"[.!?](?= [A-Z])", text)) + 1 <= 3, text
    final = run.saved["history"][-1]
    for key, fmt in shown.items():
        value = format(final[key], fmt)
        assert value in caption["en"], (key, value, caption["en"])
        assert it_number(value) in caption["it"], (key, it_number(value), caption["it"])


def assert_gif(run: Any, name: str, frames: int = 10) -> int:
    """The run wrote NAME.gif (listed in outputs) with at least ``frames`` frames, ≤ 3 MB."""
    gif = Path(run.out_dir) / f"{name}.gif"
    assert str(gif) in run.end["outputs"] and str(gif) in run.saved["outputs"]
    assert 0 < gif.stat().st_size <= 3_000_000
    with Image.open(gif) as im:
        assert im.n_frames >= frames
        return im.n_frames


def learned_with(name: str, run: Any, **changes: float) -> Any:
    """The demo's learning check on the run's history with the last record changed."""
    history = copy.deepcopy(run.saved["history"])
    history[-1].update(changes)
    spec = registry.spec(name)
    params = run.saved["params"]
    ctx = RunContext(params, torch.device("cpu"), True, 0, Throttle())
    ctx.history = history
    demo = registry.load(name)()
    assert spec.name == name
    return demo.learned(ctx)


# --- what each caption must quote, and how it formats it --------------------------------

SHOWN = {
    "yolo-grid": {"raw_precision": ".2f", "precision": ".2f", "recall": ".2f", "raw_boxes": ".1f"},
    "rpn-anchors": {"pos_anchor_iou": ".2f", "refined_iou": ".2f", "no_nms_recall": ".2f"},
    "unet-seg": {"miou": ".2f", "twin_miou": ".2f", "boundary_acc": ".0%"},
    "clip-toy": {"diag_cos": ".2f", "off_cos": ".2f", "twin_off_cos": ".2f", "zero_shot": ".2f"},
    "ddpm-2d": {"cover_samples": ".3f", "cover_no_noise": ".3f", "nn_samples": ".3f"},
    "latent-diffusion": {"px_nn_latent": ".2f", "px_nn_pixel": ".2f", "px_nn_data": ".2f"},
    "dalle2-toy": {"prior_acc": ".0%", "uncond_acc": ".0%", "round_trip_acc": ".0%"},
}
# the contrast metrics: recorded at every step of the history
CONTRAST = {
    "yolo-grid": ("precision", "raw_precision", "recall", "raw_recall"),
    "rpn-anchors": (
        "refined_iou",
        "pos_anchor_iou",
        "best_iou",
        "anchor_best_iou",
        "no_nms_recall",
    ),
    "unet-seg": ("miou", "twin_miou", "boundary_acc", "twin_boundary_acc"),
    "clip-toy": ("gap", "twin_gap", "twin_infonce"),
    "ddpm-2d": ("cover_samples", "cover_no_noise", "nn_no_noise"),
    "latent-diffusion": ("px_nn_latent", "px_nn_pixel", "pixel_loss"),
    "dalle2-toy": ("prior_acc", "uncond_acc", "round_trip_acc"),
}


@pytest.mark.parametrize("name", sorted(SHOWN))
def test_caption_quotes_the_run_in_both_languages(name, quick_run):
    assert_caption_quotes_the_run(quick_run(name), SHOWN[name])


@pytest.mark.parametrize("name", sorted(SHOWN))
def test_gif_of_the_key_picture(name, quick_run):
    assert_gif(quick_run(name), name)


@pytest.mark.parametrize("name", sorted(CONTRAST))
def test_contrast_is_recorded_and_asserted(name, quick_run):
    run = quick_run(name)
    history = run.saved["history"]
    assert all(k in h for h in history for k in CONTRAST[name])
    learning = run.end["checks"][-1]
    assert learning["name"] == "learning" and learning["passed"]
    assert learned_with(name, run).passed  # the check itself, replayed on the history


def test_yolo_learning_fails_when_nms_does_not_help(quick_run):
    run = quick_run("yolo-grid")
    final = run.saved["history"][-1]
    assert final["precision"] - final["raw_precision"] >= 0.2  # the lesson, on this run
    same = learned_with("yolo-grid", run, raw_precision=final["precision"])
    assert not same.passed and "without NMS" in same.detail
    lossy = learned_with("yolo-grid", run, raw_recall=final["recall"] + 0.2)
    assert not lossy.passed


def test_rpn_learning_fails_when_the_deltas_do_not_refine_the_anchors(quick_run):
    run = quick_run("rpn-anchors")
    final = run.saved["history"][-1]
    assert final["refined_iou"] - final["pos_anchor_iou"] >= 0.05
    flat = learned_with("rpn-anchors", run, refined_iou=final["pos_anchor_iou"])
    assert not flat.passed and "regression" in flat.detail
    assert not learned_with("rpn-anchors", run, anchor_best_iou=final["best_iou"]).passed
    assert not learned_with("rpn-anchors", run, no_nms_recall=final["recall"] + 0.1).passed


def test_rpn_without_nms_keeps_the_best_scores_in_order():
    torch.manual_seed(0)
    anchors = rpn_anchors.grid_anchors(rpn_anchors.base_anchors((8, 16), (1.0,)), 4, 4, 4)
    logits, deltas = torch.randn(len(anchors)), torch.zeros(len(anchors), 4)
    piled, scores = rpn_anchors.proposals(logits, deltas, anchors, 20, 6, None)
    assert torch.equal(scores, logits.sigmoid().sort(descending=True).values[:6])
    kept, _ = rpn_anchors.proposals(logits, deltas, anchors, 20, 6, 0.3)
    iou = bx.box_iou(kept, kept) - torch.eye(len(kept))
    assert iou.max() <= 0.3 < (bx.box_iou(piled, piled) - torch.eye(6)).max()


def test_unet_learning_fails_when_the_skipless_twin_keeps_up(quick_run):
    run = quick_run("unet-seg")
    final = run.saved["history"][-1]
    assert final["miou"] - final["twin_miou"] >= 0.15
    assert not learned_with("unet-seg", run, twin_miou=final["miou"]).passed
    edge = learned_with("unet-seg", run, twin_boundary_acc=final["boundary_acc"])
    assert not edge.passed and "boundary" in edge.detail


def test_clip_learning_fails_when_the_positives_only_twin_keeps_its_gap(quick_run):
    run = quick_run("clip-toy")
    final = run.saved["history"][-1]
    assert final["twin_off_cos"] >= 0.95 and abs(final["twin_gap"]) <= 0.05  # collapsed
    assert abs(final["twin_infonce"] - final["chance"]) <= 0.05  # constant logits: ln N
    assert not learned_with("clip-toy", run, twin_gap=final["gap"]).passed


def test_nms_rounds_keep_what_nms_keeps_and_respect_classes():
    gen = torch.Generator().manual_seed(5)
    for _ in range(10):
        boxes = bx.random_boxes(20, gen)
        scores = torch.rand(20, generator=gen)
        labels = torch.randint(0, 2, (20,), generator=gen)
        rounds = bx.nms_steps(boxes, scores, 0.4)
        assert [r[0] for r in rounds] == bx.nms(boxes, scores, 0.4).tolist()
        per_class = bx.nms_steps(boxes, scores, 0.4, labels)
        want = sorted(
            int(i)
            for c in (0, 1)
            for i in torch.nonzero(labels == c).flatten()[
                bx.nms(boxes[labels == c], scores[labels == c], 0.4)
            ]
        )
        assert sorted(r[0] for r in per_class) == want
        for best, gone, ious in per_class:  # a round removes only its own class, above thr
            assert all(labels[j] == labels[best] for j in gone) and all(v > 0.4 for v in ious)


def test_ddpm_learning_fails_when_the_noise_free_chain_covers_as_well(quick_run):
    run = quick_run("ddpm-2d")
    final = run.saved["history"][-1]
    assert final["cover_no_noise"] >= 3 * final["cover_samples"]
    same = learned_with("ddpm-2d", run, cover_no_noise=final["cover_samples"])
    assert not same.passed and "σ_t·z" in same.detail


def test_latent_learning_fails_when_the_pixel_twin_keeps_up(quick_run):
    run = quick_run("latent-diffusion")
    final = run.saved["history"][-1]
    assert final["px_nn_latent"] < final["px_nn_pixel"]
    assert not learned_with("latent-diffusion", run, px_nn_pixel=final["px_nn_latent"]).passed


def test_dalle2_learning_fails_when_the_caption_does_not_matter(quick_run):
    run = quick_run("dalle2-toy")
    final = run.saved["history"][-1]
    assert final["uncond_acc"] <= 0.3 < final["prior_acc"]
    assert not learned_with("dalle2-toy", run, uncond_acc=final["prior_acc"]).passed
    assert not learned_with("dalle2-toy", run, round_trip_acc=0.2).passed


def test_reverse_sample_without_noise_is_the_chain_of_means():
    from demos.lib.diffusion import make_schedule, reverse_sample, reverse_step

    sched = make_schedule(12)
    x_T = torch.randn(5, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    predict = lambda x, t: 0.3 * x  # noqa: E731  (any ε̂)
    out, _ = reverse_sample(predict, x_T, sched, torch.Generator().manual_seed(1), noise=0.0)
    x = x_T
    for t in range(11, -1, -1):
        x = reverse_step(x, predict(x, None), t, sched, torch.zeros_like(x))
    assert torch.allclose(out, x)
    noisy, _ = reverse_sample(predict, x_T, sched, torch.Generator().manual_seed(1))
    same, _ = reverse_sample(predict, x_T, sched, torch.Generator().manual_seed(1), noise=1.0)
    assert torch.equal(noisy, same) and not torch.allclose(noisy, out)
