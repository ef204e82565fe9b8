"""Demos that teach (issue 14), topics c and d: the contrast, the caption, the GIF.

Each quick run must say what to look for in both languages with its own numbers (read
back from ``metrics.json``), write an animated GIF of its key picture (>= 10 frames,
<= 3 MB) listed in ``outputs``, record the failing twin's metric next to the good one,
and its learning check must fail when the contrast is taken away.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from PIL import Image

from demos.c_cnn.cnn_digits import _it_pct
from demos.c_cnn.resnet_gradflow import pow10
from demos.d_rnn import seq_classifier as sc
from demos.lib.recurrent import (
    MarkedRecall,
    check_parameters,
    it_number,
    it_percent,
    parameter_counts,
)
from demos.platform import RunContext, Throttle, record_schedule, registry
from demos.platform.params import resolve_params

NAMES = (
    "conv-explorer",
    "cnn-digits",
    "resnet-gradflow",
    "rnn-memory",
    "seq-classifier",
    "lstm-gates",
    "gru-gates",
)
# the metric of the good model and of its failing twin, recorded side by side
CONTRAST = {
    "cnn-digits": ("accuracy", "linear_accuracy"),
    "resnet-gradflow": ("res_accuracy", "plain_accuracy"),
    "rnn-memory": ("loss_clip", "loss_noclip"),
    "seq-classifier": ("acc_gru", "pad_gru"),
    "lstm-gates": ("accuracy", "rnn_accuracy"),
    "gru-gates": ("accuracy", "rnn_accuracy"),
}


def _sentences(text: str) -> int:
    return len(re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip()))


@pytest.mark.parametrize("name", NAMES)
def test_caption_gif_and_outputs(name, quick_run):
    run = quick_run(name)
    saved = run.saved
    caption = saved["caption"]
    assert caption == run.end["caption"]
    for lang in ("en", "it"):
        assert len(caption[lang]) > 80, (lang, caption[lang])
        assert 1 <= _sentences(caption[lang]) <= 3, caption[lang]
    assert caption["en"] != caption["it"]
    outputs = saved["outputs"]
    gif, png = run.out_dir / f"{name}.gif", run.out_dir / f"{name}.png"
    assert str(gif) in outputs and str(png) in outputs and outputs == run.end["outputs"]
    assert 0 < gif.stat().st_size <= 3_000_000
    with Image.open(gif) as image:
        assert image.n_frames >= 10


def _expected_numbers(name: str, saved: dict) -> tuple[list[str], list[str]]:
    """Strings each caption must contain, computed from metrics.json alone."""
    f = {k: v for k, v in saved["history"][-1].items() if k != "step"}
    first = saved["history"][0]
    if name == "conv-explorer":
        size = f"{int(f['out_h'])}×{int(f['out_w'])}"
        return [size, f"visits {saved['steps']} positions"], [size, f"visita {saved['steps']}"]
    if name == "cnn-digits":
        acc, lin = f["accuracy"], f["linear_accuracy"]
        return [f"{acc:.1%}", f"{lin:.1%}"], [_it_pct(acc), _it_pct(lin)]
    if name == "resnet-gradflow":
        grads = [pow10(first["plain_first"]), pow10(first["res_first"])]
        accs = [f"{f['res_accuracy']:.0%}", f"{f['plain_accuracy']:.0%}"]
        return grads + accs, grads + accs
    if name == "rnn-memory":
        reach = [pow10(first[f"reach_{c}"]) for c in ("rnn", "lstm", "gru")]
        en = [*reach, f"{f['loss_clip']:.2f}", f"{f['loss_noclip']:.2f}", f"{f['acc_lstm']:.0%}"]
        it = [*reach, it_number(f["loss_clip"]), it_number(f["loss_noclip"])]
        return en, it
    if name == "seq-classifier":
        en = [f"{f['acc_gru']:.0%}", f"{f['pad_gru']:.0%}", f"{f['tag_balanced']:.2f}"]
        it = [it_percent(f["acc_gru"]), it_percent(f["pad_gru"], "al")]
        return en, [*it, it_number(f["tag_balanced"])]
    acc = [it_percent(f["accuracy"], "nel"), it_percent(f["rnn_accuracy"], "nel")]
    en = [f"{f['accuracy']:.0%}", f"{f['rnn_accuracy']:.0%}"]
    gate = "i_mark" if name == "lstm-gates" else "z_mark"
    en.append(f"{f[gate]:.2f}")
    it = [*acc, it_number(f[gate])]
    if name == "gru-gates":
        counts = parameter_counts(6, saved["params"]["hidden"])
        en += [str(counts["GRU"]["numel"]), str(counts["LSTM"]["numel"])]
    return en, it


@pytest.mark.parametrize("name", NAMES)
def test_caption_is_filled_from_the_runs_numbers(name, quick_run):
    saved = quick_run(name).saved
    en, it = _expected_numbers(name, saved)
    for text in en:
        assert text in saved["caption"]["en"], (text, saved["caption"]["en"])
    for text in it:
        assert text in saved["caption"]["it"], (text, saved["caption"]["it"])


@pytest.mark.parametrize("name", sorted(CONTRAST))
def test_the_contrast_is_recorded_streamed_and_shown(name, quick_run):
    run = quick_run(name)
    good, twin = CONTRAST[name]
    assert all(good in h and twin in h for h in run.saved["history"])
    assert all(twin in f["metrics"] for f in run.frames)  # the live view gets it too
    f = run.saved["history"][-1]
    if name == "rnn-memory":  # lower is better: the clipped twin learns, the other does not
        assert (f[twin] or math.inf) - f[good] >= 0.5
    else:
        assert f[good] - f[twin] >= 0.03
    learning = run.end["checks"][-1]
    assert learning["name"] == "learning" and learning["passed"]


@pytest.mark.parametrize("name", sorted(CONTRAST))
def test_accuracy_charts_are_marked(name):
    """Accuracy charts live on [0, 1] with the chance level drawn."""
    plots = [p for p in registry.spec(name).plots if p.ylim == (0.0, 1.0)]
    assert plots
    accuracy = [p for p in plots if "accuracy" in p.title]
    assert all(p.chance is not None for p in accuracy)


# --- the learning checks fail without the contrast ------------------------------------


def _ctx(name: str, **params) -> tuple:
    demo = registry.load(name)()
    values = resolve_params(demo.spec.params, params, demo.spec.quick)
    return demo, RunContext(values, torch.device("cpu"), True, 0, Throttle())


def test_gate_checks_need_the_lead_over_the_vanilla_rnn():
    for name in ("lstm-gates", "gru-gates"):
        demo, ctx = _ctx(name)
        base = {"step": 0, "accuracy": 1.0, "trace_gap": 1e-6}
        ctx.history = [{**base, "rnn_accuracy": 0.25}]
        assert demo.learned(ctx).passed
        ctx.history = [{**base, "rnn_accuracy": 0.7}]  # the RNN solved it too: no lesson
        assert not demo.learned(ctx).passed


def test_cnn_check_needs_the_lead_over_the_linear_twin():
    demo, ctx = _ctx("cnn-digits")
    ctx.history = [{"step": 0, "accuracy": 0.96, "linear_accuracy": 0.88}]
    assert demo.learned(ctx).passed
    ctx.history = [{"step": 0, "accuracy": 0.96, "linear_accuracy": 0.95}]
    assert not demo.learned(ctx).passed


def test_resnet_check_needs_the_plain_stack_to_trail():
    demo, ctx = _ctx("resnet-gradflow")
    ctx.history = [{"step": 0, "res_accuracy": 0.9, "plain_accuracy": 0.1}]
    assert demo.learned(ctx).passed
    ctx.history = [{"step": 0, "res_accuracy": 0.9, "plain_accuracy": 0.85}]
    assert not demo.learned(ctx).passed


def test_rnn_memory_check_needs_vanishing_explosion_and_clipping_to_show():
    demo, ctx = _ctx("rnn-memory")
    demo.c = 1.0
    start = {"step": 0, "reach_rnn": -7.0, "reach_lstm": -0.5, "reach_gru": -0.6}
    end = {
        "step": 249,
        "acc_lstm": 1.0,
        "acc_gru": 1.0,
        "acc_rnn": 0.3,
        "grad_noclip": 0.8,
        "step_clip": 0.1,
        "loss_noclip": 1.39,
        "loss_clip": 0.01,
    }
    spike = {"step": 10, "grad_noclip": 12.0, "step_clip": 0.1}
    ctx.history = [start, spike, end]
    assert demo.learned(ctx).passed
    for broken in (
        [{**start, "reach_rnn": -1.0}, spike, end],  # no vanishing at init
        [start, {**spike, "grad_noclip": 2.0}, end],  # nothing exploded
        [start, spike, {**end, "loss_noclip": 0.2}],  # unclipped learned as well
        [start, {**spike, "step_clip": 0.5}, end],  # a clipped step beyond lr·c
        [start, spike, {**end, "acc_rnn": 0.9}],  # the vanilla RNN learned it too
    ):
        ctx.history = broken
        assert not demo.learned(ctx).passed


def test_seq_check_needs_the_padded_readout_to_lose():
    demo, ctx = _ctx("seq-classifier")
    demo.tag_base = 0.85
    good = {
        "step": 0,
        "acc_rnn": 0.77,
        "acc_lstm": 0.9,
        "acc_gru": 0.88,
        "pad_gru": 0.6,
        "tag_balanced": 0.88,
    }
    ctx.history = [good]
    assert demo.learned(ctx).passed
    ctx.history = [{**good, "pad_gru": 0.85}]  # the wrong read-out would be as good
    assert not demo.learned(ctx).passed


def test_conv_explorer_check_needs_every_variant_to_have_the_formula_size():
    demo, ctx = _ctx("conv-explorer", pace="0")
    ctx.total_steps = demo.steps(ctx.params)
    demo.setup(ctx)
    ctx.record_steps = frozenset(record_schedule(ctx.total_steps, True))
    list(demo.run(ctx))
    assert demo.learned(ctx).passed
    assert [v["label"] for v in demo.variant_maps][:2] == ["no padding", "this run"]
    assert len(demo.snapshots) >= 10
    demo.variant_maps[0]["want"] = (99, 99)
    assert not demo.learned(ctx).passed


# --- the pieces ------------------------------------------------------------------------


def test_marked_recall_marks_one_symbol_in_the_first_half():
    task = MarkedRecall(length=12, symbols=3)
    x, y, symbols, marks = task.sample(500, np.random.default_rng(0))
    assert x.shape == (500, 12, 5) and y.shape == marks.shape == (500,)
    assert (x[..., 3].sum(1) == 1).all()  # exactly one mark per sequence
    assert (marks < 12 // 2).all() and len(set(marks.tolist())) > 2
    assert (y == symbols[np.arange(500), marks]).all()
    assert (x[:, -1, 4] == 1).all() and (x[:, :-1, 4] == 0).all()  # the query, last only
    assert (x[:, -1, :3] == 0).all() and (symbols[:, -1] == -1).all()
    assert (x[:, :-1, :3].sum(-1) == 1).all()  # a symbol at every other step
    # the answer is not given away by counting: look-alike symbols follow the mark
    later = symbols[np.arange(500), np.minimum(marks + 1, 10)]
    assert (later != y).mean() > 0.5


def test_parameter_check_compares_lstm_gru_and_rnn():
    counts = parameter_counts(6, 24)
    assert 4 * counts["GRU"]["numel"] == 3 * counts["LSTM"]["numel"]
    assert check_parameters("GRU", counts["GRU"]["numel"], 6, 24, counts).passed
    assert not check_parameters("GRU", counts["LSTM"]["numel"], 6, 24, counts).passed


def test_italian_numbers_and_powers_of_ten():
    assert pow10(-7.63) == "10⁻⁷·⁶" and pow10(0.7) == "10⁰·⁷"
    assert it_percent(0.88) == "l'88%" and it_percent(0.9, "nel") == "nel 90%"
    assert it_percent(0.8, "al") == "all'80%" and it_percent(0.18) == "il 18%"
    assert _it_pct(0.955) == "il 95,5%" and _it_pct(0.891) == "l'89,1%"


def test_crossing_point_is_where_the_segments_meet():
    loop = np.array([[0, 0], [2, 0], [2, 2], [1, 2], [1, -1]], dtype=float)
    assert np.allclose(sc.crossing_point(loop), [1.0, 0.0])
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    assert sc.crossing_point(square) is None
