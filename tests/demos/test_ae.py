"""The autoencoder family (autoencoder, denoising-ae, vae, faceswap): quick runs on the CPU,
and every check fed a deliberately broken piece so that it is seen to fail."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from demos.e_autoencoders import NOISES, STYLES, vae
from demos.e_autoencoders import autoencoder as ae
from demos.e_autoencoders import denoising_ae as dae
from demos.e_autoencoders import faceswap as fs
from demos.lib import autoencoders as aelib
from demos.platform.execute import execute

OURS = ("autoencoder", "denoising-ae", "vae", "faceswap")


@pytest.mark.parametrize("name", OURS)
def test_quick_run_shows_images(name, quick_run):
    frames = quick_run(name).frames  # the contract itself: test_catalogue.py
    assert any(i["kind"] == "picture" for f in frames for i in f["items"])


@pytest.mark.parametrize("name", OURS)
def test_learning_criterion_fails_without_training(name):
    end = execute(name, {"steps": "10"}, device="cpu", quick=True, emit=lambda e: None)
    learning = end["checks"][-1]
    assert learning["name"] == "learning" and not learning["passed"], learning
    assert all(c["passed"] for c in end["checks"][:-1])


def test_seeded_runs_are_deterministic():
    def run(seed: int) -> dict:
        params = {"steps": "15", "warp": "true"}
        return execute("faceswap", params, device="cpu", quick=True, seed=seed, emit=lambda e: 0)

    first, again, other = run(1), run(1), run(2)
    assert first["metrics"] == again["metrics"]
    assert first["metrics"] != other["metrics"]


# --- autoencoder ------------------------------------------------------------------------


@pytest.mark.parametrize("size", [8, 28])
def test_round_trip_and_a_broken_decoder(size):
    enc, dec = aelib.build_mlp(size, 16, 3)
    x = torch.rand(4, 1, size, size)
    assert ae.round_trip(enc, dec, x, 3)[0]
    no_unflatten = nn.Sequential(*list(dec)[:-1])  # returns (B, S·S)
    assert not ae.round_trip(enc, no_unflatten, x, 3)[0]
    no_sigmoid = nn.Sequential(*list(dec)[:-2], dec[-1])  # values outside [0, 1]
    assert not ae.round_trip(enc, no_sigmoid, x, 3)[0]


def test_loss_check_catches_a_wrong_formula():
    x, x_hat = torch.rand(6, 1, 8, 8), torch.rand(6, 1, 8, 8) * 0.98 + 0.01
    assert ae.loss_check(aelib.recon_error, x_hat, x)[0]

    def summed(x_hat, x, kind="mse"):  # sums over pixels instead of averaging
        return aelib.recon_error(x_hat, x, kind) * x[0].numel()

    assert not ae.loss_check(summed, x_hat, x)[0]

    def no_complement(x_hat, x, kind="mse"):  # BCE without the (1 - x) log(1 - x̂) term
        if kind == "mse":
            return aelib.recon_error(x_hat, x)
        return -(x * torch.log(x_hat)).flatten(1).mean(1)

    assert not ae.loss_check(no_complement, x_hat, x)[0]


def test_loss_falls_fails_when_no_gradient_reaches_the_weights():
    torch.manual_seed(0)
    x = torch.rand(16, 1, 8, 8)
    enc, dec = aelib.build_mlp(8, 16, 2)
    assert ae.loss_falls(enc, dec, x, "mse")[0]
    dead = nn.Linear(2, 8)
    nn.init.zeros_(dead.weight)  # a zero layer: no gradient gets back to the encoder
    frozen = nn.Sequential(
        dead, nn.ReLU(), nn.Linear(8, 64), nn.Sigmoid(), nn.Unflatten(1, (1, 8, 8))
    )
    frozen.requires_grad_(False)  # and the decoder itself is not trained
    assert not ae.loss_falls(enc, frozen, x, "mse")[0]


def test_pca_errors_match_a_projection_and_class_map():
    torch.manual_seed(1)
    x = torch.rand(50, 1, 4, 4)
    flat = x.flatten(1) - x.flatten(1).mean(0)
    _, _, v = torch.linalg.svd(flat, full_matrices=False)
    proj = flat @ v[:3].t() @ v[:3]
    assert ae.pca_errors(x, [3])[3] == pytest.approx(((flat - proj) ** 2).mean().item(), rel=1e-5)
    points = torch.tensor([[-0.9, 0.9], [-0.8, 0.8], [-0.85, 0.7], [0.9, -0.9]])
    grid = aelib.class_map(points, torch.tensor([3, 3, 5, 7]), -1.0, 1.0, bins=2)
    assert grid.tolist() == [[3.0, -1.0], [-1.0, 7.0]]


# --- denoising-ae -----------------------------------------------------------------------


def _dae(kind="gaussian", level=0.5):
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    enc, dec = aelib.build_mlp(8, 16, 8)
    return nn.Sequential(dae.noise_layer(kind, level, gen), enc, dec), gen


@pytest.mark.parametrize("kind", NOISES)
def test_clean_target_check_and_its_failure(kind):
    model, gen = _dae(kind, 0.4)
    x = torch.rand(16, 1, 8, 8)
    assert dae.clean_target_check(dae.dae_loss, model, gen, x, kind, 0.4)[0]

    def noisy_target(model, x):  # the classic bug: comparing with the corrupted input
        noisy = model[0](x)
        return aelib.recon_error(model[1:](noisy), noisy).mean()

    assert not dae.clean_target_check(noisy_target, model, gen, x, kind, 0.4)[0]


def test_noise_only_in_training_and_its_failure():
    model, gen = _dae()
    x = torch.rand(16, 1, 8, 8)
    assert dae.noise_only_in_training(model, x)[0]

    class AlwaysNoisy(nn.Module):
        def forward(self, x):
            return dae.corrupt(x, "gaussian", 0.5, gen)

    broken = nn.Sequential(AlwaysNoisy(), model[1], model[2])
    assert not dae.noise_only_in_training(broken, x)[0]


def test_same_start_and_its_failure():
    model, _ = _dae()
    twin = nn.Sequential(copy.deepcopy(model[1]), copy.deepcopy(model[2]))
    assert dae.same_start(model[1:], twin)[0]
    fresh = nn.Sequential(*aelib.build_mlp(8, 16, 8))  # same shapes, other weights
    assert not dae.same_start(model[1:], fresh)[0]
    assert not dae.same_start(model[1:], model[1:])[0]  # the same tensors are not a twin


def test_corruptions_do_what_they_say():
    gen = torch.Generator().manual_seed(3)
    x = torch.full((200, 1, 8, 8), 0.5)
    g = dae.corrupt(x, "gaussian", 0.1, gen)
    assert (g - x).std().item() == pytest.approx(0.1, rel=0.05)
    m = dae.corrupt(x, "mask", 0.3, gen)
    assert (m == 0).float().mean().item() == pytest.approx(0.3, abs=0.02)
    s = dae.corrupt(x, "saltpepper", 0.2, gen)
    assert ((s == 0) | (s == 1)).float().mean().item() == pytest.approx(0.2, abs=0.02)


# --- vae --------------------------------------------------------------------------------


def test_kl_check_and_wrong_formulas():
    torch.manual_seed(0)
    mu, logvar = torch.randn(32, 4) * 2, torch.randn(32, 4)
    assert vae.kl_check(vae.kl_to_prior, mu, logvar)[0]
    assert not vae.kl_check(lambda m, lv: -0.5 * (lv - m**2 - lv.exp()), mu, logvar)[0]
    assert not vae.kl_check(lambda m, lv: -0.5 * (1 + lv - m**2 - lv), mu, logvar)[0]
    assert not vae.kl_check(lambda m, lv: vae.kl_to_prior(m, lv).sum(1), mu, logvar)[0]


def test_gradient_check_and_samplers_that_break_it():
    torch.manual_seed(0)
    enc, dec = aelib.build_mlp(8, 16, 3, heads=2)
    x, eps = torch.rand(8, 1, 8, 8), torch.randn(8, 3)
    assert vae.gradient_check(vae.reparameterize, enc, dec, x, eps)[0]

    def no_trick(mu, logvar, eps):  # sampling outside the graph: no gradient to μ, log σ²
        return torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).sample()

    def variance_not_std(mu, logvar, eps):  # σ² ε instead of σ ε
        return mu + logvar.exp() * eps

    assert not vae.gradient_check(no_trick, enc, dec, x, eps)[0]
    assert not vae.gradient_check(variance_not_std, enc, dec, x, eps)[0]


def test_sample_check_and_a_wrong_scale():
    assert vae.sample_check(vae.reparameterize, "cpu", 0)[0]
    assert not vae.sample_check(lambda m, lv, e: m + lv.exp() * e, "cpu", 0)[0]
    assert not vae.sample_check(lambda m, lv, e: m + 0.0 * e, "cpu", 0)[0]


# --- faceswap ---------------------------------------------------------------------------


def _swap_model():
    torch.manual_seed(0)
    return fs.build_faceswap(8, 16, 4)


def test_shared_encoder_check_and_a_private_copy():
    model = _swap_model()
    x_a, x_b = torch.rand(8, 1, 8, 8), torch.rand(8, 1, 8, 8)
    assert fs.shared_encoder_check(model, x_a, x_b)[0]
    model["ae_b"] = nn.Sequential(copy.deepcopy(model["encoder"]), model["decoder_b"])
    assert not fs.shared_encoder_check(model, x_a, x_b)[0]


def test_disjoint_decoders_check_and_a_shared_decoder():
    model = _swap_model()
    ok, detail = fs.disjoint_decoders_check(model)
    assert ok, detail
    model["decoder_b"] = model["decoder_a"]
    assert not fs.disjoint_decoders_check(model)[0]
    tied = _swap_model()
    tied["decoder_b"][0].weight = tied["decoder_a"][0].weight  # one tensor in both
    assert not fs.disjoint_decoders_check(tied)[0]


def test_styles_and_warp_keep_shape_and_content():
    gen = torch.Generator().manual_seed(0)
    x = torch.zeros(5, 1, 8, 8)
    x[:, :, 3, 3] = 1.0
    for style in STYLES:
        y = fs.style_b(x, style)
        assert y.shape == x.shape and y.min() >= 0 and y.max() <= 1
        assert not torch.equal(y, x)
    shifted = fs.warp(x, gen)
    assert shifted.shape == x.shape and torch.all(shifted.sum((1, 2, 3)) == 1)
    rows, cols = (shifted[:, 0] == 1).nonzero()[:, 1], (shifted[:, 0] == 1).nonzero()[:, 2]
    assert rows.sub(3).abs().max() <= 1 and cols.sub(3).abs().max() <= 1
