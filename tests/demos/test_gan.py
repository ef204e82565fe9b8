"""The GAN demos: what their quick runs show, and every check failing on a broken input."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from demos.g_gans.acgan_digits import (
    CondGenerator,
    acgan_d_loss,
    acgan_g_loss,
    check_conditioning,
    check_losses,
)
from demos.g_gans.dcgan_digits import check_architecture
from demos.g_gans.gan_2d import check_saturation, quality
from demos.lib.gan import (
    build_discriminator,
    build_generator,
    check_classifier,
    check_d_step,
    check_g_step,
    check_init,
    d_loss,
    d_step,
    dcgan_init,
    g_loss_from_logits,
    g_step,
    mlp,
)
from demos.platform.execute import execute

GAN_DEMOS = ("gan-2d", "dcgan-digits", "acgan-digits")


@pytest.mark.parametrize("name", GAN_DEMOS)
def test_quick_run_has_four_checks_and_starts_with_a_picture(name, quick_run):
    run = quick_run(name)  # the contract itself: test_catalogue.py
    assert len(run.end["checks"]) >= 4
    assert any(i["kind"] in ("picture", "heatmap") for i in run.frames[0]["items"])


def test_gan_2d_is_deterministic():
    def run(seed):
        return execute(
            "gan-2d", {"steps": "30"}, device="cpu", quick=True, seed=seed, emit=lambda e: None
        )["metrics"]

    assert run(3) == run(3) != run(4)  # its figure: test_catalogue.py


# --- gan-2d checks ---------------------------------------------------------------


def _pair(seed=0):
    torch.manual_seed(seed)
    return mlp(2, 16, 1), mlp(3, 16, 2), torch.randn(12, 2), torch.randn(12, 3)


def test_d_step_check_passes_and_catches_a_missing_detach_or_swapped_labels():
    d, g, real, z = _pair()
    assert check_d_step(d_step, d, g, real, z).passed
    assert check_d_step(d_step, d, g, real, z, real_target=0.9).passed

    def no_detach(d_net, g_net, opt, real, z, t=1.0):
        opt_all = torch.optim.SGD([*d_net.parameters(), *g_net.parameters()], lr=0.05)
        loss = d_loss(d_net, real, g_net(z), t)
        opt_all.zero_grad()
        loss.backward()
        opt_all.step()
        return loss

    def swapped(d_net, g_net, opt, real, z, t=1.0):
        loss = d_loss(d_net, g_net(z).detach(), real, t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    assert not check_d_step(no_detach, d, g, real, z).passed
    assert not check_d_step(swapped, d, g, real, z).passed
    # the fixture is left untouched by the check (it works on copies)
    d2, *_ = _pair()
    assert all(torch.equal(a, b) for a, b in zip(d.parameters(), d2.parameters(), strict=True))


def test_g_step_check_passes_and_catches_a_wrong_sign_or_a_stepped_d():
    d, g, _, z = _pair(1)
    assert check_g_step(g_step, d, g, z, "nonsat").passed
    assert check_g_step(g_step, d, g, z, "minimax").passed

    def ascent(d_net, g_net, opt, z, kind):
        loss = g_loss_from_logits(d_net(g_net(z)), kind)
        opt.zero_grad()
        (-loss).backward()
        opt.step()
        return loss

    def steps_d_too(d_net, g_net, opt, z, kind):
        loss = g_step(d_net, g_net, opt, z, kind)
        with torch.no_grad():
            for p in d_net.parameters():
                p -= 0.05 * p.grad
        return loss

    assert not check_g_step(ascent, d, g, z).passed
    assert not check_g_step(steps_d_too, d, g, z).passed
    assert not check_g_step(g_step, d, g, z, "nonsat").detail.startswith("L_G (minimax)")


def test_saturation_check_catches_swapped_losses():
    assert check_saturation().passed

    def swapped(a, kind):
        return g_loss_from_logits(a, "minimax" if kind == "nonsat" else "nonsat")

    assert not check_saturation(swapped).passed


def test_quality_counts_precision_recall_and_modes():
    real = torch.tensor([[0.0, 0.0], [0.0, 0.05], [5.0, 5.0], [5.0, 5.05]])
    labels = torch.tensor([0, 0, 1, 1])
    fake = torch.tensor([[0.0, 0.02], [0.01, 0.0], [9.0, 9.0]])  # mode 1 missed, one far away
    precision, recall, per_mode = quality(fake, real, labels, radius=0.1, k=2)
    assert precision == pytest.approx(2 / 3) and recall == pytest.approx(0.5)
    assert per_mode.tolist() == [2, 0]


# --- dcgan-digits checks -----------------------------------------------------------


def test_init_check_needs_the_dcgan_initialisation():
    torch.manual_seed(0)
    g, d = build_generator(8, 8, 8), build_discriminator(8, 8)
    assert not check_init(g, d).passed  # PyTorch's default init
    g.apply(dcgan_init)
    d.apply(dcgan_init)
    assert check_init(g, d).passed


@pytest.mark.parametrize("size", [8, 28])
def test_architecture_check_and_pooling_is_caught(size):
    torch.manual_seed(0)
    g, d = build_generator(6, 4, size), build_discriminator(4, size)
    assert check_architecture(g, d, 6, size, "cpu").passed
    pooled = nn.Sequential(
        nn.Conv2d(1, 4, 3, 1, 1), nn.MaxPool2d(2), nn.Conv2d(4, 1, size // 2), nn.Flatten()
    )
    result = check_architecture(g, pooled, 6, size, "cpu")
    assert not result.passed and "MaxPool2d" in result.detail


def test_classifier_check_fails_for_an_untrained_judge():
    torch.manual_seed(0)
    x, y = torch.randn(200, 1, 8, 8), torch.randint(0, 10, (200,))
    untrained = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    assert not check_classifier(untrained, x, y).passed


# --- acgan-digits checks -----------------------------------------------------------


def _acgan_fixture(inject="mul"):
    torch.manual_seed(0)
    g = CondGenerator(6, 4, 8, inject)
    d = build_discriminator(4, 8, outputs=11)
    z = torch.randn(10, 6)
    c = torch.arange(10)
    with torch.no_grad():
        fake = g(z, c)
    return g, d, z, c, fake, torch.rand(10, 1, 8, 8) * 2 - 1, torch.randint(0, 10, (10,))


@pytest.mark.parametrize("inject", ["mul", "concat"])
def test_acgan_loss_check_passes_and_catches_a_forgotten_weight(inject):
    _, d, _, c, fake, real, y = _acgan_fixture(inject)
    assert check_losses(acgan_d_loss, acgan_g_loss, d, real, y, fake, c, 2.0).passed

    def no_weight(d_net, real, labels, fake, fake_labels, weight):
        return acgan_d_loss(d_net, real, labels, fake, fake_labels, 1.0)

    def real_labels_for_fakes(d_net, fake, fake_labels, weight):
        return acgan_g_loss(d_net, fake, fake_labels.flip(0), weight)

    assert not check_losses(no_weight, acgan_g_loss, d, real, y, fake, c, 2.0).passed
    assert not check_losses(acgan_d_loss, real_labels_for_fakes, d, real, y, fake, c, 2.0).passed


def test_conditioning_check_catches_a_generator_that_ignores_the_class():
    g, _, z, *_ = _acgan_fixture()
    assert check_conditioning(g, z).passed

    class Ignores(CondGenerator):
        def __call__(self, z, c):
            return self.net((z * self.embed(torch.zeros_like(c)))[:, :, None, None])

    blind = Ignores(6, 4, 8, "mul")
    result = check_conditioning(blind, z)
    assert not result.passed and "[0]" in result.detail
