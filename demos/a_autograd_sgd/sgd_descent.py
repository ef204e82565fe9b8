"""Gradient descent and SGD on a loss surface; linear regression in PyTorch (a.01, a.14, b.10–b.12).

Data: ``y = slope·x + intercept + noise`` (generated, seeded). The model is
``nn.Linear(1, 1)`` with parameters θ = (w, b); the loss ``nn.MSELoss`` over the whole
data set is a bowl L(w, b) whose minimum is the least-squares fit. Four runs start from
the same θ₀ on the same data, so their paths can be compared on one picture:

* SGD (a.01, b.10) with a large minibatch (``batch``, 64): ``torch.optim.SGD`` fed by a
  shuffling ``DataLoader``; each step uses the gradient of one minibatch only, an
  unbiased but noisy estimate of ∇L;
* the same SGD with ``small_batch`` (1) examples per step: the same expected step, but
  a gradient whose spread is √(64) = 8 times larger (b.11), so near the minimum it keeps
  jittering at a loss well above the floor;
* full-batch gradient descent, written by hand: θ ← θ − η ∇L(θ);
* the same GD with a too-large step (a.14): η just above the stability limit 2/λ_max of
  the bowl's Hessian, where every step overshoots the valley floor by more than it was
  away from it, so the path zigzags outwards and the loss grows until the run is stopped.

Live: the 2-D loss surface with the GD path (darkest cells) and the batch-1 SGD path
(brightest), the 1-D slice L(w) through the current b, the minibatch gradients of both
batch sizes on the same bins, and the loss and parameters of every run. The checks do
one SGD step by hand, verify that minibatch gradients average to the full one, measure
that their spread falls like 1/√B, and replay a.14's parabola (η < 1 goes downhill,
η > 1 overshoots); the learning criterion asks the large-batch run to reach the
least-squares solution (b.12), the batch-1 run to stay noisier by a wide margin and the
too-large η to diverge.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.patheffects import Normal, Stroke
from matplotlib.ticker import NullLocator
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from demos.platform import Bilingual, Check, Demo, Frame, RunContext, heatmap, histogram
from demos.platform.figures import animation, integer_ticks, save_figure, subplots

# a.14's one-parameter example: L(θ) = mean((θ − y_i)²) over y = (2, 4), from θ₀ = 0
PARABOLA_TARGETS = (2.0, 4.0)
PARABOLA_RATES = (0.1, 0.9, 1.1)
# the divergent GD twin stops once its loss passed this multiple of its starting loss
DIVERGED = 1e3
# the batch sizes of the gradient-noise measurement
NOISE_BATCHES = (1, 2, 4, 8, 16, 32, 64, 128)
# colours and labels of the four runs, shared by the PNG and the GIF
STYLE = {
    "gd": ("white", "GD, full batch"),
    "sgd": ("deepskyblue", "SGD, batch {batch}"),
    "small": ("red", "SGD, batch {small}"),
    "big": ("magenta", "GD, η = {big:.2f} > 2/λ_max"),
}


def make_data(n: int, slope: float, intercept: float, noise: float, rng) -> tuple[Any, Any]:
    """x uniform in [−2, 2]; y on the line plus Gaussian noise; float32 arrays (n, 1)."""
    x = rng.uniform(-2.0, 2.0, size=(n, 1))
    y = slope * x + intercept + rng.normal(scale=noise, size=(n, 1))
    return x.astype(np.float32), y.astype(np.float32)


def mse_grad_by_hand(w: float, b: float, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """∇ of mean((w x + b − y)²): (2·mean(r·x), 2·mean(r)) with r the residual, no autograd."""
    r = w * x + b - y  # (B, 1)
    return (2 * (r * x).mean()).item(), (2 * r.mean()).item()


def per_example_grad_w(w: float, b: float, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """dL_i/dw of every single example (N,): a minibatch gradient is the mean of B of them."""
    return (2 * (w * x + b - y) * x)[:, 0]


def surface(x: torch.Tensor, y: torch.Tensor, ws: torch.Tensor, bs: torch.Tensor) -> torch.Tensor:
    """L(w, b) on a grid: rows b, columns w."""
    pred = ws[None, :, None] * x[:, 0][None, None, :] + bs[:, None, None]  # (Nb, Nw, N)
    return ((pred - y[:, 0][None, None, :]) ** 2).mean(-1)


def hessian_top(x: torch.Tensor) -> float:
    """λ_max of the MSE Hessian 2/N·[x 1]ᵀ[x 1]; GD is stable iff η < 2/λ_max."""
    design = torch.cat([x, torch.ones_like(x)], dim=1).cpu().double()  # (N, 2); MPS has no f64
    return float(torch.linalg.eigvalsh(2 * design.T @ design / len(design)).max())


def check_sgd_step(x: torch.Tensor, y: torch.Tensor, lr: float, optimizer_cls=None) -> Check:
    """One ``torch.optim.SGD`` step on a minibatch == θ − η ∇L computed by hand."""
    optimizer_cls = optimizer_cls or torch.optim.SGD
    model = nn.Linear(1, 1).to(x.device)
    with torch.no_grad():
        model.weight.fill_(-1.5)
        model.bias.fill_(2.0)
    w0, b0 = model.weight.item(), model.bias.item()
    gw, gb = mse_grad_by_hand(w0, b0, x, y)
    opt = optimizer_cls(model.parameters(), lr=lr)
    opt.zero_grad()
    nn.MSELoss()(model(x), y).backward()
    auto = (model.weight.grad.item(), model.bias.grad.item())
    opt.step()
    hand = (w0 - lr * gw, b0 - lr * gb)
    got = (model.weight.item(), model.bias.item())
    diff = max(abs(a - c) for a, c in zip(hand, got, strict=True))
    gdiff = max(abs(auto[0] - gw), abs(auto[1] - gb))
    return Check(
        "sgd-step-by-hand",
        diff <= 1e-5 * (1 + max(map(abs, hand))) and gdiff <= 1e-4 * (1 + abs(gw) + abs(gb)),
        f"θ₀ = ({w0:g}, {b0:g}), ∇L by hand ({gw:.4f}, {gb:.4f}) vs autograd "
        f"({auto[0]:.4f}, {auto[1]:.4f}); θ − η∇L = ({hand[0]:.5f}, {hand[1]:.5f}), "
        f"optim.SGD gives ({got[0]:.5f}, {got[1]:.5f})",
    )


def check_unbiased(loader, x: torch.Tensor, y: torch.Tensor, w: float, b: float) -> Check:
    """Minibatch gradients, weighted by batch size over one epoch, average to the full gradient."""
    total_w = total_b = 0.0
    count = 0
    for xb, yb in loader:
        xb, yb = xb.to(x.device), yb.to(x.device)
        gw, gb = mse_grad_by_hand(w, b, xb, yb)
        total_w += gw * len(xb)
        total_b += gb * len(xb)
        count += len(xb)
    full = mse_grad_by_hand(w, b, x, y)
    avg = (total_w / count, total_b / count)
    gap = max(abs(a - f) for a, f in zip(avg, full, strict=True))
    return Check(
        "minibatch-gradient-unbiased",
        count == len(x) and gap <= 1e-4 * (1 + max(map(abs, full))),
        f"over one epoch of {count} examples the size-weighted mean minibatch gradient is "
        f"({avg[0]:.4f}, {avg[1]:.4f}); full gradient ({full[0]:.4f}, {full[1]:.4f})",
    )


def noise_by_batch(
    per_example: torch.Tensor, sizes: Sequence[int], seed: int, draws: int = 400
) -> tuple[list[float], list[float]]:
    """Spread of the minibatch gradient for each batch size: measured and predicted.

    Measured: the std of the mean of B examples drawn without replacement (as a shuffled
    DataLoader does), over ``draws`` seeded minibatches. Predicted: σ₁·√((N − B)/(B(N − 1))),
    the 1/√B law with the finite-population correction.
    """
    g = per_example.cpu().double()
    n = len(g)
    sigma = g.std(unbiased=False).item()
    gen = torch.Generator().manual_seed(seed)
    measured, predicted = [], []
    for b in sizes:
        picks = torch.argsort(torch.rand(draws, n, generator=gen), dim=1)[:, :b]  # (draws, B)
        measured.append(g[picks].mean(1).std().item())
        predicted.append(sigma * math.sqrt((n - b) / (b * (n - 1))))
    return measured, predicted


def check_noise_scaling(measured: Sequence[float], predicted: Sequence[float], sizes) -> Check:
    """The spread of minibatch gradients follows σ₁/√B (with the finite-population factor)."""
    worst = max(abs(m / p - 1) for m, p in zip(measured, predicted, strict=True) if p > 0)
    one, last = measured[0], measured[-1]
    return Check(
        "gradient-noise-1/sqrt(B)",
        bool(worst <= 0.2 and one > 2 * last),
        f"std of dL/dw over minibatches: B={sizes[0]}: {one:.3f}, B={sizes[-1]}: {last:.3f}; "
        f"every B within {worst:.0%} of σ₁·√((N−B)/(B(N−1))) (allowed 20%)",
    )


def parabola_path(lr: float, steps: int, device) -> list[float]:
    """θ₀ … θ_steps of ``torch.optim.SGD`` on a.14's L(θ) = mean((θ − y)²), y = (2, 4)."""
    theta = torch.zeros((), device=device, requires_grad=True)
    targets = torch.tensor(PARABOLA_TARGETS, device=device)
    opt = torch.optim.SGD([theta], lr=lr)
    path = [theta.item()]
    for _ in range(steps):
        opt.zero_grad()
        ((theta - targets) ** 2).mean().backward()
        opt.step()
        path.append(theta.item())
    return path


def check_parabola(device, step_fn=None) -> Check:
    """a.14: L(θ) = mean((θ − y_i)²), y = (2, 4), θ₀ = 0; one step for several η."""

    def sgd_step(lr: float) -> tuple[float, float, float]:
        theta = torch.zeros((), device=device, requires_grad=True)
        targets = torch.tensor(PARABOLA_TARGETS, device=device)
        opt = torch.optim.SGD([theta], lr=lr)
        loss = ((theta - targets) ** 2).mean()
        loss.backward()
        opt.step()
        with torch.no_grad():
            after = ((theta - targets) ** 2).mean()
        return theta.item(), loss.item(), after.item()

    step_fn = step_fn or sgd_step
    rows, ok = [], True
    for lr in (0.1, 0.5, 0.9, 1.1):
        theta, before, after = step_fn(lr)
        expected = 0.0 - lr * 2 * (0.0 - 3.0)  # L'(θ) = 2(θ − 3)
        ok &= abs(theta - expected) < 1e-5 and ((after < before) == (lr < 1.0))
        rows.append(f"η={lr:g}: θ₁={theta:.2f}, L {before:.2f}→{after:.2f}")
    return Check(
        "parabola-step-a.14",
        bool(ok),
        "; ".join(rows) + " (downhill iff η < 1)",
    )


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def num(v: float, it: bool = False) -> str:
    """Two significant digits; small numbers as 9.4·10⁻⁵; a decimal comma in Italian."""
    if v != 0 and math.isfinite(v) and abs(v) < 1e-3:
        mantissa, exponent = f"{v:.1e}".split("e")
        text = f"{mantissa}·10{str(int(exponent)).translate(_SUPERSCRIPT)}"
    else:
        text = f"{v:.2g}" if abs(v) < 10 else f"{v:.0f}"
    return text.replace(".", ",") if it else text


def _thin(steps: Sequence[int], most: int) -> list[int]:
    """At most ``most`` of the steps, evenly spread, always with the first and the last."""
    steps = list(steps)
    if len(steps) <= most:
        return steps
    picks = {round(i * (len(steps) - 1) / (most - 1)) for i in range(most)}
    return [steps[i] for i in sorted(picks)]


class SGDDescent(Demo):
    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        x, y = make_data(p["n"], p["slope"], p["intercept"], p["noise"], ctx.rng())
        self.x = torch.from_numpy(x).to(ctx.device)  # (N, 1)
        self.y = torch.from_numpy(y).to(ctx.device)  # (N, 1)
        design = torch.cat([self.x, torch.ones_like(self.x)], dim=1).cpu().double()  # (N, 2)
        sol = torch.linalg.lstsq(design, self.y.cpu().double()).solution[:, 0]
        self.w_star, self.b_star = sol.tolist()  # the minimum of the bowl
        self.loss_min = self._loss(self.w_star, self.b_star)
        self.batch = min(p["batch"], p["n"])
        self.small = min(p["small_batch"], p["n"])
        self.lam = hessian_top(self.x)
        self.eta_limit = 2.0 / self.lam  # GD on this bowl converges iff η < 2/λ_max
        self.eta_big = p["overshoot"] * self.eta_limit
        # the box shown: centred on the minimum, so that an overshooting path is seen on
        # both sides of the valley, and wide enough to hold the start
        half_w = 1.2 * abs(p["w0"] - self.w_star) + 0.5
        half_b = 1.2 * abs(p["b0"] - self.b_star) + 0.5
        self.box = (
            self.w_star - half_w,
            self.w_star + half_w,
            self.b_star - half_b,
            self.b_star + half_b,
        )
        self.ws = torch.linspace(self.box[0], self.box[1], 25, device=ctx.device)
        self.bs = torch.linspace(self.box[2], self.box[3], 25, device=ctx.device)
        self.grid = surface(self.x, self.y, self.ws, self.bs)  # (25, 25) rows b, cols w
        # the spread of minibatch gradients by batch size, at θ₀ (before any step)
        g0 = per_example_grad_w(p["w0"], p["b0"], self.x, self.y)
        sizes = [b for b in NOISE_BATCHES if b <= p["n"] // 2] or [1]
        self.noise_sizes = sizes
        self.noise_measured, self.noise_predicted = noise_by_batch(g0, sizes, ctx.seed + 3)

    def _loss(self, w: float, b: float) -> float:
        return ((w * self.x + b - self.y) ** 2).mean().item()

    def _loader(self, seed: int, batch: int | None = None):
        gen = torch.Generator().manual_seed(seed)  # shuffling on the CPU: same order everywhere
        data = TensorDataset(self.x.cpu(), self.y.cpu())
        return DataLoader(data, batch_size=batch or self.batch, shuffle=True, generator=gen)

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        xb, yb = next(iter(self._loader(ctx.seed + 7)))
        yield check_sgd_step(xb.to(ctx.device), yb.to(ctx.device), ctx.params["lr"])
        yield check_unbiased(
            self._loader(ctx.seed + 8), self.x, self.y, ctx.params["w0"], ctx.params["b0"]
        )
        yield check_noise_scaling(self.noise_measured, self.noise_predicted, self.noise_sizes)
        yield check_parabola(ctx.device)

    def _model(self, ctx: RunContext) -> tuple[nn.Linear, torch.optim.SGD]:
        p = ctx.params
        model = nn.Linear(1, 1)
        with torch.no_grad():
            model.weight.fill_(p["w0"])
            model.bias.fill_(p["b0"])
        model.to(ctx.device)
        return model, torch.optim.SGD(model.parameters(), lr=p["lr"])

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        lr = p["lr"]
        loss_fn = nn.MSELoss()
        runs = {  # the two SGD runs: model, optimizer, loader, live iterator
            "sgd": (*self._model(ctx), self._loader(ctx.seed + 1)),
            "small": (*self._model(ctx), self._loader(ctx.seed + 2, self.small)),
        }
        iters = {k: iter(r[2]) for k, r in runs.items()}
        gd, big = [p["w0"], p["b0"]], [p["w0"], p["b0"]]  # full-batch GD by hand, twice
        self.start_loss = self._loss(*gd)
        self.big_stopped: int | None = None  # the step at which the too-large η diverged
        self.paths: dict[str, list[tuple[float, float]]] = {k: [tuple(gd)] for k in STYLE}
        for step in range(ctx.total_steps):
            batch_loss = {}
            for key, (model, opt, loader) in runs.items():
                try:
                    xb, yb = next(iters[key])
                except StopIteration:  # a new epoch: a fresh shuffle
                    iters[key] = iter(loader)
                    xb, yb = next(iters[key])
                xb, yb = xb.to(ctx.device), yb.to(ctx.device)
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
                batch_loss[key] = loss.item()
                self.paths[key].append((model.weight.item(), model.bias.item()))
            gw, gb = mse_grad_by_hand(gd[0], gd[1], self.x, self.y)
            gd = [gd[0] - lr * gw, gd[1] - lr * gb]
            self.paths["gd"].append(tuple(gd))
            if self.big_stopped is None:
                gw, gb = mse_grad_by_hand(big[0], big[1], self.x, self.y)
                big = [big[0] - self.eta_big * gw, big[1] - self.eta_big * gb]
                self.paths["big"].append(tuple(big))
                if self._loss(*big) > DIVERGED * self.start_loss:
                    self.big_stopped = step
            if ctx.wants(step):
                yield self._frame(ctx, step, gd, big, batch_loss["sgd"])
        return self.caption(ctx)

    def _frame(self, ctx, step, gd, big, batch_loss) -> Frame:
        w, b = self.paths["sgd"][-1]
        ws, bs = self.paths["small"][-1]
        # minibatch gradients of one epoch at the large-batch θ, for both batch sizes
        g = per_example_grad_w(w, b, self.x, self.y).cpu()
        order = torch.randperm(len(g), generator=torch.Generator().manual_seed(ctx.seed + step))
        spread = {}
        for key, size in (("sgd", self.batch), ("small", self.small)):
            k = len(g) // size
            spread[key] = g[order[: k * size]].view(k, size).mean(1)  # (k,) batch means
        full = g.mean().item()
        lo, hi = spread["small"].min().item(), spread["small"].max().item()
        counts = {k: torch.histc(v, bins=12, min=lo, max=hi) for k, v in spread.items()}
        edges = np.linspace(lo, hi, 13)
        labels = [f"{0.5 * (a + c):.2g}" for a, c in itertools.pairwise(edges)]
        marked = self.grid.clone().log()
        top, bottom = marked.max(), marked.min()
        for path, value in (
            (self.paths["gd"], bottom - 0.3 * (top - bottom)),
            (self.paths["small"], top + 0.3 * (top - bottom)),
        ):
            for pw, pb in path:
                if not (self.box[0] <= pw <= self.box[1] and self.box[2] <= pb <= self.box[3]):
                    continue
                i = int(torch.bucketize(torch.tensor(pb), self.bs.cpu()).clamp(0, len(self.bs) - 1))
                j = int(torch.bucketize(torch.tensor(pw), self.ws.cpu()).clamp(0, len(self.ws) - 1))
                marked[i, j] = value
        l_slice = ((self.ws[:, None] * self.x[:, 0] + b - self.y[:, 0]) ** 2).mean(1)  # (25,)
        big_loss = self._loss(*big) if self.big_stopped is None else math.nan
        losses = {
            "loss_sgd": self._loss(w, b),
            "loss_small": self._loss(ws, bs),
            "loss_gd": self._loss(*gd),
            "loss_big": big_loss,
        }
        metrics = {
            **losses,
            "loss_min": self.loss_min,
            "batch_loss": batch_loss,
            "excess_sgd": losses["loss_sgd"] - self.loss_min,
            "excess_small": losses["loss_small"] - self.loss_min,
            "excess_gd": losses["loss_gd"] - self.loss_min,
            "w_sgd": w,
            "b_sgd": b,
            "w_small": ws,
            "b_small": bs,
            "w_gd": gd[0],
            "b_gd": gd[1],
            "w_star": self.w_star,
            "b_star": self.b_star,
            "grad_noise": spread["sgd"].std().item() if len(spread["sgd"]) > 1 else 0.0,
            "grad_noise_small": spread["small"].std().item(),
            "grad_full": full,
            "eta_big": self.eta_big,
            "eta_limit": self.eta_limit,
            # the too-large-η run's loss over its start: frozen where the run was stopped
            "big_growth": self._loss(*self.paths["big"][-1]) / self.start_loss,
            "big_stopped": math.nan if self.big_stopped is None else float(self.big_stopped),
        }
        box = f"w {self.box[0]:.2g}..{self.box[1]:.2g}"
        return Frame(
            step=step,
            metrics=metrics,
            heatmaps=[
                heatmap(
                    f"log L(w, b); GD path = darkest cells, SGD batch {self.small} = brightest",
                    marked.flip(0),
                    box,
                    f"b {self.box[3]:.2g}..{self.box[2]:.2g}",
                ),
                heatmap(f"1-D slice L(w) at b = {b:.2f} (a.14)", l_slice[None, :], box, ""),
            ],
            histograms=[
                histogram(
                    f"dL/dw of the batch-{self.batch} minibatches at θ; full = {full:.3f}",
                    counts["sgd"],
                    labels,
                ),
                histogram(
                    f"dL/dw of the batch-{self.small} minibatches, same bins",
                    counts["small"],
                    labels,
                    key="grad-small",
                ),
            ],
        )

    # -- judging and telling -------------------------------------------------------------

    def _tail(self, ctx: RunContext, key: str) -> float:
        """Mean of a metric over the last quarter of the records (after the descent)."""
        values = [
            h[key] for h in ctx.history[3 * len(ctx.history) // 4 :] if h.get(key) is not None
        ]
        return float(np.mean(values)) if values else math.nan

    def contrast(self, ctx: RunContext) -> dict[str, float]:
        """The numbers the lesson rests on, from the recorded history."""
        small, large = self._tail(ctx, "excess_small"), self._tail(ctx, "excess_sgd")
        return {
            "small": small,
            "large": large,
            "ratio": small / large if large > 0 else math.inf,
            "noise_small": self._tail(ctx, "grad_noise_small"),
            "noise_large": self._tail(ctx, "grad_noise"),
            "big_growth": ctx.final.get("big_growth", math.nan),
        }

    def learned(self, ctx: RunContext) -> Check:
        start = ctx.history[0]["loss_sgd"] if ctx.history else math.nan
        f = ctx.final
        end, w, b = f.get("loss_sgd", math.nan), f.get("w_sgd", math.nan), f.get("b_sgd", math.nan)
        # SGD with a constant step keeps jittering around the minimum: tolerance ∝ √(η/B)
        tol = 0.1 + 2.0 * math.sqrt(ctx.params["lr"] / self.batch) * max(0.1, ctx.params["noise"])
        fits = end < 0.5 * start and abs(w - self.w_star) <= tol and abs(b - self.b_star) <= tol
        c = self.contrast(ctx)
        margin = 10.0
        noisier = self.small >= self.batch or c["ratio"] >= margin
        diverged = self.big_stopped is not None or c["big_growth"] >= 100
        gd_ok = f.get("excess_gd", math.nan) < 0.01 * start
        return Check(
            "learning",
            bool(fits and noisier and diverged and gd_ok),
            f"batch {self.batch}: full-data loss {start:.3f} -> {end:.3f} (minimum "
            f"{self.loss_min:.3f}); slope {w:.3f} vs least squares {self.w_star:.3f} (true "
            f"{ctx.params['slope']:g}), intercept {b:.3f} vs {self.b_star:.3f}; tolerance "
            f"{tol:.2f}. Last quarter: excess loss batch {self.small} {c['small']:.2g} vs batch "
            f"{self.batch} {c['large']:.2g} (×{c['ratio']:.0f}, needs ×{margin:g}); GD at "
            f"η = {ctx.params['lr']:g} excess {f.get('excess_gd', math.nan):.1e}, at η = "
            f"{self.eta_big:.3f} > 2/λ_max = {self.eta_limit:.3f} the loss grew "
            f"×{c['big_growth']:.0f} (diverged: {diverged})",
        )

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, filled from this run's numbers."""
        c = self.contrast(ctx)
        lr, small, large = ctx.params["lr"], self.small, self.batch
        steps = (self.big_stopped + 1) if self.big_stopped is not None else ctx.total_steps
        en = {k: num(v) for k, v in c.items()}
        it = {k: num(v, it=True) for k, v in c.items()}
        eta = {"big": f"{self.eta_big:.2f}", "limit": f"{self.eta_limit:.2f}", "lr": f"{lr:g}"}
        eta_it = {k: v.replace(".", ",") for k, v in eta.items()}
        # the spread as the b.11 panel shows it: measured at θ₀ over 400 draws per size
        at0 = dict(zip(self.noise_sizes, self.noise_measured, strict=True))
        if small in at0 and large in at0:
            spread = (f"{at0[small]:.2f}", f"{at0[large]:.2f}")
            where = ("at the start θ₀", "nel punto di partenza θ₀")
        else:  # a size the panel does not draw: the mean over the run's last quarter
            spread = (num(c["noise_small"]), num(c["noise_large"]))
            where = ("near the minimum", "vicino al minimo")
        spread_it = tuple(s.replace(".", ",") for s in spread)
        return Bilingual(
            en=(
                f"Same η = {eta['lr']}, same start: SGD with batch {small} keeps jittering at "
                f"an excess loss of {en['small']} above the minimum, batch {large} at "
                f"{en['large']} (×{en['ratio']} less), because the spread of the minibatch "
                f"gradient falls like 1/√B (std of dL/dw {where[0]}: {spread[0]} vs "
                f"{spread[1]}). "
                f"GD with η = {eta['big']}, just above 2/λ_max = {eta['limit']}, overshoots the "
                f"valley further at every step: its loss grew ×{en['big_growth']} in {steps} "
                f"steps."
            ),
            it=(
                f"Stesso η = {eta_it['lr']}, stesso punto di partenza: SGD con batch {small} "
                f"continua a oscillare con una loss di {it['small']} sopra il minimo, con batch "
                f"{large} di {it['large']} (×{it['ratio']} in meno), perché la dispersione del "
                f"gradiente del minibatch cala come 1/√B (deviazione standard di dL/dw "
                f"{where[1]}: {spread_it[0]} contro {spread_it[1]}). GD con η = {eta_it['big']}, "
                "appena sopra 2/λ_max = "
                f"{eta_it['limit']}, scavalca la valle sempre di più a ogni passo: la sua loss è "
                f"cresciuta di ×{it['big_growth']} in {steps} passi."
            ),
        )

    # -- figures -------------------------------------------------------------------------

    def _labels(self) -> dict[str, str]:
        return {
            k: text.format(batch=self.batch, small=self.small, big=self.eta_big)
            for k, (_, text) in STYLE.items()
        }

    def _surface_panel(self, fig, ax, colorbar: bool = True) -> dict[str, Any]:
        """log₁₀ L(w, b) as a colour map over the box; returns one line artist per run."""
        ws = torch.linspace(self.box[0], self.box[1], 120, device=self.x.device)
        bs = torch.linspace(self.box[2], self.box[3], 120, device=self.x.device)
        grid = surface(self.x, self.y, ws, bs).log10().cpu().numpy()  # (120, 120)
        im = ax.imshow(
            grid, origin="lower", extent=self.box, aspect="auto", cmap="viridis", alpha=0.9
        )
        ax.contour(ws.cpu(), bs.cpu(), grid, levels=12, colors="k", linewidths=0.3, alpha=0.4)
        if colorbar:
            fig.colorbar(im, ax=ax, fraction=0.046, label="log₁₀ L(w, b)")
        labels = self._labels()
        lines = {}
        for key in ("big", "small", "sgd", "gd"):
            colour = STYLE[key][0]
            kw = {"lw": 1.0, "ms": 3}
            if key == "gd":  # white with a black outline: visible on every colour
                kw = {
                    "lw": 2.2,
                    "ms": 0,
                    "path_effects": [Stroke(linewidth=4, foreground="k"), Normal()],
                }
            elif key == "big":
                kw = {"lw": 0.7, "ms": 4, "alpha": 0.8}
            (line,) = ax.plot([], [], "o-" if key == "big" else "-", color=colour, **kw)
            line.set_label(labels[key])
            lines[key] = line
        ax.plot(self.w_star, self.b_star, "y*", ms=12, mec="k", label="least squares", zorder=1.5)
        ax.set(xlim=self.box[:2], ylim=self.box[2:], xlabel="slope w", ylabel="intercept b")
        return lines

    def _zoom(self, fig, ax, ctx: RunContext) -> None:
        """Around the minimum, the last half of training: batch 1 jitters, batch 64 sits."""
        half = ctx.total_steps // 2
        tail = {k: np.array(self.paths[k][half:]) for k in ("small", "sgd")}
        reach = 1.15 * max(float(np.abs(tail["small"] - (self.w_star, self.b_star)).max()), 0.02)
        box = (self.w_star - reach, self.w_star + reach, self.b_star - reach, self.b_star + reach)
        ws = torch.linspace(box[0], box[1], 60, device=self.x.device)
        bs = torch.linspace(box[2], box[3], 60, device=self.x.device)
        excess = (surface(self.x, self.y, ws, bs) - self.loss_min).clamp_min(1e-9)
        im = ax.imshow(
            excess.log10().cpu().numpy(), origin="lower", extent=box, aspect="auto", cmap="viridis"
        )
        fig.colorbar(im, ax=ax, fraction=0.046, label="log₁₀ (L − L_min)")
        labels = self._labels()
        for key, lw in (("small", 1.0), ("sgd", 2.0)):
            ax.plot(
                tail[key][:, 0],
                tail[key][:, 1],
                "o-",
                color=STYLE[key][0],
                lw=lw,
                ms=2,
                label=f"{labels[key]}: steps {half}–{ctx.total_steps - 1}",
            )
        ax.plot(self.w_star, self.b_star, "y*", ms=14, mec="k", label="least squares")
        ax.set(
            xlim=box[:2],
            ylim=box[2:],
            xlabel="slope w",
            ylabel="intercept b",
            title=f"zoom on the minimum (±{reach:.2g}): where each SGD run ends up",
        )
        ax.legend(fontsize=8, loc="upper right", framealpha=0.85)

    def _set_paths(self, lines: dict[str, Any], upto: int) -> None:
        """Show every path up to step ``upto`` (θ after that step: index upto + 1)."""
        for key, line in lines.items():
            arr = np.array(self.paths[key][: upto + 2])
            line.set_data(arr[:, 0], arr[:, 1])

    def _excess_series(self, ctx: RunContext) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Step and L − L_min of each run, from the recorded history."""
        out = {}
        for key, metric in (
            ("gd", "excess_gd"),
            ("sgd", "excess_sgd"),
            ("small", "excess_small"),
            ("big", "loss_big"),
        ):
            pairs = [(h["step"], h[metric]) for h in ctx.history if h.get(metric) is not None]
            xs = np.array([s for s, _ in pairs], dtype=float)
            ys = np.array([v for _, v in pairs], dtype=float)
            if key == "big":
                ys = ys - self.loss_min
            out[key] = (xs, np.maximum(ys, 1e-8))  # GD reaches the float floor: keep it drawable
        return out

    def _excess_panel(self, ax, ctx: RunContext) -> tuple[dict[str, Any], Any]:
        """L − L_min of the four runs on one log axis; returns the lines and the stop mark."""
        labels = self._labels()
        ceiling = max(10 * self.start_loss, 1.0) * DIVERGED
        lines = {}
        for key in ("gd", "sgd", "small", "big"):
            colour = "k" if key == "gd" else STYLE[key][0]
            style = "--" if key == "gd" else "o-" if key == "big" else "-"
            (lines[key],) = ax.plot([], [], style, color=colour, lw=1.4, ms=3, label=labels[key])
        mark = ax.annotate(
            "",
            (0, 1),
            textcoords="offset points",
            xytext=(-12, 10),
            ha="right",
            color="magenta",
            fontsize=8,
            arrowprops={"arrowstyle": "->", "color": "magenta"},
        )
        ax.set(
            yscale="log",
            xlim=(0, ctx.total_steps - 1),
            ylim=(1e-6, ceiling),
            xlabel="step",
            ylabel="L − L_min (full data)",
            title="excess loss of every run, one scale",
        )
        ax.yaxis.set_minor_locator(NullLocator())
        integer_ticks(ax)
        ax.legend(fontsize=7, loc="center right")
        return lines, mark

    def _set_excess(self, lines, mark, series, upto: float) -> None:
        """Each run's excess loss up to step ``upto``; the stop mark once it happened."""
        for key, line in lines.items():
            xs, ys = series[key]
            keep = xs <= upto
            line.set_data(xs[keep], ys[keep])
        stopped = self.big_stopped is not None and upto >= self.big_stopped
        mark.set_visible(stopped)
        if stopped:
            peak = self._loss(*self.paths["big"][-1]) - self.loss_min
            mark.xy = (self.big_stopped, min(peak, mark.axes.get_ylim()[1]))
            mark.set_text(f"diverged: stopped at step {self.big_stopped}")

    def _parabola_panel(self, ax, device) -> None:
        """a.14: one step of (S)GD on a 1-D loss, for a small, a large and a too-large η."""
        thetas = np.linspace(-4.5, 11, 300)
        t = np.asarray(PARABOLA_TARGETS)
        loss = ((thetas[:, None] - t[None, :]) ** 2).mean(1)
        ax.plot(thetas, loss, "k-", lw=1.5, label="L(θ) = mean((θ − yᵢ)²), y = (2, 4)")
        for yi in PARABOLA_TARGETS:
            ax.plot(thetas, (thetas - yi) ** 2, ":", color="grey", lw=0.8)
        colours = {0.1: "tab:green", 0.9: "tab:orange", 1.1: "magenta"}
        for lr in PARABOLA_RATES:
            path = np.array(parabola_path(lr, 5, device))
            values = ((path[:, None] - t[None, :]) ** 2).mean(1)
            ax.plot(
                path,
                values,
                "o-",
                color=colours[lr],
                ms=4,
                lw=1,
                alpha=0.85,
                label=f"η = {lr:g}: θ₁ = {path[1]:.1f}, L {values[0]:.0f} → {values[1]:.1f}",
            )
            ax.annotate(
                "",
                (path[1], values[1]),
                (path[0], values[0]),
                arrowprops={"arrowstyle": "->", "color": colours[lr], "lw": 1.8},
            )
        slope = 2 * (0.0 - t.mean())
        ax.plot(
            [-1.2, 1.2],
            [loss[np.argmin(abs(thetas))] + slope * v for v in (-1.2, 1.2)],
            "k--",
            lw=1,
        )
        ax.annotate(f"L'(θ₀) = {slope:g}", (0.3, 9), fontsize=8)
        ax.set(
            xlim=(-4.5, 11),
            ylim=(0, 70),
            xlabel="θ",
            ylabel="L(θ)",
            title="a.14: θ₁ = θ₀ − η·L'(θ₀); η > 1 overshoots uphill",
        )
        ax.legend(fontsize=7, loc="upper center")

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        p = ctx.params
        fig, axes = subplots(2, 3, (19, 11))
        ax = axes[0, 0]
        lines = self._surface_panel(fig, ax)
        self._set_paths(lines, ctx.total_steps)
        ax.set_title("log L(w, b) and the four paths from one start")
        ax.legend(fontsize=8, loc="lower right", framealpha=0.85)
        lines_x, mark = self._excess_panel(axes[0, 1], ctx)
        self._set_excess(lines_x, mark, self._excess_series(ctx), math.inf)
        self._parabola_panel(axes[0, 2], ctx.device)
        ax = axes[1, 0]
        sizes = self.noise_sizes
        ax.loglog(sizes, self.noise_measured, "o", color="tab:blue", label="measured (400 draws)")
        ax.loglog(
            sizes, self.noise_predicted, "-", color="grey", label="σ₁·√((N−B)/(B(N−1))) ≈ σ₁/√B"
        )
        for size, key in ((self.small, "small"), (self.batch, "sgd")):
            if size in sizes:
                v = self.noise_measured[sizes.index(size)]
                ax.plot(size, v, "s", ms=11, mfc="none", mec=STYLE[key][0], mew=2)
                ax.annotate(
                    f"B = {size}: {v:.2f}",
                    (size, v),
                    textcoords="offset points",
                    xytext=(6, 6),
                    fontsize=8,
                )
        ax.set(
            xlabel="batch size B",
            ylabel="std of minibatch dL/dw at θ₀",
            title="gradient noise falls like 1/√B (b.11)",
        )
        ax.set_xticks(sizes, [str(s) for s in sizes])
        ax.legend(fontsize=8)
        self._zoom(fig, axes[1, 1], ctx)
        ax = axes[1, 2]
        x, y = self.x.cpu().numpy()[:, 0], self.y.cpu().numpy()[:, 0]
        ax.scatter(x, y, s=6, alpha=0.4, color="grey", label=f"{len(x)} data points")
        xs = np.array([-2, 2])
        for key in ("sgd", "small"):
            w, b = self.paths[key][-1]
            ax.plot(
                xs,
                w * xs + b,
                "-",
                color=STYLE[key][0],
                lw=2,
                label=f"{self._labels()[key]}: y = {w:.2f}x {'+' if b >= 0 else '−'} {abs(b):.2f}",
            )
        ax.plot(
            xs,
            p["slope"] * xs + p["intercept"],
            "k--",
            label=f"true line y = {p['slope']:g}x {'+' if p['intercept'] >= 0 else '−'} "
            f"{abs(p['intercept']):g}",
        )
        ax.set(title="nn.Linear + MSELoss + optim.SGD + DataLoader (b.12)", xlabel="x", ylabel="y")
        ax.legend(fontsize=8)
        cap = self.caption(ctx)
        title = (
            f"sgd-descent: η = {p['lr']:g}, batch {self.small} vs {self.batch}, too-large "
            f"η = {self.eta_big:.2f}, {ctx.total_steps} steps ({ctx.device})"
        )
        fig.suptitle(title, y=1.0, va="bottom", fontsize=14)  # above the panels' own titles
        png = save_figure(out_dir, "sgd-descent", fig, dpi=100, caption=f"{cap.en}\n{cap.it}")
        return [png, self._animation(ctx, out_dir)]

    def _animation(self, ctx: RunContext, out_dir: Path) -> Path:
        """The four paths growing over the recorded steps, beside their excess loss."""
        steps = _thin([int(h["step"]) for h in ctx.history], 13)
        fig, axes = subplots(1, 2, (9.6, 4))
        lines = self._surface_panel(fig, axes[0], colorbar=False)
        axes[0].legend(fontsize=7, loc="upper right", framealpha=0.85)
        head = axes[0].set_title("")
        lines_x, mark = self._excess_panel(axes[1], ctx)
        series = self._excess_series(ctx)

        def update(i: int) -> None:
            step = steps[i]
            self._set_paths(lines, step)
            self._set_excess(lines_x, mark, series, step)
            head.set_text(f"paths after step {step} of {ctx.total_steps - 1}")

        update(len(steps) - 1)
        fig.tight_layout()
        fig.set_layout_engine(None)  # laid out once: otherwise every frame is drawn twice
        return animation(out_dir, "sgd-descent", fig, update, len(steps), fps=5, dpi=72)
