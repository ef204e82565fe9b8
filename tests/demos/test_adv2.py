"""ddpm-2d, latent-diffusion, dalle2-toy: quick runs on the CPU and checks that can fail."""

from __future__ import annotations

import pytest
import torch

from demos.h_advanced.dalle2_toy import (
    check_guidance_one,
    check_oracle_prior,
    guide,
    x0_to_eps,
)
from demos.h_advanced.ddpm_2d import check_alpha_bar_end, check_closed_form, check_reverse_mean
from demos.h_advanced.latent_diffusion import build_autoencoder, check_round_trip, check_unit_std
from demos.lib.diffusion import build_denoiser, make_schedule, q_sample
from demos.platform import RunContext, Throttle, registry
from demos.platform.params import resolve_params

DEMOS = ("ddpm-2d", "latent-diffusion", "dalle2-toy")


@pytest.mark.parametrize("name", DEMOS)
def test_quick_run_shows_images(name, quick_run):
    frames = quick_run(name).frames  # the contract itself: test_catalogue.py
    assert any(i["kind"] == "picture" for f in frames for i in f["items"])


# --- ddpm-2d checks -------------------------------------------------------------------


def test_closed_form_check_fails_on_a_wrong_alpha_bar():
    sched = make_schedule(50)
    gen = torch.Generator().manual_seed(0)
    assert check_closed_form(sched, gen, samples=500).passed
    broken = dict(sched, alpha_bar=torch.cumprod(sched["alphas"] ** 2, 0))  # ᾱ squared
    assert not check_closed_form(broken, gen, samples=500).passed


def test_q_sample_is_the_closed_form_jump():
    sched = make_schedule(20)
    x0, eps = torch.randn(3, 2, dtype=torch.float64), torch.randn(3, 2, dtype=torch.float64)
    t = torch.tensor([0, 7, 19])
    ab = sched["alpha_bar"][t][:, None]
    assert torch.allclose(
        q_sample(x0, t, eps, sched["alpha_bar"]), ab.sqrt() * x0 + (1 - ab).sqrt() * eps
    )


def test_alpha_bar_check_fails_when_the_chain_is_too_gentle():
    assert check_alpha_bar_end(make_schedule(1000)).passed
    assert check_alpha_bar_end(make_schedule(100, "cosine")).passed
    assert not check_alpha_bar_end(make_schedule(100, beta_end=0.001)).passed


def test_reverse_mean_check_fails_when_alpha_bar_is_off_by_one():
    sched = make_schedule(30)
    gen = torch.Generator().manual_seed(1)
    assert check_reverse_mean(sched, gen).passed
    shifted = torch.cat([torch.ones(1, dtype=torch.float64), sched["alpha_bar"][:-1]])
    assert not check_reverse_mean(dict(sched, alpha_bar=shifted), gen).passed


# --- latent-diffusion checks ------------------------------------------------------------


def test_unit_std_check_fails_without_the_scale_factor():
    raw = 3.0 * torch.randn(500, 4)
    scale = 1.0 / raw.std().item()
    assert check_unit_std(raw, scale).passed
    assert not check_unit_std(raw, 1.0).passed


def test_round_trip_check_fails_for_an_untrained_autoencoder():
    torch.manual_seed(0)
    enc, dec = build_autoencoder(64, 32, 4)
    x = torch.rand(64, 64)
    assert not check_round_trip(x, enc, dec, 0.5).passed
    identity = check_round_trip(x, lambda v: v, lambda v: v, 0.3)  # a perfect autoencoder
    assert identity.passed


# --- dalle2-toy checks -----------------------------------------------------------------


def test_guidance_check_fails_for_the_wrong_convention():
    torch.manual_seed(0)
    net = build_denoiser(4, 16, cond=4)
    z, cond, t = torch.randn(8, 4), torch.randn(8, 4), torch.randint(0, 10, (8,))
    assert check_guidance_one(net, z, t, cond, 10).passed
    glide_style = lambda c, u, s: c + s * (c - u)  # noqa: E731  (s = 0 is conditional here)
    assert not check_guidance_one(net, z, t, cond, 10, guide_fn=glide_style).passed
    assert torch.equal(guide(cond, z, 0.0), z)


def test_oracle_prior_check_fails_when_x_T_is_not_noise():
    gen = torch.Generator().manual_seed(0)
    emb = torch.randn(400, 3) @ torch.tensor([[1.0, 0.3, 0.0], [0.0, 0.5, 0.2], [0.0, 0.0, 0.2]])
    emb = emb + torch.tensor([1.0, -0.5, 0.3])
    assert check_oracle_prior(emb, make_schedule(50), gen, samples=1000).passed
    gentle = make_schedule(50, beta_end=0.0005)  # ᾱ_T ≈ 0.7: starting from N(0, I) is wrong
    assert not check_oracle_prior(emb, gentle, gen, samples=1000).passed


def test_x0_to_eps_inverts_q_sample():
    sched = make_schedule(10)
    x0, eps = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, 3, dtype=torch.float64)
    t = torch.arange(5)
    xt = q_sample(x0, t, eps, sched["alpha_bar"])
    assert torch.allclose(x0_to_eps(xt, x0, t, sched["alpha_bar"]), eps)


def test_zero_shot_check_fails_for_an_untrained_clip():
    demo = registry.load("dalle2-toy")()
    spec = demo.spec
    params = resolve_params(spec.params, {"clip_steps": 0, "timesteps": 20}, spec.quick)
    ctx = RunContext(params, torch.device("cpu"), True, 0, Throttle())
    torch.manual_seed(0)
    demo.setup(ctx)
    first = next(iter(demo.checks(ctx)))
    assert first.name == "clip-zero-shot" and not first.passed
