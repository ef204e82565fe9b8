"""Gradient descent and SGD on a loss surface; linear regression in PyTorch (a.01, a.14, b.10–b.12).

Data: ``y = slope·x + intercept + noise`` (generated, seeded). The model is
``nn.Linear(1, 1)`` with parameters θ = (w, b); the loss ``nn.MSELoss`` over the whole
data set is a bowl L(w, b) whose minimum is the least-squares fit. Two runs start from
the same θ₀:

* full-batch gradient descent, written by hand: θ ← θ − η ∇L(θ);
* SGD (a.01, b.10): ``torch.optim.SGD`` fed by a shuffling ``DataLoader``; each step uses
  the gradient of one minibatch only, a noisy but unbiased estimate of ∇L (a.14), so the
  path wanders around the GD path; smaller batches mean more noise per step but cheaper
  steps (b.11).

Live: the 2-D loss surface with both paths, the 1-D slice L(w) through the current b
(a.14's picture), the spread of minibatch gradients around the full gradient, and the
loss and parameters of both runs. The checks do one SGD step by hand, verify that the
minibatch gradients average to the full one, and replay a.14's parabola (η < 1 goes
downhill, η > 1 overshoots); the learning criterion asks the loss to fall and the fitted
slope and intercept to reach the least-squares solution (b.12).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from demos.platform import Check, Demo, Frame, RunContext, heatmap, histogram
from demos.platform.figures import plot_history, save_figure, subplots


def make_data(n: int, slope: float, intercept: float, noise: float, rng) -> tuple[Any, Any]:
    """x uniform in [−2, 2]; y on the line plus Gaussian noise; float32 arrays (n, 1)."""
    x = rng.uniform(-2.0, 2.0, size=(n, 1))
    y = slope * x + intercept + rng.normal(scale=noise, size=(n, 1))
    return x.astype(np.float32), y.astype(np.float32)


def mse_grad_by_hand(w: float, b: float, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """∇ of mean((w x + b − y)²): (2·mean(r·x), 2·mean(r)) with r the residual, no autograd."""
    r = w * x + b - y  # (B, 1)
    return (2 * (r * x).mean()).item(), (2 * r.mean()).item()


def surface(x: torch.Tensor, y: torch.Tensor, ws: torch.Tensor, bs: torch.Tensor) -> torch.Tensor:
    """L(w, b) on a grid: rows b, columns w."""
    pred = ws[None, :, None] * x[:, 0][None, None, :] + bs[:, None, None]  # (Nb, Nw, N)
    return ((pred - y[:, 0][None, None, :]) ** 2).mean(-1)


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


def check_parabola(device, step_fn=None) -> Check:
    """a.14: L(θ) = mean((θ − y_i)²), y = (2, 4), θ₀ = 0; one step for several η."""

    def sgd_step(lr: float) -> tuple[float, float, float]:
        theta = torch.zeros((), device=device, requires_grad=True)
        targets = torch.tensor([2.0, 4.0], device=device)
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


class SGDDescent(Demo):
    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        x, y = make_data(p["n"], p["slope"], p["intercept"], p["noise"], ctx.rng())
        self.x = torch.from_numpy(x).to(ctx.device)  # (N, 1)
        self.y = torch.from_numpy(y).to(ctx.device)  # (N, 1)
        design = torch.cat([self.x, torch.ones_like(self.x)], dim=1).double()  # (N, 2)
        sol = torch.linalg.lstsq(design.cpu(), self.y.double().cpu()).solution[:, 0]
        self.w_star, self.b_star = sol.tolist()  # the minimum of the bowl
        self.loss_min = self._loss(self.w_star, self.b_star)
        self.batch = min(p["batch"], p["n"])
        # the box shown: start, minimum, with a margin
        lo_w, hi_w = sorted((p["w0"], self.w_star))
        lo_b, hi_b = sorted((p["b0"], self.b_star))
        pad_w, pad_b = 0.25 * (hi_w - lo_w) + 0.5, 0.25 * (hi_b - lo_b) + 0.5
        self.ws = torch.linspace(lo_w - pad_w, hi_w + pad_w, 25, device=ctx.device)
        self.bs = torch.linspace(lo_b - pad_b, hi_b + pad_b, 25, device=ctx.device)
        self.grid = surface(self.x, self.y, self.ws, self.bs)  # (25, 25) rows b, cols w

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
        yield check_parabola(ctx.device)

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        lr = p["lr"]
        model = nn.Linear(1, 1)
        with torch.no_grad():
            model.weight.fill_(p["w0"])
            model.bias.fill_(p["b0"])
        model.to(ctx.device)
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        loss_fn = nn.MSELoss()
        gd = [p["w0"], p["b0"]]  # full-batch gradient descent, by hand
        self.path_sgd, self.path_gd = [tuple(gd)], [tuple(gd)]
        loader = self._loader(ctx.seed + 1)
        batches = iter(loader)
        for step in range(ctx.total_steps):
            try:
                xb, yb = next(batches)
            except StopIteration:  # a new epoch: a fresh shuffle
                batches = iter(loader)
                xb, yb = next(batches)
            xb, yb = xb.to(ctx.device), yb.to(ctx.device)
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            gw, gb = mse_grad_by_hand(gd[0], gd[1], self.x, self.y)
            gd = [gd[0] - lr * gw, gd[1] - lr * gb]
            w, b = model.weight.item(), model.bias.item()
            self.path_sgd.append((w, b))
            self.path_gd.append(tuple(gd))
            if ctx.wants(step):
                yield self._frame(ctx, step, w, b, gd, loss.item())

    def _minibatch_grads(self, w: float, b: float, seed: int) -> torch.Tensor:
        """dL/dw of every minibatch of one epoch at (w, b)."""
        grads = [
            mse_grad_by_hand(w, b, xb.to(self.x.device), yb.to(self.x.device))[0]
            for xb, yb in self._loader(seed)
        ]
        return torch.tensor(grads)

    def _frame(self, ctx, step, w, b, gd, batch_loss) -> Frame:
        grads = self._minibatch_grads(w, b, ctx.seed + 100 + step)
        full = mse_grad_by_hand(w, b, self.x, self.y)[0]
        self.last_grads, self.last_full = grads, full
        counts, edges = torch.histogram(grads.double(), bins=12)
        marked = self.grid.clone().log()
        top, bottom = marked.max(), marked.min()
        for path, value in (
            (self.path_gd, bottom - 0.3 * (top - bottom)),
            (self.path_sgd, top + 0.3 * (top - bottom)),
        ):
            for pw, pb in path:
                i = int(torch.bucketize(torch.tensor(pb), self.bs.cpu()).clamp(0, len(self.bs) - 1))
                j = int(torch.bucketize(torch.tensor(pw), self.ws.cpu()).clamp(0, len(self.ws) - 1))
                marked[i, j] = value
        slice_ws = self.ws
        l_slice = ((slice_ws[:, None] * self.x[:, 0] + b - self.y[:, 0]) ** 2).mean(1)  # (25,)
        metrics = {
            "loss_sgd": self._loss(w, b),
            "loss_gd": self._loss(*gd),
            "loss_min": self.loss_min,
            "batch_loss": batch_loss,
            "w_sgd": w,
            "b_sgd": b,
            "w_gd": gd[0],
            "b_gd": gd[1],
            "w_star": self.w_star,
            "b_star": self.b_star,
            "grad_noise": grads.std().item() if len(grads) > 1 else 0.0,
            "grad_full": full,
        }
        labels = [f"{0.5 * (lo + hi):.2g}" for lo, hi in itertools.pairwise(edges)]
        return Frame(
            step=step,
            metrics=metrics,
            heatmaps=[
                heatmap(
                    "log L(w, b); GD path = darkest cells, SGD path = brightest",
                    marked.flip(0),
                    f"w {self.ws[0].item():.2g}..{self.ws[-1].item():.2g}",
                    f"b {self.bs[-1].item():.2g}..{self.bs[0].item():.2g}",
                ),
                heatmap(
                    f"1-D slice L(w) at b = {b:.2f} (a.14)",
                    l_slice[None, :],
                    f"w {self.ws[0].item():.2g}..{self.ws[-1].item():.2g}",
                    "",
                ),
            ],
            histograms=[
                histogram(
                    f"minibatch dL/dw at current θ (batch {self.batch}); full = {full:.3f}",
                    counts,
                    labels,
                )
            ],
        )

    def learned(self, ctx: RunContext) -> Check:
        start = ctx.history[0]["loss_sgd"] if ctx.history else math.nan
        f = ctx.final
        end, w, b = f.get("loss_sgd", math.nan), f.get("w_sgd", math.nan), f.get("b_sgd", math.nan)
        # SGD with a constant step keeps jittering around the minimum: tolerance ∝ √(η/B)
        tol = 0.1 + 2.0 * math.sqrt(ctx.params["lr"] / self.batch) * max(0.1, ctx.params["noise"])
        ok = end < 0.5 * start and abs(w - self.w_star) <= tol and abs(b - self.b_star) <= tol
        return Check(
            "learning",
            bool(ok),
            f"full-data loss {start:.3f} -> {end:.3f} (minimum {self.loss_min:.3f}); "
            f"SGD slope {w:.3f} vs least squares {self.w_star:.3f} (true {ctx.params['slope']:g}), "
            f"intercept {b:.3f} vs {self.b_star:.3f}; tolerance {tol:.2f}",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        fig, axes = subplots(2, 2, (12, 9))
        ax = axes[0, 0]
        ws, bs = self.ws.cpu().numpy(), self.bs.cpu().numpy()
        ax.contourf(ws, bs, np.log(self.grid.cpu().numpy()), levels=25, cmap="viridis")
        for path, style, label in (
            (self.path_gd, "w.-", "GD (full batch)"),
            (self.path_sgd, "r-", f"SGD (batch {self.batch})"),
        ):
            arr = np.array(path)
            ax.plot(arr[:, 0], arr[:, 1], style, lw=1, ms=2, label=label)
        ax.plot(self.w_star, self.b_star, "y*", ms=14, label="least squares")
        ax.set(title="log L(w, b) and the two paths", xlabel="slope w", ylabel="intercept b")
        ax.legend()
        ax = axes[0, 1]
        w_line = np.linspace(ws[0], ws[-1], 200)
        x, y = self.x.cpu().numpy()[:, 0], self.y.cpu().numpy()[:, 0]
        b_fix = self.b_star
        ax.plot(w_line, [((w * x + b_fix - y) ** 2).mean() for w in w_line], "k-")
        steps = np.array(self.path_gd[:8])
        ax.plot(
            steps[:, 0],
            [((w * x + b_fix - y) ** 2).mean() for w in steps[:, 0]],
            "o--",
            label="first GD iterates (projected on b = b*)",
        )
        ax.set(title="1-D slice L(w) at b = b*", xlabel="w", ylabel="L")
        ax.legend()
        ax = axes[1, 0]
        hist = ctx.history
        plot_history(ax, hist, ["loss_sgd"], labels=["SGD"])
        plot_history(ax, hist, ["loss_gd"], labels=["GD"])
        ax.axhline(self.loss_min, color="grey", ls=":", label="minimum")
        ax.set(yscale="log", title="full-data loss", xlabel="step")
        ax.legend()
        ax = axes[1, 1]
        ax.scatter(x, y, s=6, alpha=0.5)
        w, b = self.path_sgd[-1]
        xs = np.array([-2, 2])
        ax.plot(xs, w * xs + b, "r-", label=f"SGD fit y = {w:.2f}x + {b:.2f}")
        ax.plot(xs, ctx.params["slope"] * xs + ctx.params["intercept"], "k--", label="true line")
        ax.set(title="data and fitted line", xlabel="x", ylabel="y")
        ax.legend()
        title = (
            f"sgd-descent: η = {ctx.params['lr']:g}, batch {self.batch}, "
            f"{ctx.total_steps} steps ({ctx.device})"
        )
        return [save_figure(out_dir, "sgd-descent", fig, title=title, dpi=110)]
