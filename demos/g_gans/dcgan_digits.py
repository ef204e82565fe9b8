"""DCGAN on handwritten digits, with the DCGAN recipe spelled out (questions g.08, g.09).

The generator grows a 1×1 noise map into an image with transposed convolutions
(8×8 digits: 1 → 2 → 4 → 8; MNIST 28×28: 1 → 7 → 14 → 28), BatchNorm and ReLU inside and
tanh at the output, so real pixels are rescaled to [−1, 1]. The discriminator mirrors it
with stride-2 convolutions and LeakyReLU(0.2) — no pooling, no hidden fully connected
layer, no BatchNorm on the input layer — ending in one logit. Every convolution weight is
drawn from N(0, 0.02²), BatchNorm scales from N(1, 0.02²), biases start at 0; two Adam
optimisers with β1 = 0.5. Each iteration is one D step (real → 1, G(z).detach() → 0)
and one G step with the non-saturating loss; the steps are the same functions as in
``gan-2d``.

GAN losses say little about quality (g.08), so a fixed digit classifier, trained once
before the GAN, judges the samples of a fixed noise batch: its mean confidence, how many
classes it sees (mode collapse shows up as a few), and the "digit score"
exp(E_x KL(p(y|x) ‖ p(y))), an Inception-score analogue between 1 and 10.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from demos.framework import (
    Check,
    Demo,
    DemoError,
    Frame,
    Param,
    RunContext,
    heatmap,
    histogram,
    image,
)
from demos.gan_2d import check_d_step, d_step, g_step

if TYPE_CHECKING:
    import torch

# --- the DCGAN pieces (shared with acgan-digits) --------------------------------------


def build_generator(inputs: int, hidden: int, size: int) -> Any:
    """(B, inputs, 1, 1) → (B, 1, size, size) in [−1, 1]: three transposed convolutions."""
    from torch import nn

    return nn.Sequential(
        nn.ConvTranspose2d(inputs, 4 * hidden, size // 4, 1, 0, bias=False),  # size/4
        nn.BatchNorm2d(4 * hidden),
        nn.ReLU(),
        nn.ConvTranspose2d(4 * hidden, 2 * hidden, 4, 2, 1, bias=False),  # size/2
        nn.BatchNorm2d(2 * hidden),
        nn.ReLU(),
        nn.ConvTranspose2d(2 * hidden, 1, 4, 2, 1),  # size
        nn.Tanh(),
    )


def build_discriminator(hidden: int, size: int, outputs: int = 1) -> Any:
    """(B, 1, size, size) → (B, outputs) logits: stride-2 convolutions, no pooling."""
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(1, hidden, 4, 2, 1),  # size/2, no BatchNorm on the input layer
        nn.LeakyReLU(0.2),
        nn.Conv2d(hidden, 2 * hidden, 4, 2, 1, bias=False),  # size/4
        nn.BatchNorm2d(2 * hidden),
        nn.LeakyReLU(0.2),
        nn.Conv2d(2 * hidden, outputs, size // 4, 1, 0),  # 1×1
        nn.Flatten(),
    )


def dcgan_init(module: Any) -> None:
    """``net.apply(dcgan_init)``: conv weights N(0, 0.02²), BN scales N(1, 0.02²), biases 0."""
    from torch import nn

    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def load_signed(spec: str) -> tuple[Any, Any, int]:
    """Images rescaled to [−1, 1] (the tanh range), labels, and the image side."""
    from demos.data import load_images

    data = load_images(spec)
    if data.size % 4:
        raise DemoError(f"image side {data.size} is not a multiple of 4 (two stride-2 layers)")
    return data.x * 2.0 - 1.0, data.y, data.size


def train_classifier(x: torch.Tensor, y: torch.Tensor, steps: int, seed: int) -> Any:
    """The fixed judge: an MLP trained on real digits before the GAN, then frozen."""
    import torch
    import torch.nn.functional as F
    from torch import nn

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
    import torch

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


def montage(imgs: torch.Tensor, cols: int, pad: float = 0.5) -> torch.Tensor:
    """(n, H, W) images in [0, 1] → one picture, ``cols`` per row, grey gaps between tiles."""
    import torch

    n, h, w = imgs.shape
    rows = math.ceil(n / cols)
    canvas = torch.full((rows * (h + 1) - 1, cols * (w + 1) - 1), pad, device=imgs.device)
    for i in range(n):
        r, c = divmod(i, cols)
        canvas[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = imgs[i]
    return canvas


def to_unit(x: torch.Tensor) -> torch.Tensor:
    """[−1, 1] → [0, 1] for display."""
    return ((x + 1) / 2).clamp(0, 1)


# --- checks ---------------------------------------------------------------------------


def check_init(*nets: Any) -> Check:
    """Conv weights ~ N(0, 0.02²), BN scales ~ N(1, 0.02²), biases 0 — as DCGAN prescribes."""
    import torch
    from torch import nn

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


def check_architecture(g_net, d_net, inputs: int, size: int, device) -> Check:
    """Per-layer sizes == the (transposed) convolution formulas; no pooling; tanh range."""
    import torch
    from torch import nn

    problems: list[str] = []
    sizes: list[str] = []

    def hook(module, args, out) -> None:
        h_in = args[0].shape[-1]
        k, s, p = module.kernel_size[0], module.stride[0], module.padding[0]
        if isinstance(module, nn.ConvTranspose2d):
            expected = (h_in - 1) * s - 2 * p + k + module.output_padding[0]
        else:
            expected = (h_in + 2 * p - k) // s + 1
        sizes.append(f"{h_in}→{out.shape[-1]}")
        if out.shape[-1] != expected:
            problems.append(f"{type(module).__name__} {h_in}→{out.shape[-1]}, formula {expected}")

    handles = [
        m.register_forward_hook(hook)
        for net in (g_net, d_net)
        for m in net.modules()
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))
    ]
    pools = [
        type(m).__name__
        for net in (g_net, d_net)
        for m in net.modules()
        if isinstance(m, (nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd))
    ]
    try:
        with torch.no_grad():
            fake = g_net(torch.randn(4, inputs, 1, 1, device=device))
            logits = d_net(fake)
    finally:
        for h in handles:
            h.remove()
    if tuple(fake.shape) != (4, 1, size, size):
        problems.append(f"G output {tuple(fake.shape)}")
    if fake.abs().max().item() > 1.0:
        problems.append("G output outside [-1, 1]")
    if logits.dim() != 2 or logits.shape[0] != 4:
        problems.append(f"D output {tuple(logits.shape)}")
    problems += [f"pooling layer {p}" for p in pools]
    return Check(
        "conv-shapes-no-pooling",
        not problems,
        f"sizes {', '.join(sizes)} (G then D) match ⌊(H+2P−K)/S⌋+1 and (H−1)S−2P+K; "
        f"D output {tuple(logits.shape)}; pooling layers: {len(pools)}"
        + (f"; problems: {'; '.join(problems)}" if problems else ""),
    )


def check_classifier(clf, x: torch.Tensor, y: torch.Tensor, floor: float = 0.9) -> Check:
    """The judge must itself be good, or its confidence on samples means nothing."""
    import torch

    with torch.no_grad():
        acc = (clf(x).argmax(1) == y).float().mean().item()
        seen = judge(clf, x)
    return Check(
        "fixed-classifier",
        acc >= floor,
        f"held-out accuracy on real digits {acc:.3f} (floor {floor}); its confidence on "
        f"real digits {seen['confidence']:.3f}, digit score {seen['score']:.2f}",
    )


class DCGANDigits(Demo):
    name = "dcgan-digits"
    title = "DCGAN on digits: the recipe, and samples judged by a fixed classifier"
    questions = ("g.08", "g.09")
    summary = (
        "A DCGAN (transposed convs, BN, no pooling, LeakyReLU, tanh, N(0,0.02) init, "
        "Adam beta1=0.5) on 8x8 digits; samples of a fixed noise batch, both losses, and a "
        "fixed classifier's confidence and digit score rising as G improves."
    )
    params = (
        Param("steps", "int", 3000, "training iterations (one D step + one G step)", 10, 100_000),
        Param("batch", "int", 64, "real and fake images per step", 8, 4096),
        Param("noise_dim", "int", 32, "size of z (DCGAN on MNIST: 100)", 1, 512),
        Param("hidden", "int", 32, "base channel count of G and D", 2, 256),
        Param("lr", "float", 2e-4, "Adam learning rate of both networks", 1e-5, 1.0),
        Param("beta1", "float", 0.5, "Adam beta1 (DCGAN: 0.5)", 0.0, 0.999),
        Param("init", "bool", True, "DCGAN initialisation (false = PyTorch's default)"),
        Param("smooth", "float", 1.0, "target for real images (0.9 = one-sided smoothing)", 0.5, 1),
        Param("clf_steps", "int", 300, "training steps of the fixed judge", 50, 10_000),
        Param("data", "str", "digits", "image source", choices=("digits", "mnist:PATH")),
    )
    quick: ClassVar[dict[str, Any]] = {
        "steps": 200,
        "batch": 48,
        "hidden": 16,
        "lr": 2e-3,
        "clf_steps": 150,
    }
    plots: ClassVar[dict[str, tuple[str, ...]]] = {
        "losses": ("loss_d", "loss_g"),
        "mean D output": ("d_real", "d_fake"),
        "fixed classifier's confidence on G(fixed z)": ("confidence",),
        "digit score (1..10) and classes seen": ("digit_score", "classes"),
    }

    # -- setup ------------------------------------------------------------------

    def setup(self, ctx: RunContext) -> None:
        import torch

        p = ctx.params
        x, y, self.size = load_signed(p["data"])
        perm = ctx.rng().permutation(len(x))
        n_eval = min(1000, max(200, len(x) // 6))
        xs = torch.from_numpy(x[perm]).to(ctx.device)  # (N, 1, S, S) in [-1, 1]
        ys = torch.from_numpy(y[perm]).to(ctx.device)
        self.train_x, self.eval_x = xs[n_eval:], xs[:n_eval]
        self.train_y, self.eval_y = ys[n_eval:], ys[:n_eval]
        # parameters drawn on the CPU so that a seed gives the same start on every device
        self.g_net = build_generator(p["noise_dim"], p["hidden"], self.size)
        self.d_net = build_discriminator(p["hidden"], self.size)
        if p["init"]:
            self.g_net.apply(dcgan_init)
            self.d_net.apply(dcgan_init)
        self.g_net.to(ctx.device)
        self.d_net.to(ctx.device)
        gen = torch.Generator().manual_seed(ctx.seed + 7)
        self.fixed_z = torch.randn(256, p["noise_dim"], 1, 1, generator=gen).to(ctx.device)
        self.fixture_z = torch.randn(16, p["noise_dim"], 1, 1, generator=gen).to(ctx.device)
        self.clf = train_classifier(self.train_x, self.train_y, p["clf_steps"], ctx.seed + 11)

    # -- checks -----------------------------------------------------------------

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        yield check_init(self.g_net, self.d_net)
        yield check_architecture(
            self.g_net, self.d_net, ctx.params["noise_dim"], self.size, ctx.device
        )
        yield check_classifier(self.clf, self.eval_x, self.eval_y)
        yield check_d_step(
            d_step, self.d_net, self.g_net, self.train_x[:16], self.fixture_z, ctx.params["smooth"]
        )

    # -- training ---------------------------------------------------------------

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        import torch

        p = ctx.params
        betas = (p["beta1"], 0.999)
        opt_g = torch.optim.Adam(self.g_net.parameters(), lr=p["lr"], betas=betas)
        opt_d = torch.optim.Adam(self.d_net.parameters(), lr=p["lr"], betas=betas)
        gen = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
        n, b, dev = len(self.train_x), p["batch"], ctx.device
        self.snapshots: dict[str, Any] = {}
        for step in range(ctx.total_steps):
            real = self.train_x[torch.randint(0, n, (b,), device=dev, generator=gen)]
            z = torch.randn(b, p["noise_dim"], 1, 1, device=dev, generator=gen)
            loss_d = d_step(self.d_net, self.g_net, opt_d, real, z, p["smooth"])
            z = torch.randn(b, p["noise_dim"], 1, 1, device=dev, generator=gen)
            loss_g = g_step(self.d_net, self.g_net, opt_g, z, "nonsat")
            if ctx.due(step):
                yield self._frame(ctx, step, loss_d, loss_g)

    def _frame(self, ctx: RunContext, step: int, loss_d, loss_g) -> Frame:
        import torch

        self.g_net.eval()
        self.d_net.eval()
        with torch.no_grad():
            fake = self.g_net(self.fixed_z)  # (256, 1, S, S)
            d_real = torch.sigmoid(self.d_net(self.eval_x[:256])).mean().item()
            d_fake = torch.sigmoid(self.d_net(fake)).mean().item()
            seen = judge(self.clf, fake)
        self.g_net.train()
        self.d_net.train()
        shown = montage(to_unit(fake[:24, 0]), 8)
        metrics = {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "d_real": d_real,
            "d_fake": d_fake,
            "confidence": seen["confidence"],
            "digit_score": seen["score"],
            "classes": float(seen["classes"]),
        }
        key = "first" if step == 0 else "last" if step >= ctx.total_steps - 1 else None
        if key is None and step >= ctx.total_steps // 4 and "early" not in self.snapshots:
            key = "early"
        if key:
            self.snapshots[key] = {"step": step, "grid": shown.cpu(), "counts": seen["counts"]}
        frame = Frame(
            step=step,
            metrics=metrics,
            images=[image("G(fixed z): 24 samples, same noise every frame", shown)],
            heatmaps=[heatmap("fixed classifier p(y|G(z)), first 12 samples", seen["probs"][:12])],
            histograms=[
                histogram(
                    f"digits the classifier sees in 256 samples ({seen['classes']} classes)",
                    seen["counts"],
                    [str(i) for i in range(10)],
                )
            ],
        )
        if step == 0:
            frame.images.append(image("real digits", montage(to_unit(self.eval_x[:24, 0]), 8)))
        return frame

    # -- judgement and figures ---------------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        start = ctx.history[0] if ctx.history else {}
        c0, c1 = start.get("confidence", math.nan), ctx.final.get("confidence", math.nan)
        s1, k = ctx.final.get("digit_score", math.nan), ctx.final.get("classes", math.nan)
        ok = c1 >= c0 + 0.2 and c1 >= 0.6 and s1 >= 3.0 and k >= 6
        return Check(
            "learning",
            bool(ok),
            f"fixed classifier's confidence on G(fixed z) {c0:.3f} -> {c1:.3f} "
            f"(needs +0.2 and >= 0.6); digit score {start.get('digit_score', math.nan):.2f} "
            f"-> {s1:.2f} (needs >= 3); classes seen {k:.0f}/10 (needs >= 6)",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import torch

        hist = ctx.history
        steps = [h["step"] for h in hist]
        with torch.no_grad():
            real_conf = judge(self.clf, self.eval_x)["confidence"]
        fig, axes = plt.subplots(2, 3, figsize=(14, 7))
        ax = axes[0, 0]
        ax.plot(steps, [h["loss_d"] for h in hist], label="L_D")
        ax.plot(steps, [h["loss_g"] for h in hist], label="L_G (non-saturating)")
        ax.set(title="losses (not a measure of quality)", xlabel="step")
        ax.legend()
        ax = axes[0, 1]
        ax.plot(steps, [h["confidence"] for h in hist], label="confidence on G(fixed z)")
        ax.axhline(real_conf, color="grey", ls=":", label="confidence on real digits")
        ax.plot(steps, [h["d_real"] for h in hist], alpha=0.6, label="mean D(real)")
        ax.plot(steps, [h["d_fake"] for h in hist], alpha=0.6, label="mean D(G(z))")
        ax.set(title="the fixed classifier and D", xlabel="step", ylim=(0, 1.02))
        ax.legend(fontsize=8)
        ax = axes[0, 2]
        ax.plot(steps, [h["digit_score"] for h in hist], label="digit score")
        ax.plot(steps, [h["classes"] for h in hist], label="classes seen")
        ax.set(title="diversity (10 = all digits, evenly)", xlabel="step", ylim=(0, 10.5))
        ax.legend()
        for ax, key in zip(axes[1], ("first", "early", "last"), strict=True):
            snap = self.snapshots.get(key)
            ax.axis("off")
            if snap is not None:
                ax.imshow(snap["grid"].numpy(), cmap="gray", vmin=0, vmax=1)
                ax.set_title(f"G(fixed z) at step {snap['step']}")
        fig.suptitle(
            f"DCGAN on {ctx.params['data']}: {ctx.total_steps} steps, lr {ctx.params['lr']:g}, "
            f"beta1 {ctx.params['beta1']:g}, "
            f"init {'N(0, 0.02)' if ctx.params['init'] else 'default'}, {ctx.device}"
        )
        fig.tight_layout()
        path = out_dir / "dcgan-digits.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return [path]
