"""CNN and RNN demos: quick runs on the CPU, and every check shown to fail on a broken input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from demos.c_cnn import conv_explorer as ce
from demos.c_cnn import resnet_gradflow as rg
from demos.c_cnn.cnn_digits import affine_collapse, build_cnn
from demos.d_rnn import rnn_memory as rm
from demos.d_rnn import seq_classifier as sc
from demos.lib.conv import conv_out_size
from demos.platform import RunContext, Throttle, registry
from demos.platform.execute import execute

DEMOS = ("conv-explorer", "cnn-digits", "resnet-gradflow", "rnn-memory", "seq-classifier")


@pytest.mark.parametrize("name", DEMOS)
def test_quick_run_draws_heatmaps(name, quick_run):
    frames = quick_run(name).frames  # the contract itself: test_catalogue.py
    assert any(i["kind"] == "heatmap" for f in frames for i in f["items"])


def test_learning_criterion_fails_when_not_trained():
    end = execute("cnn-digits", {"steps": "10"}, device="cpu", quick=True, emit=lambda e: None)
    assert end["checks"][-1]["name"] == "learning" and not end["checks"][-1]["passed"]


# --- conv-explorer ----------------------------------------------------------------------


def test_conv_checks_fail_on_wrong_formulas_and_implementations():
    cpu = torch.device("cpu")

    def no_dilation(h, k, p=0, s=1, d=1):
        return (h + 2 * p - k) // s + 1

    def ceil_formula(h, k, p=0, s=1, d=1):
        return -(-(h + 2 * p - d * (k - 1) - 1) // s) + 1

    def true_convolution(x, w, b, p, s, d):  # flipped kernel: not what conv2d computes
        return ce.slide_conv(x, w.flip(-1, -2), b, p, s, d)

    def avg_pool(x, k, s):
        return torch.nn.functional.avg_pool2d(x[None], k, s)[0]

    assert ce.check_conv_sizes(cpu).passed
    assert not ce.check_conv_sizes(cpu, no_dilation).passed
    assert not ce.check_pool_sizes(cpu, ceil_formula).passed
    assert not ce.check_sliding(cpu, 3, 1, 2, 1, 0, conv=true_convolution).passed
    assert ce.check_sliding(cpu, 3, 1, 2, 2, 0).passed
    assert not ce.check_parameter_count(lambda c_in, c_out, k: c_out * c_in * k * k).passed
    assert not ce.check_max_pool(cpu, 0, pool=avg_pool).passed


def test_conv_out_size_examples():
    assert conv_out_size(28, 5) == 24
    assert conv_out_size(28, 3, 1) == 28
    assert conv_out_size(8, 3, 1, 2) == 4
    assert conv_out_size(8, 3, 0, 1, 2) == 4


# --- cnn-digits -------------------------------------------------------------------------


def test_linear_stack_collapses_and_relu_stack_does_not():
    x = torch.rand(8, 1, 8, 8, dtype=torch.float64)
    torch.manual_seed(0)
    lin = build_cnn(8, 4, "none", "avg").double()
    err, w = affine_collapse(lin, x)
    assert err < 1e-10 and w.shape == (10, 64)
    relu = build_cnn(8, 4, "relu", "max").double()
    assert affine_collapse(relu, x)[0] > 1e-3
    # Max-pooling alone is already non-linear.
    assert affine_collapse(build_cnn(8, 4, "none", "max").double(), x)[0] > 1e-3


def test_cnn_collapse_check_fails_when_the_twin_is_not_linear():
    demo = registry.load("cnn-digits")()
    params = {p.name: p.default for p in demo.spec.params}
    ctx = RunContext(params, torch.device("cpu"), True, 0, Throttle())
    demo.setup(ctx)
    assert all(c.passed for c in demo.checks(ctx))
    demo.linear = build_cnn(8, 8, "relu", "avg")
    collapse, shapes = list(demo.checks(ctx))
    assert not collapse.passed and shapes.passed


# --- resnet-gradflow --------------------------------------------------------------------


def test_resnet_checks_fail_without_the_shortcut():
    block = rg.Block
    torch.manual_seed(0)
    x = torch.randn(1, 2, 4, 4, dtype=torch.float64)
    residual = block(2, 2, 1, True, False).double()
    plain = block(2, 2, 1, False, False).double()
    plain.load_state_dict(residual.state_dict())
    assert rg.check_zero_branch_identity(residual, x).passed
    assert rg.check_jacobian_sum(residual, x).passed
    assert not rg.check_zero_branch_identity(plain, x).passed
    assert not rg.check_jacobian_sum(plain, x).passed
    x8 = torch.randn(2, 2, 8, 8, dtype=torch.float64)
    down = block(2, 4, 2, True, False).double()
    assert rg.check_projection(down, x8).passed
    plain_down = block(2, 4, 2, False, False).double()
    assert not rg.check_projection(plain_down, x8).passed


def test_stacks_share_weights_and_shapes():
    torch.manual_seed(0)
    net = rg.build_stack(4, 2, residual=True)
    assert net(torch.rand(3, 1, 8, 8)).shape == (3, 10)
    assert isinstance(net[3].shortcut, torch.nn.Conv2d)  # the down block projects
    assert isinstance(net[1].shortcut, torch.nn.Identity)


# --- rnn-memory -------------------------------------------------------------------------


def test_rnn_checks_fail_on_wrong_gradients_and_clipping():
    cpu = torch.device("cpu")

    def off_by_one(a, steps):  # one power too many: a^(T−t+1)
        return rm.linear_rnn_gradients(a, steps) @ a

    def no_clip(params, max_norm):
        return torch.cat([q.grad.flatten() for q in params]).norm()

    def clip_each(params, max_norm):  # per-tensor clipping is a different rule
        for q in params:
            torch.nn.utils.clip_grad_norm_([q], max_norm)
        return torch.tensor(0.0)

    assert rm.check_linear_rnn(cpu).passed
    assert not rm.check_linear_rnn(cpu, off_by_one).passed
    assert rm.check_clipping(cpu).passed
    assert not rm.check_clipping(cpu, no_clip).passed
    assert not rm.check_clipping(cpu, clip_each).passed


def test_connectivity_matches_per_unit_jacobian():
    torch.manual_seed(0)
    model = torch.nn.GRU(3, 4, batch_first=True)
    x = torch.randn(2, 5, 3)
    conn = rm.connectivity(model, x)
    jac = torch.autograd.functional.jacobian(lambda inp: model(inp)[0][:, -1], x)  # (2,4,2,5,3)
    per_seq = torch.stack([jac[b, :, b].pow(2).sum(dim=(0, 2)).sqrt() for b in range(2)])
    assert torch.allclose(conn, per_seq.mean(0), atol=1e-6)


# --- seq-classifier ---------------------------------------------------------------------


def test_crossing_detection_on_known_shapes():
    loop = np.array([[0, 0], [2, 0], [2, 2], [1, 2], [1, -1]], dtype=float)  # 4th seg crosses 1st
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    assert sc.first_crossing(loop) == 4
    assert sc.first_crossing(square) == 4  # never: equals the length
    lines, labels, firsts = sc.polylines(200, np.random.default_rng(0), 6, 10)
    assert labels.mean() == 0.5
    lengths = np.array([len(s) for s in lines])
    for n in range(6, 11):  # balanced per length: the length gives nothing away
        assert abs(labels[lengths == n].mean() - 0.5) <= 0.5 / max(1, (lengths == n).sum())
    assert ((firsts < lengths) == labels.astype(bool)).all()


def test_seq_checks_fail_on_padding_mistakes():
    cpu = torch.device("cpu")

    def padded_last(model, x, lengths):  # ignores the lengths
        return model(x)[0][:, -1]

    def untransposed(x, w):
        import torch as t

        h = x.new_zeros(x.shape[0], w["weight_hh"].shape[0])
        outs = []
        for step in range(x.shape[1]):
            h = t.tanh(
                x[:, step] @ w["weight_ih"].t() + w["bias_ih"] + h @ w["weight_hh"] + w["bias_hh"]
            )
            outs.append(h)
        return t.stack(outs, 1)

    def unmasked(logits, target, lengths):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
        return loss, torch.ones_like(logits)

    assert sc.check_packing(cpu, 0).passed
    assert not sc.check_packing(cpu, 0, last=padded_last).passed
    assert sc.check_unrolled(cpu, 0).passed
    assert not sc.check_unrolled(cpu, 0, unroll=untransposed).passed
    assert sc.check_mask(cpu, 0).passed
    assert not sc.check_mask(cpu, 0, loss_fn=unmasked).passed
