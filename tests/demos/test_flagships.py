"""The three flagships: their pieces against PyTorch, and seeded runs (quick run: test_catalogue)."""

from __future__ import annotations

import pytest
import torch

from demos.d_rnn.gru_gates import gru_cell
from demos.d_rnn.lstm_gates import lstm_cell
from demos.f_vq_vae.vq_vae import build_nets, perplexity, quantize, straight_through, vq_losses
from demos.lib.recurrent import cell_weights
from demos.platform.execute import execute


def test_quick_run_is_deterministic_on_cpu():
    runs = [
        execute("vq-vae", {"steps": "40"}, device="cpu", quick=True, seed=3, emit=lambda e: None)
        for _ in range(2)
    ]
    assert runs[0]["metrics"] == runs[1]["metrics"]
    other = execute(
        "vq-vae", {"steps": "40"}, device="cpu", quick=True, seed=4, emit=lambda e: None
    )
    assert other["metrics"] != runs[0]["metrics"]


def test_quantize_matches_brute_force_and_straight_through_copies_gradient():
    torch.manual_seed(0)
    z = torch.randn(2, 3, 4, 4, requires_grad=True)
    codebook = torch.randn(10, 3)
    q, codes, dist = quantize(z, codebook)
    assert q.shape == z.shape and codes.shape == (2, 4, 4) and dist.shape == (32, 10)
    for b, i, j in ((0, 0, 0), (1, 2, 3), (1, 3, 1)):
        brute = ((codebook - z[b, :, i, j]) ** 2).sum(1).argmin()
        assert codes[b, i, j] == brute
        assert torch.equal(q[b, :, i, j], codebook[brute])
    out = straight_through(z, q)
    assert torch.allclose(out, q)
    weights = torch.randn_like(q)
    (out * weights).sum().backward()
    assert torch.equal(z.grad, weights)  # identity backward


def test_loss_routing_and_perplexity():
    z = torch.randn(4, 2, 2, 2, requires_grad=True)
    codebook = torch.randn(5, 2, requires_grad=True)
    q, _, _ = quantize(z, codebook)
    cb_loss, commit = vq_losses(z, q)
    g_z, g_cb = torch.autograd.grad(cb_loss, [z, codebook], allow_unused=True)
    assert g_z is None and g_cb.abs().sum() > 0
    g_z, g_cb = torch.autograd.grad(commit, [z, codebook], allow_unused=True)
    assert g_cb is None and g_z.abs().sum() > 0
    assert perplexity(torch.arange(40) % 8, 8).item() == pytest.approx(8.0)
    assert perplexity(torch.full((40,), 3), 8).item() == pytest.approx(1.0)
    assert perplexity(torch.tensor([0, 0, 1, 1]), 8).item() == pytest.approx(2.0)


@pytest.mark.parametrize("size,latent", [(8, 4), (28, 7)])
def test_nets_round_trip_digits_and_mnist_sizes(size, latent):
    enc, dec = build_nets(size, hidden=4, dim=3)
    z = enc(torch.rand(2, 1, size, size))
    assert z.shape == (2, 3, latent, latent)
    assert dec(z).shape == (2, 1, size, size)


def _reference_run(kind, hand, x, state):
    cls = torch.nn.LSTM if kind == "lstm" else torch.nn.GRU
    ref = cls(x.shape[-1], state[0].shape[-1], batch_first=True).double()
    with torch.no_grad():
        for name, w in hand.items():
            getattr(ref, name + "_l0").copy_(w)
    return ref(x, tuple(s[None] for s in state) if kind == "lstm" else state[0][None])


def test_hand_lstm_cell_equals_nn_lstm_and_order_matters():
    torch.manual_seed(1)
    hand = {k: v.detach().double() for k, v in cell_weights(torch.nn.LSTM(5, 3)).items()}
    x = torch.randn(2, 7, 5, dtype=torch.float64)
    h, c = torch.randn(2, 3, dtype=torch.float64), torch.randn(2, 3, dtype=torch.float64)
    ref_out, (_, ref_c) = _reference_run("lstm", hand, x, (h, c))
    outs = []
    for t in range(7):
        h, c, _ = lstm_cell(x[:, t], h, c, hand)
        outs.append(h)
    assert (torch.stack(outs, 1) - ref_out).abs().max() < 1e-12
    assert (c - ref_c[0]).abs().max() < 1e-12
    # Swapping the f and g blocks (a wrong gate order) must be detected.
    swapped = {k: torch.cat([v[:3], v[6:9], v[3:6], v[9:]]) for k, v in hand.items()}
    zeros = torch.zeros(2, 3, dtype=torch.float64)
    _, c_right, _ = lstm_cell(x[:, 0], zeros, zeros, hand)
    _, c_wrong, _ = lstm_cell(x[:, 0], zeros, zeros, swapped)
    assert (c_right - c_wrong).abs().max() > 1e-3


def test_hand_gru_cell_equals_nn_gru_with_reset_after_matmul():
    torch.manual_seed(2)
    hand = {k: v.detach().double() for k, v in cell_weights(torch.nn.GRU(4, 5)).items()}
    x = torch.randn(3, 6, 4, dtype=torch.float64)
    h = torch.randn(3, 5, dtype=torch.float64)
    ref_out, _ = _reference_run("gru", hand, x, (h,))
    outs = []
    for t in range(6):
        h, _ = gru_cell(x[:, t], h, hand)
        outs.append(h)
    assert (torch.stack(outs, 1) - ref_out).abs().max() < 1e-12
    # The textbook variant r ⊙ h before the matmul is a different function.
    h0 = torch.randn(3, 5, dtype=torch.float64)
    x_r, x_z, x_n = (x[:, 0] @ hand["weight_ih"].t() + hand["bias_ih"]).chunk(3, 1)
    h_r, h_z, _ = (h0 @ hand["weight_hh"].t() + hand["bias_hh"]).chunk(3, 1)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    w_hn, b_hn = hand["weight_hh"][10:], hand["bias_hh"][10:]
    before = (1 - z) * torch.tanh(x_n + (r * h0) @ w_hn.t() + b_hn) + z * h0
    assert (before - gru_cell(x[:, 0], h0, hand)[0]).abs().max() > 1e-4


@pytest.mark.parametrize("name,layer", [("lstm-gates", torch.nn.LSTM), ("gru-gates", torch.nn.GRU)])
def test_gate_demos_train_the_fused_layer_and_trace_its_own_weights(name, layer):
    """Training goes through nn.LSTM/nn.GRU (cuDNN on a GPU); the traced cell reads the
    very tensors the optimiser updates, so what is drawn is what was trained."""
    from demos.platform import RunContext, Throttle, registry
    from demos.platform.params import resolve_params

    demo = registry.load(name)()
    params = resolve_params(demo.spec.params, {"steps": "10", "length": "6"}, demo.spec.quick)
    ctx = RunContext(params, torch.device("cpu"), True, 0, Throttle())
    ctx.total_steps = 10
    ctx.record_steps = frozenset(range(10))
    demo.setup(ctx)
    assert isinstance(demo.net, layer)
    weights = cell_weights(demo.net)
    assert all(w is getattr(demo.net, k + "_l0") for k, w in weights.items())
    before = weights["weight_hh"].detach().clone()
    frames = list(demo.run(ctx))
    assert not torch.equal(before, weights["weight_hh"])  # trained in place
    assert all(f.metrics["trace_gap"] < 1e-5 for f in frames)  # hand cell == fused layer
