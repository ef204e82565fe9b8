"""Demos that teach (issue 14), topics e–g: autoencoder, denoising-ae, vae, faceswap, vq-vae,
gan-2d, dcgan-digits, acgan-digits.

For each quick CPU run (shared with the other demo tests through ``quick_run``): the
caption is there in English and Italian and quotes this run's own numbers; the GIF has at
least ten frames and at most 3 MB; the contrast twin's metrics are recorded at every step
and streamed in one plot with the main model's; and the learning criterion fails when the
contrast is taken away from the very same history.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import torch
from PIL import Image

from demos.lib.images import decimal_comma, diagram, label_montage, thin
from demos.platform import RunContext, Throttle, registry
from demos.platform.params import resolve_params

# demo → (numbers its caption must quote: (metric, format)), (main metric, twin metric),
# and how to erase the contrast from a record (the learning check must then fail)
CASES = {
    "autoencoder": (
        [("nmse", ".2f"), ("pca_nmse", ".2f"), ("knn", ".2f"), ("pca_knn", ".2f")],
        ("nmse", "pca_nmse"),
        lambda r: r.update(pca_nmse=r["nmse"]),
    ),
    "denoising-ae": (
        [("dae_denoise", ".2f"), ("ae_denoise", ".2f"), ("noisy_input", ".2f")],
        ("dae_denoise", "ae_denoise"),
        lambda r: r.update(ae_denoise=r["dae_denoise"]),
    ),
    "vae": (
        [("inside", ".0%"), ("twin_inside", ".0%"), ("prior_score", ".1f"), ("twin_kl", ".0f")],
        ("inside", "twin_inside"),
        lambda r: r.update(twin_inside=r["inside"], twin_prior_score=r["prior_score"]),
    ),
    "faceswap": (
        [("swap", ".2f"), ("control_swap", ".2f")],
        ("swap", "control_swap"),
        lambda r: r.update(control_swap=r["swap"]),
    ),
    "vq-vae": (
        [
            ("perplexity", ".1f"),
            ("twin_perplexity", ".1f"),
            ("codes_used", ".0f"),
            ("twin_codes_used", ".0f"),
        ],
        ("perplexity", "twin_perplexity"),
        lambda r: r.update(twin_perplexity=r["perplexity"], twin_codes_used=r["codes_used"]),
    ),
    "gan-2d": (
        [("modes", ".0f"), ("collapse_modes", ".0f"), ("precision", ".2f"), ("recall", ".2f")],
        ("modes", "collapse_modes"),
        lambda r: r.update(collapse_modes=r["modes"]),
    ),
    "dcgan-digits": (
        [("digit_score", ".1f"), ("twin_digit_score", ".1f"), ("classes", ".0f")],
        ("digit_score", "twin_digit_score"),
        lambda r: r.update(twin_digit_score=r["digit_score"]),
    ),
    "acgan-digits": (
        [("clf_agree", ".0%"), ("twin_clf_agree", ".0%"), ("aux_fake", ".0%")],
        ("clf_agree", "twin_clf_agree"),
        lambda r: r.update(twin_clf_agree=r["clf_agree"]),
    ),
}
NAMES = tuple(CASES)


@pytest.mark.parametrize("name", NAMES)
def test_caption_in_both_languages_quotes_the_run(name, quick_run):
    run = quick_run(name)
    caption, final = run.saved["caption"], run.saved["metrics"]
    assert caption == run.end["caption"]
    for lang in ("en", "it"):
        text = caption[lang]
        assert 80 <= len(text) <= 900, (lang, text)
        assert len(re.findall(r"[.!?](\s|$)", text)) <= 3, text  # 1–3 sentences
    assert caption["en"] != caption["it"]
    for key, spec in CASES[name][0]:
        number = format(final[key], spec)
        assert number in caption["en"], (key, number, caption["en"])
        assert decimal_comma(number) in caption["it"], (key, number, caption["it"])


@pytest.mark.parametrize("name", NAMES)
def test_gif_moves_and_is_small(name, quick_run):
    run = quick_run(name)
    gifs = [Path(p) for p in run.end["outputs"] if p.endswith(".gif")]
    assert [g.name for g in gifs] == [f"{name}.gif"]
    size = gifs[0].stat().st_size
    assert 0 < size <= 3_000_000
    with Image.open(gifs[0]) as gif:
        assert gif.n_frames >= 10
        first = gif.convert("L").tobytes()
        gif.seek(gif.n_frames - 1)
        assert gif.convert("L").tobytes() != first  # it moves
    assert (run.out_dir / f"{name}.png").stat().st_size > 50_000


@pytest.mark.parametrize("name", NAMES)
def test_contrast_is_recorded_and_streamed_together(name, quick_run):
    run = quick_run(name)
    main, twin = CASES[name][1]
    history = run.saved["history"]
    assert all(main in h and twin in h and h[twin] is not None for h in history)
    plots = run.start["plots"]
    assert any(main in p["metrics"] and twin in p["metrics"] for p in plots), plots
    spec = registry.spec(name)
    assert spec.focus.startswith("plot:")
    focus = next(p for p in plots if p["key"] == spec.focus.partition(":")[2])
    assert twin in focus["metrics"] or main in focus["metrics"]


def _judge(name: str, history: list[dict]):
    """The demo's learning criterion on a given history (setup only, no training)."""
    demo = registry.load(name)()
    params = resolve_params(demo.spec.params, {}, demo.spec.quick)
    ctx = RunContext(params, torch.device("cpu"), True, 0, Throttle(enabled=False))
    ctx.total_steps = demo.steps(params)
    torch.manual_seed(0)
    demo.setup(ctx)
    ctx.history = history
    return demo.learned(ctx)


@pytest.mark.parametrize("name", NAMES)
def test_learning_check_fails_without_the_contrast(name, quick_run):
    run = quick_run(name)
    history = copy.deepcopy(run.saved["history"])
    assert _judge(name, history).passed  # the quick run's own history passes
    erase = CASES[name][2]
    for record in history:
        erase(record)
    verdict = _judge(name, history)
    assert not verdict.passed, verdict.detail


def test_gan_2d_check_needs_the_saturation(quick_run):
    history = copy.deepcopy(quick_run("gan-2d").saved["history"])
    for record in history:
        record["push_minimax"] = record["push_nonsat"]  # no saturation on rejected fakes
    assert not _judge("gan-2d", history).passed


def test_vq_vae_twin_starts_where_the_model_starts():
    demo = registry.load("vq-vae")()
    params = resolve_params(demo.spec.params, {}, demo.spec.quick)
    ctx = RunContext(params, torch.device("cpu"), True, 0, Throttle(enabled=False))
    ctx.total_steps = 5
    ctx.record_steps = frozenset({0})
    torch.manual_seed(0)
    demo.setup(ctx)
    assert torch.equal(demo.main.param, demo.twin.param)
    main, twin = demo.main.encoder.state_dict(), demo.twin.encoder.state_dict()
    assert all(torch.equal(main[k], twin[k]) for k in main)
    next(demo.run(ctx))
    snap = demo.snapshots[0]  # after one identical step the two pictures coincide
    assert (snap["main"]["codebook"] == snap["twin"]["codebook"]).all()
    assert (snap["main"]["z"] == snap["twin"]["z"]).all()


# --- the figure helpers of demos.lib.images ------------------------------------------


def test_thin_keeps_the_last_step_and_at_most_the_asked_count():
    assert thin([0, 5, 10], 30) == [0, 5, 10]
    steps = list(range(100))
    kept = thin(steps, 30)
    assert len(kept) <= 31 and kept[0] == 0 and kept[-1] == 99
    assert kept == sorted(set(kept))


def test_decimal_comma_changes_only_decimal_points():
    text = "errore 0.31, e.06, β1 = 0.5, 79%, fine."
    assert decimal_comma(text) == "errore 0,31, e.06, β1 = 0,5, 79%, fine."


def test_diagram_and_montage_labels_draw(tmp_path):
    from demos.platform.figures import plt, save_figure

    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3))
    diagram(a, {"x": (0.1, 0.5, "x"), "e": (0.5, 0.5, "encoder"), "z": (0.9, 0.5, "z")},
            [("x", "e", ""), ("e", "z", "code")], title="schematic")  # fmt: skip
    assert len([t for t in a.texts if t.get_text()]) == 4  # three boxes and a label
    b.imshow(torch.zeros(17, 26).numpy())
    label_montage(b, 8, ["row a", "row b"], ["c1", "c2", "c3"])
    assert [t.get_text() for t in b.get_yticklabels()] == ["row a", "row b"]
    assert list(b.get_yticks()) == [3.5, 12.5]
    assert save_figure(tmp_path, "helpers", fig, caption="a\nb").stat().st_size > 1000
