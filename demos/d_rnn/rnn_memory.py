"""Gradient connectivity through time: RNN vs LSTM vs GRU (questions d.04, d.05, d.12).

An RNN captures a dependency between step t and the end of the sequence only if the
gradient ∂h_T/∂x_t is large enough to learn from. Backpropagation through time writes it
as a product of one Jacobian per step,

    ∂h_T/∂x_t = (∏_{k=t+1..T} ∂h_k/∂h_{k−1}) · ∂h_t/∂x_t,

which for a linear RNN h_t = a·h_{t−1} + x_t is exactly a^{T−t}: it vanishes for |a| < 1
and explodes for |a| > 1 (d.05). A vanilla tanh RNN behaves like that product; the
additive cell update of the LSTM (and the interpolation of the GRU) keeps a path whose
factor is a gate close to 1 (d.04). Exploding gradients are tamed by clipping the global
norm, g ← g·min(1, c/‖g‖), which keeps the direction and bounds the step (d.12).

Live: the three cells learn to recall the first symbol of a sequence after distractors;
the heatmap shows log10 ‖∂h_T/∂x_t‖ over t for each cell, together with the accuracy and
the gradient norm before clipping. ``rnn_scale`` > 1 multiplies the vanilla RNN's
recurrent matrix at initialisation, to see gradients explode and clipping act.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import jacrev

from demos.platform import Check, Demo, Frame, RunContext, heatmap, histogram
from demos.platform.data import RecallTask
from demos.platform.figures import image_panel, plot_history, save_figure, subplots

CELLS = ("rnn", "lstm", "gru")


def linear_rnn_gradients(a: torch.Tensor, steps: int) -> torch.Tensor:
    """∂h_T/∂x_t for h_t = A h_{t−1} + x_t by autograd: (T, n, n), t = 1..T."""
    n = a.shape[0]

    def final_state(x: torch.Tensor) -> torch.Tensor:  # x (T, n)
        h = torch.zeros(n, dtype=a.dtype, device=a.device)
        for t in range(steps):
            h = a @ h + x[t]
        return h

    x = torch.zeros(steps, n, dtype=a.dtype, device=a.device)
    return jacrev(final_state)(x).permute(1, 0, 2)  # (T, n, n): [t, i, j] = ∂h_T,i/∂x_t,j


def check_linear_rnn(device: Any, grads: Callable[..., Any] = linear_rnn_gradients) -> Check:
    """Scalar a: gradient == a^{T−t}; matrix A: gradient == A^{T−t} (matrix_power)."""
    steps, worst, rows = 20, 0.0, []
    for a in (0.5, 0.9, 1.0, 1.1):
        g = grads(torch.tensor([[a]], dtype=torch.float64, device=device), steps)[:, 0, 0]
        want = a ** torch.arange(steps - 1, -1, -1, dtype=torch.float64, device=device)
        worst = max(worst, ((g - want).abs() / want).max().item())
        rows.append(f"a={a}: ∂h_T/∂x_1 = {g[0].item():.3g}")
    gen = torch.Generator().manual_seed(0)
    mat = torch.randn(4, 4, generator=gen, dtype=torch.float64).to(device) / 2
    g = grads(mat, steps)
    want = torch.stack([torch.linalg.matrix_power(mat, steps - 1 - t) for t in range(steps)])
    worst = max(worst, ((g - want).abs().max() / want.abs().max()).item())
    return Check(
        "linear-rnn-gradient",
        worst <= 1e-12,
        f"autograd ∂h_T/∂x_t == a^(T−t) and A^(T−t) (T = {steps}), max rel. error "
        f"{worst:.1e}; " + ", ".join(rows),
    )


def clip_by_norm(params: list[Any], max_norm: float) -> Any:
    return torch.nn.utils.clip_grad_norm_(params, max_norm)


def check_clipping(device: Any, clip: Callable[..., Any] = clip_by_norm) -> Check:
    """A large gradient is scaled to norm c (same direction); a small one is untouched."""
    gen = torch.Generator().manual_seed(1)
    ok, rows = True, []
    for scale, c in ((100.0, 1.0), (0.01, 1.0), (5.0, 0.5)):
        params = [torch.zeros(s, device=device, requires_grad=True) for s in ((3, 4), (7,))]
        for q in params:
            q.grad = (torch.randn(q.shape, generator=gen) * scale).to(device)
        before = torch.cat([q.grad.flatten() for q in params])
        returned = float(clip(params, c))
        after = torch.cat([q.grad.flatten() for q in params])
        norm = before.norm().item()
        want = before * min(1.0, c / norm)
        ok &= abs(returned - norm) <= 1e-5 * norm  # reports the norm before clipping
        ok &= after.norm().item() <= c * (1 + 1e-5)
        ok &= (after - want).abs().max().item() <= 1e-6 * max(1.0, norm)
        rows.append(f"‖g‖ {norm:.3g} → {after.norm().item():.3g} (c = {c})")
    return Check(
        "clipping-bounds-norm",
        bool(ok),
        "clip_grad_norm_ == g·min(1, c/‖g‖), direction kept: " + "; ".join(rows),
    )


def connectivity(model: Any, x: torch.Tensor) -> torch.Tensor:
    """‖∂h_T/∂x_t‖_F for every t, averaged over the sequences of x (B, T, V) → (T,).

    One backward pass: the batch is repeated once per hidden unit and each copy
    back-propagates from its own unit of h_T.
    """
    b = x.shape[0]
    hidden = model.hidden_size
    xr = x.repeat(hidden, 1, 1).requires_grad_(True)  # (H·B, T, V)
    out, _ = model(xr)  # (H·B, T, H)
    select = torch.eye(hidden, device=x.device).repeat_interleave(b, dim=0)  # (H·B, H)
    (g,) = torch.autograd.grad(out[:, -1], xr, grad_outputs=select)
    g = g.reshape(hidden, b, *x.shape[1:])  # (H, B, T, V)
    return g.pow(2).sum(dim=(0, 3)).sqrt().mean(0)  # (T,)


class RNNMemory(Demo):
    floor: ClassVar[float] = 0.9

    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        self.task = RecallTask(p["length"], p["symbols"], 4)
        v, h = self.task.vocab, p["hidden"]
        self.models, self.heads = {}, {}
        for cell in CELLS:
            model = getattr(nn, cell.upper())(v, h, batch_first=True)  # built on the CPU
            with torch.no_grad():
                if cell == "rnn":
                    model.weight_hh_l0.mul_(p["rnn_scale"])
                else:  # the memory gate is block 1 in both layouts (i,f,g,o / r,z,n)
                    model.bias_hh_l0[h : 2 * h] += p["gate_bias"]
            self.models[cell] = model.to(ctx.device)
            self.heads[cell] = nn.Linear(h, p["symbols"]).to(ctx.device)
        x, y = self.task.sample(256, ctx.rng(offset=1))
        self.eval_x = self._onehot(torch.from_numpy(x).to(ctx.device))
        self.eval_y = torch.from_numpy(y).to(ctx.device)

    def _onehot(self, tokens: torch.Tensor) -> torch.Tensor:
        return F.one_hot(tokens, self.task.vocab).float()  # (B, T, V)

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        dev = torch.device("cpu") if ctx.device.type == "mps" else ctx.device
        yield check_linear_rnn(dev)
        yield check_clipping(ctx.device)

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        opts = {
            c: torch.optim.Adam(
                [*self.models[c].parameters(), *self.heads[c].parameters()], p["lr"]
            )
            for c in CELLS
        }
        rng = ctx.rng(offset=2)
        self.rows: list[torch.Tensor] = []
        for step in range(ctx.total_steps):
            tokens, y = self.task.sample(p["batch"], rng)
            x = self._onehot(torch.from_numpy(tokens).to(ctx.device))
            y = torch.from_numpy(y).to(ctx.device)
            losses, norms = {}, {}
            for c in CELLS:
                out, _ = self.models[c](x)
                loss = F.cross_entropy(self.heads[c](out[:, -1]), y)
                opts[c].zero_grad(set_to_none=True)
                loss.backward()
                params = [*self.models[c].parameters(), *self.heads[c].parameters()]
                if p["clip"] > 0:
                    norms[c] = clip_by_norm(params, p["clip"])
                else:
                    norms[c] = torch.cat([q.grad.flatten() for q in params]).norm()
                opts[c].step()
                losses[c] = loss
            if ctx.wants(step):
                yield self._frame(ctx, step, losses, norms)

    def _frame(self, ctx: RunContext, step: int, losses, norms) -> Frame:
        metrics: dict[str, float] = {}
        probe = self.eval_x[: ctx.params["probe"]]
        conn = []
        for c in CELLS:
            with torch.no_grad():
                out, _ = self.models[c](self.eval_x)
                acc = (self.heads[c](out[:, -1]).argmax(1) == self.eval_y).float().mean()
            g = torch.log10(connectivity(self.models[c], probe).clamp_min(1e-30))  # (T,)
            conn.append(g)
            metrics[f"loss_{c}"] = losses[c].item()
            metrics[f"acc_{c}"] = acc.item()
            metrics[f"grad_{c}"] = float(norms[c])
            metrics[f"reach_{c}"] = (g[0] - g[-1]).item()
        table = torch.stack(conn)  # (3, T)
        if ctx.should_record(step):
            self.rows.append(table.cpu())
        self.connectivity_table = table.cpu()
        return Frame(
            step=step,
            metrics=metrics,
            heatmaps=[heatmap("log10 ‖∂h_T/∂x_t‖ (rows: RNN, LSTM, GRU)", table, "t", "cell")],
            histograms=[
                histogram(
                    "gradient norm before clipping",
                    [float(norms[c]) for c in CELLS],
                    [c.upper() for c in CELLS],
                )
            ],
        )

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        best = max(f.get("acc_lstm", math.nan), f.get("acc_gru", math.nan))
        chance = 1 / ctx.params["symbols"]
        reach = ", ".join(f"{c.upper()} {f.get(f'reach_{c}', math.nan):.1f}" for c in CELLS)
        return Check(
            "learning",
            bool(best >= self.floor),
            f"best gated cell held-out accuracy {best:.3f} (floor {self.floor}, chance "
            f"{chance:.2f}); vanilla RNN {f.get('acc_rnn', math.nan):.3f}; "
            f"log10 ‖∂h_T/∂x_1‖/‖∂h_T/∂x_T‖: {reach}",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist = ctx.history
        fig, axes = subplots(2, 3, (14, 8))
        first, last = self.rows[0], self.rows[-1]
        t = range(1, first.shape[1] + 1)
        for k, c in enumerate(CELLS):
            axes[0, 0].plot(t, first[k].numpy(), "--", color=f"C{k}", label=f"{c.upper()} init")
            axes[0, 0].plot(t, last[k].numpy(), "-", color=f"C{k}", label=f"{c.upper()} end")
            for ax, key in ((axes[0, 1], "acc"), (axes[0, 2], "grad"), (axes[1, 0], "reach")):
                plot_history(ax, hist, [f"{key}_{c}"], labels=[c.upper()], color=f"C{k}")
        axes[0, 0].set(title="log10 ‖∂h_T/∂x_t‖", xlabel="t")
        axes[0, 1].axhline(1 / ctx.params["symbols"], color="grey", ls=":", label="chance")
        axes[0, 1].set(title="held-out accuracy", xlabel="step", ylim=(0, 1.02))
        if ctx.params["clip"] > 0:
            axes[0, 2].axhline(ctx.params["clip"], color="grey", ls=":", label="clip c")
        axes[0, 2].set(title="gradient norm before clipping", xlabel="step", yscale="log")
        axes[1, 0].set(title="log10 ‖∂h_T/∂x_1‖ / ‖∂h_T/∂x_T‖", xlabel="step")
        for ax in (axes[0, 0], axes[0, 1], axes[0, 2], axes[1, 0]):
            ax.legend(fontsize=8)
        ax = axes[1, 1]
        for a in (0.8, 0.95, 1.0, 1.05):
            ax.plot(range(1, 31), [a ** (30 - s) for s in range(1, 31)], label=f"a = {a}")
        ax.set(title="linear RNN: ∂h_T/∂x_t = a^(T−t), T = 30", xlabel="t", yscale="log")
        ax.legend(fontsize=8)
        image_panel(fig, axes[1, 2], last, cmap="magma", aspect="auto")
        axes[1, 2].set(title="log10 ‖∂h_T/∂x_t‖ at the end", xlabel="t", yticks=range(3))
        axes[1, 2].set_yticklabels([c.upper() for c in CELLS])
        p = ctx.params
        title = (
            f"rnn-memory: recall after {p['length'] - 2} distractors, clip={p['clip']}, "
            f"rnn_scale={p['rnn_scale']}, {ctx.device}"
        )
        return [save_figure(out_dir, "rnn-memory", fig, title=title, dpi=100)]
