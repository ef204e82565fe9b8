"""The GAN pieces several demos share: the two training steps, their by-hand checks, and the
DCGAN networks with their initialisation and the fixed digit classifier that judges them.

gan-2d trains MLPs with :func:`d_step`/:func:`g_step`; dcgan-digits and acgan-digits
use the same steps on the convolutional networks below.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from demos.platform import Check, DemoError, RunContext
from demos.platform.data import load_images


def mlp(inputs: int, hidden: int, outputs: int) -> Any:
    """Two hidden layers with LeakyReLU: enough for a ring of Gaussians."""
    return nn.Sequential(
        nn.Linear(inputs, hidden),
        nn.LeakyReLU(0.2),
        nn.Linear(hidden, hidden),
        nn.LeakyReLU(0.2),
        nn.Linear(hidden, outputs),
    )


def d_loss(d_net, real: torch.Tensor, fake: torch.Tensor, real_target: float = 1.0):
    """Binary cross-entropy: real points against ``real_target``, fakes against 0."""
    real_logits, fake_logits = d_net(real), d_net(fake)  # (B, 1) each
    return F.binary_cross_entropy_with_logits(
        real_logits, torch.full_like(real_logits, real_target)
    ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def g_loss_from_logits(logits: torch.Tensor, kind: str = "nonsat") -> torch.Tensor:
    """Non-saturating −log σ(a), or the minimax log(1 − σ(a)), averaged over the batch."""
    if kind == "nonsat":
        return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    return -F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits))


def d_step(d_net, g_net, opt_d, real: torch.Tensor, z: torch.Tensor, real_target: float = 1.0):
    """One discriminator update; the fakes are detached so G gets no gradient."""
    fake = g_net(z).detach()
    loss = d_loss(d_net, real, fake, real_target)
    opt_d.zero_grad(set_to_none=True)
    loss.backward()
    opt_d.step()
    return loss


def g_step(d_net, g_net, opt_g, z: torch.Tensor, kind: str = "nonsat"):
    """One generator update through D; only ``opt_g`` (G's parameters) steps."""
    loss = g_loss_from_logits(d_net(g_net(z)), kind)
    opt_g.zero_grad(set_to_none=True)
    loss.backward()
    opt_g.step()
    return loss


def _snapshot(net) -> list[torch.Tensor]:
    return [p.detach().clone() for p in net.parameters()]


def _max_change(net, before: list[torch.Tensor]) -> float:
    return max(
        (p.detach() - b).abs().max().item() for p, b in zip(net.parameters(), before, strict=True)
    )


def check_d_step(
    step: Callable, d_net, g_net, real: torch.Tensor, z: torch.Tensor, real_target: float = 1.0
) -> Check:
    """The demo's D step with SGD(η) == θ − η·∇θ of L_D written out with σ and log."""
    lr = 0.05
    d, g = copy.deepcopy(d_net).double(), copy.deepcopy(g_net).double()
    real, z = real.double(), z.double()
    before_d, before_g = _snapshot(d), _snapshot(g)
    with torch.no_grad():
        fake = g(z)
    p_real, p_fake = torch.sigmoid(d(real)), torch.sigmoid(d(fake))
    t = real_target
    hand = (
        -(t * torch.log(p_real) + (1 - t) * torch.log(1 - p_real)).mean()
        - torch.log(1 - p_fake).mean()
    )
    bce = torch.nn.BCELoss()
    ref = bce(p_real, torch.full_like(p_real, t)) + bce(p_fake, torch.zeros_like(p_fake))
    grads = torch.autograd.grad(hand, list(d.parameters()))
    expected = [b - lr * gr for b, gr in zip(before_d, grads, strict=True)]
    loss = step(d, g, torch.optim.SGD(d.parameters(), lr=lr), real, z, real_target)
    loss_gap = abs(loss.item() - hand.item())
    ref_gap = abs(hand.item() - ref.item())
    step_gap = max(
        (p.detach() - e).abs().max().item() for p, e in zip(d.parameters(), expected, strict=True)
    )
    g_moved = _max_change(g, before_g)
    g_grad = any(p.grad is not None and p.grad.abs().sum() > 0 for p in g.parameters())
    ok = max(loss_gap, ref_gap, step_gap) < 1e-10 and g_moved == 0.0 and not g_grad
    return Check(
        "d-step-by-hand",
        bool(ok),
        f"L_D = {hand.item():.6f} by hand; |demo − hand| = {loss_gap:.1e}, "
        f"|nn.BCELoss − hand| = {ref_gap:.1e}; SGD step vs θ − η∇L: {step_gap:.1e}; "
        f"G moved {g_moved:.1e}, G got a gradient: {g_grad}",
    )


def check_g_step(step: Callable, d_net, g_net, z: torch.Tensor, kind: str = "nonsat") -> Check:
    """The demo's G step == θ − η·∇θ of −log σ(D(G(z))) (or log(1 − σ)); D does not move."""
    lr = 0.05
    d, g = copy.deepcopy(d_net).double(), copy.deepcopy(g_net).double()
    z = z.double()
    before_d, before_g = _snapshot(d), _snapshot(g)
    p_fake = torch.sigmoid(d(g(z)))
    hand = -torch.log(p_fake).mean() if kind == "nonsat" else torch.log(1 - p_fake).mean()
    grads = torch.autograd.grad(hand, list(g.parameters()))
    expected = [b - lr * gr for b, gr in zip(before_g, grads, strict=True)]
    loss = step(d, g, torch.optim.SGD(g.parameters(), lr=lr), z, kind)
    loss_gap = abs(loss.item() - hand.item())
    step_gap = max(
        (p.detach() - e).abs().max().item() for p, e in zip(g.parameters(), expected, strict=True)
    )
    d_moved = _max_change(d, before_d)
    d_grad = sum(p.grad.abs().sum().item() for p in d.parameters() if p.grad is not None)
    ok = max(loss_gap, step_gap) < 1e-10 and d_moved == 0.0
    return Check(
        "g-step-through-d",
        bool(ok),
        f"L_G ({kind}) = {hand.item():.6f}; |demo − hand| = {loss_gap:.1e}; "
        f"SGD step vs θ − η∇L: {step_gap:.1e}; the gradient went through D "
        f"(|∇ψ| = {d_grad:.2e} unless D was frozen) but D moved {d_moved:.1e}",
    )


def _norm(channels: int, on: bool) -> Any:
    return nn.BatchNorm2d(channels) if on else nn.Identity()


def build_generator(inputs: int, hidden: int, size: int, *, batchnorm: bool = True) -> Any:
    """(B, inputs, 1, 1) → (B, 1, size, size) in [−1, 1]: three transposed convolutions.

    ``batchnorm=False`` drops the BatchNorm layers (and gives the convolutions a bias):
    the generator of a DCGAN without its recipe.
    """
    return nn.Sequential(
        nn.ConvTranspose2d(inputs, 4 * hidden, size // 4, 1, 0, bias=not batchnorm),  # size/4
        _norm(4 * hidden, batchnorm),
        nn.ReLU(),
        nn.ConvTranspose2d(4 * hidden, 2 * hidden, 4, 2, 1, bias=not batchnorm),  # size/2
        _norm(2 * hidden, batchnorm),
        nn.ReLU(),
        nn.ConvTranspose2d(2 * hidden, 1, 4, 2, 1),  # size
        nn.Tanh(),
    )


def build_discriminator(hidden: int, size: int, outputs: int = 1, *, batchnorm: bool = True) -> Any:
    """(B, 1, size, size) → (B, outputs) logits: stride-2 convolutions, no pooling."""
    return nn.Sequential(
        nn.Conv2d(1, hidden, 4, 2, 1),  # size/2, no BatchNorm on the input layer
        nn.LeakyReLU(0.2),
        nn.Conv2d(hidden, 2 * hidden, 4, 2, 1, bias=not batchnorm),  # size/4
        _norm(2 * hidden, batchnorm),
        nn.LeakyReLU(0.2),
        nn.Conv2d(2 * hidden, outputs, size // 4, 1, 0),  # 1×1
        nn.Flatten(),
    )


def dcgan_init(module: Any) -> None:
    """``net.apply(dcgan_init)``: conv weights N(0, 0.02²), BN scales N(1, 0.02²), biases 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def load_signed(spec: str) -> tuple[Any, Any, int]:
    """Images rescaled to [−1, 1] (the tanh range), labels, and the image side."""
    data = load_images(spec)
    if data.size % 4:
        raise DemoError(f"image side {data.size} is not a multiple of 4 (two stride-2 layers)")
    return data.x * 2.0 - 1.0, data.y, data.size


def signed_split(ctx: RunContext) -> tuple[int, tuple[Any, Any], tuple[Any, Any]]:
    """Images in [−1, 1] shuffled by the run's seed: (side, (train x, y), (held-out x, y))."""
    x, y, size = load_signed(ctx.params["data"])
    perm = ctx.rng().permutation(len(x))
    n_eval = min(1000, max(200, len(x) // 6))
    xs = torch.from_numpy(x[perm]).to(ctx.device)  # (N, 1, S, S) in [-1, 1]
    ys = torch.from_numpy(y[perm]).to(ctx.device)
    return size, (xs[n_eval:], ys[n_eval:]), (xs[:n_eval], ys[:n_eval])


def train_classifier(x: torch.Tensor, y: torch.Tensor, steps: int, seed: int) -> Any:
    """The fixed judge: an MLP trained on real digits before the GAN, then frozen."""
    side = x.shape[-1]
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        clf = nn.Sequential(
            nn.Flatten(), nn.Linear(side * side, 128), nn.ReLU(), nn.Linear(128, 10)
        ).to(x.device)
    opt = torch.optim.Adam(clf.parameters(), lr=3e-3)
    for _ in range(steps):
        idx = torch.randint(0, len(x), (128,), generator=gen).to(x.device)
        loss = F.cross_entropy(clf(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    clf.eval().requires_grad_(False)
    return clf


def judge(clf, images: torch.Tensor) -> dict[str, Any]:
    """What the fixed classifier sees: confidence, class counts, digit (inception) score."""
    p = torch.softmax(clf(images), dim=1)  # (N, 10)
    marginal = p.mean(0, keepdim=True)  # (1, 10)
    kl = (torch.special.xlogy(p, p) - p * marginal.clamp_min(1e-12).log()).sum(1)  # (N,)
    counts = torch.bincount(p.argmax(1), minlength=10)
    return {
        "probs": p,
        "confidence": p.max(1).values.mean().item(),
        "score": math.exp(kl.mean().item()),
        "counts": counts,
        "classes": int((counts >= 0.03 * len(images)).sum().item()),
    }


def to_unit(x: torch.Tensor) -> torch.Tensor:
    """[−1, 1] → [0, 1] for display."""
    return ((x + 1) / 2).clamp(0, 1)


def check_init(*nets: Any) -> Check:
    """Conv weights ~ N(0, 0.02²), BN scales ~ N(1, 0.02²), biases 0 — as DCGAN prescribes."""
    conv, bn_w, biases = [], [], []
    for net in nets:
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                conv.append(m.weight.detach().flatten())
                if m.bias is not None:
                    biases.append(m.bias.detach().flatten())
            elif isinstance(m, nn.BatchNorm2d):
                bn_w.append(m.weight.detach().flatten())
                biases.append(m.bias.detach().flatten())
    w, g = torch.cat(conv), torch.cat(bn_w)
    b = torch.cat(biases) if biases else w.new_zeros(1)
    w_mean, w_std = w.mean().item(), w.std().item()
    g_mean, g_std = g.mean().item(), g.std().item()
    ok = (
        abs(w_mean) < 0.005
        and 0.017 < w_std < 0.023
        and abs(g_mean - 1) < 0.01
        and 0.01 < g_std < 0.03
        and b.abs().max().item() == 0.0
    )
    return Check(
        "dcgan-init",
        bool(ok),
        f"{w.numel()} conv weights: mean {w_mean:+.4f}, std {w_std:.4f} (want 0, 0.02); "
        f"{g.numel()} BN scales: mean {g_mean:.4f}, std {g_std:.4f} (want 1, 0.02); "
        f"max |bias| {b.abs().max().item():.1e}",
    )


def check_classifier(clf, x: torch.Tensor, y: torch.Tensor, floor: float = 0.9) -> Check:
    """The judge must itself be good, or its confidence on samples means nothing."""
    with torch.no_grad():
        acc = (clf(x).argmax(1) == y).float().mean().item()
        seen = judge(clf, x)
    return Check(
        "fixed-classifier",
        acc >= floor,
        f"held-out accuracy on real digits {acc:.3f} (floor {floor}); its confidence on "
        f"real digits {seen['confidence']:.3f}, digit score {seen['score']:.2f}",
    )
