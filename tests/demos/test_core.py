"""The core demos (autograd, SGD, tensors, data pipeline, nn.Module): quick runs and checks."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from demos.a_autograd_sgd import EXPRESSIONS
from demos.a_autograd_sgd import autograd_graph as ag
from demos.a_autograd_sgd import sgd_descent as sd
from demos.b_tensors_pytorch import data_pipeline as dp
from demos.b_tensors_pytorch import module_anatomy as ma
from demos.b_tensors_pytorch import tensor_lab as tl
from demos.platform import registry
from demos.platform.execute import execute

CORE = ("autograd-graph", "sgd-descent", "tensor-lab", "data-pipeline", "module-anatomy")


@pytest.mark.parametrize("name", CORE)
def test_quick_run_has_four_checks_and_ends_on_a_picture(name, quick_run):
    run = quick_run(name)  # the contract itself: test_catalogue.py
    assert len(run.end["checks"]) >= 4
    assert any(i["kind"] in ("heatmap", "picture", "histogram") for i in run.frames[-1]["items"])


def test_seeded_runs_are_deterministic():
    def run(seed):
        return execute(
            "sgd-descent", {"steps": "30"}, device="cpu", quick=True, seed=seed, emit=lambda e: None
        )["metrics"]

    assert run(1) == run(1) != run(2)


# --- autograd-graph ------------------------------------------------------------------


def test_the_spec_offers_exactly_the_expressions_the_engine_knows():
    choices = next(p.choices for p in registry.spec("autograd-graph").params if p.name == "expr")
    assert tuple(ag.EXPRESSIONS) == EXPRESSIONS == choices


def test_bank_example_values_and_adjoints():
    _, nodes = ag.EXPRESSIONS["bank"]
    values = ag.evaluate(nodes, {"x": 2.0, "y": 3.0})
    adjoint, edges = ag.reverse_mode(nodes, values)
    assert (values["v1"], values["v2"], values["f"]) == (6.0, 9.0, 54.0)
    assert (adjoint["x"], adjoint["y"], adjoint["v1"], adjoint["v2"]) == (45.0, 36.0, 15.0, 6.0)
    assert edges[("f", "v1")] == 9.0 and edges[("v2", "v1")] == 6.0  # fan-out: 9 + 6
    assert ag.forward_mode(nodes, values, {"x": 1.0})["f"] == 45.0


def _overwriting_reverse(nodes, values):
    """Wrong: a node keeps only the last contribution instead of summing at fan-out."""
    adjoint = {n: 0.0 for n in values}
    adjoint[nodes[-1][0]] = 1.0
    for name, op, args in reversed(nodes):
        for arg, d in zip(args, ag._LOCAL[op](*(values[a] for a in args)), strict=True):
            adjoint[arg] = adjoint[name] * d
    return adjoint, {}


def _first_operand_forward(nodes, values, seed):
    """Wrong: the product rule forgets the second operand's path."""
    tangent = {k: seed.get(k, 0.0) for k in ag.INPUTS}
    for name, op, args in nodes:
        local = ag._LOCAL[op](*(values[a] for a in args))
        tangent[name] = local[0] * tangent[args[0]]
    return tangent


@pytest.mark.parametrize("expr", list(ag.EXPRESSIONS))
def test_autograd_checks_pass_and_fail(expr):
    _, nodes = ag.EXPRESSIONS[expr]
    point = {"x": 0.7, "y": -1.3}
    assert ag.check_adjoints(nodes, point, "cpu").passed
    assert ag.check_tangents(nodes, point, "cpu").passed
    assert not ag.check_tangents(nodes, point, "cpu", forward=_first_operand_forward).passed
    if expr != "ratio":  # every expression but 'ratio' has a fan-out node feeding a product
        assert not ag.check_adjoints(nodes, point, "cpu", reverse=_overwriting_reverse).passed


def test_jacobian_check_catches_a_wrong_closed_form():
    gen = torch.Generator().manual_seed(0)
    w = torch.randn(3, 7, generator=gen, dtype=torch.float64)
    x = torch.randn(7, generator=gen, dtype=torch.float64)
    assert ag.check_jacobians(w, x).passed
    assert not ag.check_jacobians(w, x, closed_form=lambda w, x: w).passed  # forgot tanh'


# --- sgd-descent ---------------------------------------------------------------------


def _data():
    x, y = sd.make_data(64, 2.0, -1.0, 0.3, np.random.default_rng(0))
    return torch.from_numpy(x), torch.from_numpy(y)


def test_sgd_checks_pass_and_fail():
    x, y = _data()
    assert sd.check_sgd_step(x[:8], y[:8], 0.1).passed
    momentum = lambda params, lr: torch.optim.SGD(params, lr=lr, weight_decay=0.5)  # noqa: E731
    assert not sd.check_sgd_step(x[:8], y[:8], 0.1, optimizer_cls=momentum).passed
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=10)
    assert sd.check_unbiased(loader, x, y, -2.0, 3.0).passed
    dropped = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=10, drop_last=True
    )
    assert not sd.check_unbiased(dropped, x, y, -2.0, 3.0).passed
    assert sd.check_parabola("cpu").passed
    assert not sd.check_parabola("cpu", step_fn=lambda lr: (lr * 3.0, 10.0, 5.0)).passed


# --- tensor-lab ----------------------------------------------------------------------


def test_view_rule_matches_torch_on_random_layouts():
    rng = np.random.default_rng(1)
    legal = 0
    for _ in range(400):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(2, 5))))
        src = torch.arange(math.prod(shape)).view(shape).permute(*rng.permutation(len(shape)))
        if rng.random() < 0.3:
            src = src[..., ::2]
        if rng.random() < 0.3 and src.shape[0] > 1:
            src = src[1:]
        new_shape = tl._random_factorisation(src.numel(), rng)
        verdict = tl.judge_view(src, new_shape)
        assert all(verdict.values()), (src.shape, src.stride(), new_shape)
        legal += tl.view_strides(tuple(src.shape), tuple(src.stride()), new_shape) is not None
    assert 50 < legal < 390  # both outcomes were exercised


def test_tensor_checks_fail_with_wrong_rules():
    def lenient(a, b):  # wrong: ignores incompatible sizes
        n = max(len(a), len(b))
        a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
        return tuple(max(p, q) for p, q in zip(a, b, strict=True))

    def always_view(shape, strides, new_shape):  # wrong: as if every tensor were contiguous
        return tl.contiguous_strides(new_shape)

    assert tl.check_broadcast("cpu").passed and not tl.check_broadcast("cpu", lenient).passed
    assert not tl.check_view_of_transpose("cpu", always_view).passed
    assert not tl.check_reshape_copies("cpu", always_view).passed
    wrong_matmul = lambda a, b: (a[..., :, :, None] * b[..., None, :, :]).sum(-3)  # noqa: E731
    assert not tl.check_products_and_reductions("cpu", matmul=wrong_matmul).passed
    assert tl.broadcast_shape((8, 1, 6, 1), (7, 1, 5)) == (8, 7, 6, 5)
    assert tl.reduced_shape((2, 3, 4), -2, True) == (2, 1, 4)


# --- data-pipeline -------------------------------------------------------------------


def test_data_checks_pass_and_fail():
    assert dp.check_lengths().passed
    assert not dp.check_lengths(count=lambda n, b, drop: math.ceil(n / b)).passed
    assert dp.check_shuffle(seed=3).passed
    x = np.random.default_rng(0).random((20, 1, 8, 8)).astype(np.float32)
    y = np.arange(20) % 10
    assert dp.check_collate(dp.make_digits_dataset(x, y), 6).passed
    assert not dp.check_collate(dp.make_digits_dataset(x.astype(np.float64), y), 6).passed


def test_point_stream_shards_across_workers():
    assert dp.check_iterable(12, 2, seed=0).passed
    stream = list(dp.make_point_stream(5, seed=0))
    assert [s["index"] for s in stream] == list(range(5))
    again = list(dp.make_point_stream(5, seed=0))
    assert all(torch.equal(a["x"], b["x"]) for a, b in zip(stream, again, strict=True))


# --- module-anatomy ------------------------------------------------------------------


def test_module_checks_pass_and_fail():
    torch.manual_seed(0)
    model, fresh = ma.build_model(6, 0.5), ma.build_model(6, 0.5)
    x = torch.rand(16, 1, 8, 8)
    y = torch.arange(16) % 10
    with torch.no_grad():
        model(x)  # train mode: running statistics move away from (0, 1)
    assert ma.check_parameter_count(model, 6).passed
    assert not ma.check_parameter_count(model, 6, by_hand=lambda h: 65 * h + 11 * h + 10).passed
    assert ma.check_train_eval(model, x).passed

    def batch_stats(m, x):  # wrong: BatchNorm with the batch statistics in eval mode
        h = x.flatten(1) @ m.fc1.weight.t() + m.fc1.bias
        h = (h - h.mean(0)) / torch.sqrt(h.var(0, unbiased=False) + m.bn.eps)
        h = torch.relu(h * m.bn.weight + m.bn.bias)
        return (h @ m.fc2.weight.t() + m.fc2.bias) / m.log_temp.exp()

    assert not ma.check_train_eval(model, x, by_hand=batch_stats).passed
    assert ma.check_loop_pieces(model, x, y, torch.device("cpu")).passed
    assert not ma.check_state_dict(model, model, x).passed  # nothing to restore
    assert ma.check_state_dict(model, fresh, x).passed


# --- what each core demo teaches: the contrast, the caption, the GIF ---------------------

SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def _italian(text: str) -> str:
    """A number as the Italian caption writes it (decimal comma)."""
    return text.replace(".", ",")


def _tail_mean(history, key, start):
    values = [h[key] for h in history[start:] if h.get(key) is not None]
    return float(np.mean(values))


def _numbers_in_caption(name: str, saved: dict) -> list[str]:
    """The numbers each caption must quote, recomputed here from metrics.json."""
    hist, final, params = saved["history"], saved["metrics"], saved["params"]
    if name == "autograd-graph":
        tail = hist[3 * len(hist) // 4 :]
        wide = float(np.median([h["wide_ratio_ms"] for h in tail]))
        tall = float(np.median([h["tall_ratio_ms"] for h in tail]))
        return [
            "x\u0304 = 45",
            "y\u0304 = 36",
            f"×{wide:.1f}",
            f"×{tall:.1f}",
            str(int(final["n"])),
        ]
    if name == "sgd-descent":
        q = 3 * len(hist) // 4
        small, large = _tail_mean(hist, "excess_small", q), _tail_mean(hist, "excess_sgd", q)
        return [
            sd.num(small),
            sd.num(large),
            f"×{sd.num(small / large)}",
            f"{final['eta_big']:.2f}",
            f"×{sd.num(final['big_growth'])}",
        ]
    if name == "tensor-lab":
        return [f"{final['row_mean_no_keepdim']:.2f}", "0, 4, 8, 1", str(params["steps"])]
    if name == "data-pipeline":
        h = len(hist) // 2
        acc, twin = _tail_mean(hist, "accuracy", h), _tail_mean(hist, "accuracy_sorted", h)
        return [f"{acc:.2f}", f"{twin:.2f}", "= 47", "= 46"]
    assert name == "module-anatomy"
    return [
        f"{final['accuracy']:.2f}",
        f"{final['accuracy_plain_list']:.2f}",
        str(int(final["params_registered"])),
        str(int(final["nan_step"])),
    ]


@pytest.mark.parametrize("name", CORE)
def test_caption_quotes_the_run_in_both_languages(name, quick_run):
    run = quick_run(name)
    caption = run.saved["caption"]
    assert caption == run.end["caption"]
    en, it = caption["en"], caption["it"]
    assert en and it and en != it
    for text in (en, it):
        assert 1 <= len(SENTENCE_END.findall(text)) <= 3, text
    for number in _numbers_in_caption(name, run.saved):
        assert number in en, (number, en)
        assert _italian(number) in it or number in it, (number, it)


@pytest.mark.parametrize("name", CORE)
def test_gif_moves_and_fits(name, quick_run):
    from PIL import Image

    run = quick_run(name)
    outputs = run.saved["outputs"]
    gifs = [Path(o) for o in outputs if o.endswith(".gif")]
    assert [g.name for g in gifs] == [f"{name}.gif"] and any(o.endswith(".png") for o in outputs)
    gif = gifs[0]
    assert 0 < gif.stat().st_size <= 3_000_000
    with Image.open(gif) as im:
        assert im.n_frames >= 10
        first = np.asarray(im.convert("RGB")).copy()
        im.seek(im.n_frames - 1)
        last = np.asarray(im.convert("RGB"))
    assert (first != last).any()  # it moves


# the contrast: metric names streamed and recorded next to the good run's
CONTRAST = {
    "autograd-graph": ("wide_ratio_ms", "tall_ratio_ms", "passes_ratio"),
    "sgd-descent": ("loss_small", "loss_big", "excess_small", "excess_sgd", "big_growth"),
    "tensor-lab": ("row_mean_keepdim", "row_mean_no_keepdim", "reshape_copied"),
    "data-pipeline": ("accuracy_sorted", "loss_sorted", "digits_per_batch_sorted"),
    "module-anatomy": ("accuracy_plain_list", "accuracy_no_zero_grad", "grad_fc1_bias"),
}


@pytest.mark.parametrize("name", CORE)
def test_the_contrast_is_recorded_streamed_and_charted(name, quick_run):
    run = quick_run(name)
    keys = CONTRAST[name]
    assert all(k in h for h in run.saved["history"] for k in keys)
    assert all(k in run.frames[-1]["metrics"] for k in keys)
    charted = {m for p in run.start["plots"] for m in p["metrics"]}
    assert charted & set(keys)
    for plot in run.start["plots"]:  # accuracy charts: the [0, 1] axis and the chance line
        if any(m.startswith("accuracy") for m in plot["metrics"]):
            assert plot["ylim"] == [0.0, 1.0] and plot["chance"] == 0.1
    assert registry.spec(name).focus


def _trained(name: str):
    """A quick run trained in-process (no figures), to judge edited histories with."""
    from demos.platform import execute as ex

    run = ex.start(name, quick=True, device="cpu")
    ex.train(run, lambda e: None)
    assert run.demo.learned(run.ctx).passed
    return run


def _judge_with(run, **changes) -> bool:
    """The learning check on the run's history with some metrics overwritten everywhere."""
    saved = [dict(h) for h in run.ctx.history]
    try:
        for h in run.ctx.history:
            for key, value in changes.items():
                h[key] = value(h) if callable(value) else value
        return run.demo.learned(run.ctx).passed
    finally:
        run.ctx.history[:] = saved


def test_learning_checks_assert_the_contrast_autograd_sgd():
    ag_run = _trained("autograd-graph")
    assert not _judge_with(ag_run, wide_ratio_ms=1.0)  # forward mode as cheap as reverse
    assert not _judge_with(ag_run, tall_ratio_ms=1.0)
    sgd = _trained("sgd-descent")
    assert not _judge_with(sgd, excess_small=lambda h: h["excess_sgd"])  # batch 1 as quiet as 64
    sgd.demo.big_stopped, stopped = None, sgd.demo.big_stopped
    assert not _judge_with(sgd, big_growth=1.0)  # the too-large η did not diverge
    sgd.demo.big_stopped = stopped


def test_learning_checks_assert_the_contrast_b_topic():
    lab = _trained("tensor-lab")
    assert not _judge_with(lab, row_mean_no_keepdim=0.0)  # keepdim would not matter
    pipe = _trained("data-pipeline")
    assert not _judge_with(pipe, accuracy_sorted=lambda h: h["accuracy"])  # shuffling useless
    anatomy = _trained("module-anatomy")
    assert not _judge_with(anatomy, accuracy_plain_list=lambda h: h["accuracy"])
    assert not _judge_with(anatomy, accuracy_no_zero_grad=lambda h: h["accuracy"])


def test_overshoot_at_the_stability_limit_does_not_diverge():
    end = execute(
        "sgd-descent", {"overshoot": "1.0"}, device="cpu", quick=True, emit=lambda e: None
    )
    learning = end["checks"][-1]
    assert learning["name"] == "learning" and not learning["passed"]
    assert "diverged: False" in learning["detail"]


def test_sweep_states_end_where_the_engine_does():
    _, nodes = ag.EXPRESSIONS["bank"]
    point = {"x": 2.0, "y": 3.0}
    states = ag.sweep_states(nodes, point)
    values = ag.evaluate(nodes, point)
    adjoint, edges = ag.reverse_mode(nodes, values)
    assert len(states) == 1 + len(nodes) + 1 + len(edges) + 2 * len(nodes) >= 10
    last = states[-1]
    assert last["adjoint"] == adjoint and last["edges"] == edges
    assert last["tangent"]["x"]["f"] == 45.0 and last["tangent"]["y"]["f"] == 36.0
    assert ag.overwriting_reverse(nodes, values)["y"] == 12.0 != adjoint["y"]
    tree = ag.grad_fn_tree(nodes, point)
    assert "MulBackward0" in tree[0] and any("AddBackward0" in r for r in tree)
    assert any("same node again" in r for r in tree)  # v1 is reached twice: fan-out


def test_noise_scaling_check_catches_a_wrong_law():
    x, y = _data()
    g = sd.per_example_grad_w(-2.0, 3.0, x, y)
    sizes = [1, 2, 4, 8, 16]
    measured, predicted = sd.noise_by_batch(g, sizes, seed=0)
    assert sd.check_noise_scaling(measured, predicted, sizes).passed
    wrong = [predicted[0] / b for b in sizes]  # 1/B instead of 1/√B
    assert not sd.check_noise_scaling(measured, wrong, sizes).passed
    assert sd.hessian_top(x) > 0 and sd.num(9.4e-5) == "9.4·10⁻⁵" and sd.num(0.5, it=True) == "0,5"


def test_keepdim_contrast_and_storage_walk():
    keep = tl.keepdim_contrast(seed=0)
    assert keep["right"].mean(1).abs().max() < 1e-5 < keep["wrong"].mean(1).abs().max()
    x = torch.arange(12).view(3, 4)
    assert tl.storage_walk(x) == list(range(12))
    assert tl.storage_walk(x.t())[:4] == [0, 4, 8, 1]
    assert "must match" in tl.product_example()["error"]


def test_stream_arrivals_show_sharding_and_turns():
    sharded = dp.stream_arrivals(16, 2, seed=0, shard=True)
    assert [i for i, _, _ in sharded][:8] == [0, 2, 4, 6, 1, 3, 5, 7]  # workers take turns
    assert {w for _, w, _ in sharded} == {0, 1} and len(sharded) == 16
    assert len(dp.stream_arrivals(16, 2, seed=0, shard=False)) == 32  # every point twice
    assert dp.batch_sizes(10, 4, False) == [4, 4, 2] and dp.batch_sizes(10, 4, True) == [4, 4]


def test_plain_list_and_bias_before_batchnorm_checks():
    torch.manual_seed(0)
    x = torch.rand(32, 1, 8, 8)
    y = torch.arange(32) % 10
    assert ma.check_plain_list(6, 0.5, x).passed
    model = ma.build_model(6, 0.5)
    assert ma.check_bias_before_batchnorm(model, x, y).passed
    model.bn = torch.nn.Identity()  # no BatchNorm after fc1: its bias matters again
    assert not ma.check_bias_before_batchnorm(model, x, y).passed
    twin = ma.plain_list_copy(ma.build_model(6, 0.5))
    assert [n for n, _ in twin.named_parameters()] == ["log_temp"] and len(twin.layers) == 5
