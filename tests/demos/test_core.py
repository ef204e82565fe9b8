"""The core demos (autograd, SGD, tensors, data pipeline, nn.Module): quick runs and checks."""

from __future__ import annotations

import math

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
