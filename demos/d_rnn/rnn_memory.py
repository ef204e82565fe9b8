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
from typing import TYPE_CHECKING, Any, ClassVar

from demos.framework import Check, Demo, Frame, Param, RunContext, heatmap, histogram

if TYPE_CHECKING:
    import torch

CELLS = ("rnn", "lstm", "gru")


def linear_rnn_gradients(a: torch.Tensor, steps: int) -> torch.Tensor:
    """∂h_T/∂x_t for h_t = A h_{t−1} + x_t by autograd: (T, n, n), t = 1..T."""
    import torch
    from torch.func import jacrev

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
    import torch

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
    import torch

    return torch.nn.utils.clip_grad_norm_(params, max_norm)


def check_clipping(device: Any, clip: Callable[..., Any] = clip_by_norm) -> Check:
    """A large gradient is scaled to norm c (same direction); a small one is untouched."""
    import torch

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
    import torch

    b = x.shape[0]
    hidden = model.hidden_size
    xr = x.repeat(hidden, 1, 1).requires_grad_(True)  # (H·B, T, V)
    out, _ = model(xr)  # (H·B, T, H)
    select = torch.eye(hidden, device=x.device).repeat_interleave(b, dim=0)  # (H·B, H)
    (g,) = torch.autograd.grad(out[:, -1], xr, grad_outputs=select)
    g = g.reshape(hidden, b, *x.shape[1:])  # (H, B, T, V)
    return g.pow(2).sum(dim=(0, 3)).sqrt().mean(0)  # (T,)


class RNNMemory(Demo):
    name = "rnn-memory"
    title = "Gradient connectivity through time: vanishing, exploding, clipping"
    questions = ("d.04", "d.05", "d.12")
    summary = (
        "RNN, LSTM and GRU learn to recall the first symbol after distractors; live "
        "log10 |dh_T/dx_t| over t per cell, gradient norms before clipping, accuracy."
    )
    params = (
        Param("steps", "int", 800, "training steps", 10, 100_000),
        Param("batch", "int", 64, "sequences per step", 4, 4096),
        Param("hidden", "int", 32, "hidden units (all cells)", 2, 512),
        Param("length", "int", 30, "sequence length", 3, 500),
        Param("symbols", "int", 4, "symbols to remember (chance = 1/symbols)", 2, 32),
        Param("lr", "float", 1e-2, "Adam learning rate", 1e-5, 1.0),
        Param("clip", "float", 1.0, "gradient-norm clipping c (0 = off)", 0.0, 100.0),
        Param("rnn_scale", "float", 1.0, "multiplies the vanilla RNN's W_hh at init", 0.0, 10.0),
        Param("gate_bias", "float", 3.0, "added to the LSTM f / GRU z bias at init", -5.0, 5.0),
        Param("probe", "int", 16, "held-out sequences averaged in the connectivity", 1, 256),
    )
    quick: ClassVar[dict[str, Any]] = {"steps": 250, "hidden": 24}
    plots: ClassVar[dict[str, tuple[str, ...]]] = {
        "held-out accuracy": ("acc_rnn", "acc_lstm", "acc_gru"),
        "gradient norm before clipping": ("grad_rnn", "grad_lstm", "grad_gru"),
        "log10 |dh_T/dx_1| / |dh_T/dx_T|": ("reach_rnn", "reach_lstm", "reach_gru"),
    }
    floor: ClassVar[float] = 0.9

    def setup(self, ctx: RunContext) -> None:
        import torch
        from torch import nn

        from demos.data import RecallTask

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
        import torch.nn.functional as F

        return F.one_hot(tokens, self.task.vocab).float()  # (B, T, V)

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        import torch

        dev = torch.device("cpu") if ctx.device.type == "mps" else ctx.device
        yield check_linear_rnn(dev)
        yield check_clipping(ctx.device)

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        import torch
        import torch.nn.functional as F

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
            if ctx.due(step):
                yield self._frame(ctx, step, losses, norms)

    def _frame(self, ctx: RunContext, step: int, losses, norms) -> Frame:
        import torch

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
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        hist = ctx.history
        steps = [h["step"] for h in hist]
        fig, axes = plt.subplots(2, 3, figsize=(14, 8))
        first, last = self.rows[0], self.rows[-1]
        t = range(1, first.shape[1] + 1)
        for k, c in enumerate(CELLS):
            axes[0, 0].plot(t, first[k].numpy(), "--", color=f"C{k}", label=f"{c.upper()} init")
            axes[0, 0].plot(t, last[k].numpy(), "-", color=f"C{k}", label=f"{c.upper()} end")
            axes[0, 1].plot(steps, [h[f"acc_{c}"] for h in hist], color=f"C{k}", label=c.upper())
            axes[0, 2].plot(steps, [h[f"grad_{c}"] for h in hist], color=f"C{k}", label=c.upper())
            axes[1, 0].plot(steps, [h[f"reach_{c}"] for h in hist], color=f"C{k}", label=c.upper())
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
        im = axes[1, 2].imshow(last.numpy(), aspect="auto", cmap="magma")
        axes[1, 2].set(title="log10 ‖∂h_T/∂x_t‖ at the end", xlabel="t", yticks=range(3))
        axes[1, 2].set_yticklabels([c.upper() for c in CELLS])
        fig.colorbar(im, ax=axes[1, 2], fraction=0.046)
        p = ctx.params
        fig.suptitle(
            f"rnn-memory: recall after {p['length'] - 2} distractors, clip={p['clip']}, "
            f"rnn_scale={p['rnn_scale']}, {ctx.device}"
        )
        fig.tight_layout()
        path = out_dir / "rnn-memory.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return [path]
