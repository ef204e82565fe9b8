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

Vanishing, live: the three cells (Adam) learn the marked-recall task of the gate demos
(name the one marked symbol after a run of look-alike symbols); the heatmap shows
log10 ‖∂h_T/∂x_t‖ over t for each cell, with the accuracy and the gradient norm before
clipping: the RNN's gradient from the early steps is orders of magnitude weaker from
the start and it stays near chance, the gated cells keep theirs and learn.

Exploding, the contrast: two more vanilla RNNs start from one initialisation with W_hh
multiplied by ``explode_scale`` (a recurrent map that amplifies) and train by plain SGD
on the easier first-symbol recall (the first symbol, then distinct distractor tokens),
on the same batches, one clipped at c and one not. Unclipped, the first large gradients
become huge steps that saturate the tanh units and the network never recovers; clipped,
every step is at most lr·c and the same start learns. The GIF shows the connectivity
profiles of the three cells and the pair's held-out loss over training.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import jacrev

from demos.lib.recurrent import MarkedRecall, gif_picks, it_number
from demos.platform import Bilingual, Check, Demo, Frame, RunContext, heatmap, histogram
from demos.platform.data import RecallTask
from demos.platform.figures import (
    animation,
    image_panel,
    integer_ticks,
    plot_history,
    save_figure,
    subplots,
)

CELLS = ("rnn", "lstm", "gru")
TWINS = ("noclip", "clip")  # the exploding pair: same start, same batches, SGD
GIF_FRAMES = 25


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
    orders: ClassVar[float] = 2.0  # at init the RNN's reach is this many decades below
    margin: ClassVar[float] = 0.4  # best gated cell − vanilla RNN, held-out accuracy
    explosion: ClassVar[float] = 3.0  # the unclipped twin's peak ‖g‖ must reach this × c
    loss_margin: ClassVar[float] = 0.5  # unclipped − clipped held-out loss

    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        self.task = MarkedRecall(p["length"], p["symbols"])  # the three cells
        self.easy = RecallTask(p["length"], p["symbols"], 4)  # the exploding pair
        v, h = self.task.features, p["hidden"]
        # the exploding pair first (its start is the first draw of the run's seed): one
        # amplifying start, copied, so that only clipping differs
        twin = nn.RNN(self.easy.vocab, h, batch_first=True)
        with torch.no_grad():
            twin.weight_hh_l0.mul_(p["explode_scale"])
        twin_head = nn.Linear(h, p["symbols"])
        self.twins = {}
        for name in TWINS:
            model, head = copy.deepcopy(twin).to(ctx.device), copy.deepcopy(twin_head)
            self.twins[name] = (model, head.to(ctx.device))
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
        self.c = p["clip"] if p["clip"] > 0 else 1.0
        x, y, _, _ = self.task.sample(256, ctx.rng(offset=1))
        self.eval_x = torch.from_numpy(x).to(ctx.device)  # (B, T, F)
        self.eval_y = torch.from_numpy(y).to(ctx.device)
        x, y = self.easy.sample(256, ctx.rng(offset=3))
        self.easy_x = self._onehot(torch.from_numpy(x).to(ctx.device))
        self.easy_y = torch.from_numpy(y).to(ctx.device)

    def _onehot(self, tokens: torch.Tensor) -> torch.Tensor:
        return F.one_hot(tokens, self.easy.vocab).float()  # (B, T, V)

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
        twin_params = {n: [*m.parameters(), *h.parameters()] for n, (m, h) in self.twins.items()}
        twin_opts = {n: torch.optim.SGD(ps, lr=p["twin_lr"]) for n, ps in twin_params.items()}
        rng, easy_rng = ctx.rng(offset=5), ctx.rng(offset=2)  # the cells' and the pair's
        self.rows: list[tuple[int, torch.Tensor]] = []  # (step, (3, T)) at the recorded steps
        # peaks since the previous record: a spike between two records is not lost
        self.peaks = {f"{k}_{n}": 0.0 for k in ("grad", "step") for n in TWINS}
        for step in range(ctx.total_steps):
            x, y, _, _ = self.task.sample(p["batch"], rng)
            x = torch.from_numpy(x).to(ctx.device)  # (B, T, F)
            y = torch.from_numpy(y).to(ctx.device)
            tokens, easy_y = self.easy.sample(p["batch"], easy_rng)
            easy_x = self._onehot(torch.from_numpy(tokens).to(ctx.device))
            easy_y = torch.from_numpy(easy_y).to(ctx.device)
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
            for name, (model, head) in self.twins.items():
                out, _ = model(easy_x)
                loss = F.cross_entropy(head(out[:, -1]), easy_y)
                twin_opts[name].zero_grad(set_to_none=True)
                loss.backward()
                if name == "clip":
                    norm = float(clip_by_norm(twin_params[name], self.c))
                    applied = min(norm, self.c)
                else:
                    norm = float(torch.cat([q.grad.flatten() for q in twin_params[name]]).norm())
                    applied = norm
                twin_opts[name].step()
                self.peaks[f"grad_{name}"] = max(self.peaks[f"grad_{name}"], _finite(norm))
                self.peaks[f"step_{name}"] = max(
                    self.peaks[f"step_{name}"], _finite(p["twin_lr"] * applied)
                )
            if ctx.wants(step):
                yield self._frame(ctx, step, losses, norms)
        self.caption = self._caption(ctx)
        return self.caption

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
        with torch.no_grad():
            for name, (model, head) in self.twins.items():
                logits = head(model(self.easy_x)[0][:, -1])
                metrics[f"loss_{name}"] = F.cross_entropy(logits, self.easy_y).item()
                metrics[f"acc_{name}"] = (logits.argmax(1) == self.easy_y).float().mean().item()
        metrics.update(self.peaks)
        table = torch.stack(conn)  # (3, T)
        if ctx.should_record(step):
            self.peaks = dict.fromkeys(self.peaks, 0.0)
            self.rows.append((step, table.cpu()))  # the GIF picks among all records
            self.last_table = table.cpu()
        return Frame(
            step=step,
            metrics=metrics,
            heatmaps=[
                heatmap(
                    "log10 ‖∂h_T/∂x_t‖, t = 1…T (rows: RNN, LSTM, GRU)",
                    table,
                    "t − 1",
                    "cell",
                    key="connectivity",
                )
            ],
            histograms=[
                histogram(
                    "gradient norm before clipping (Adam cells)",
                    [float(norms[c]) for c in CELLS],
                    [c.upper() for c in CELLS],
                    key="grad-norms",
                ),
                histogram(
                    f"W_hh×{ctx.params['explode_scale']:g}, SGD: peak ‖g‖ since last record",
                    [metrics["grad_noclip"], metrics["grad_clip"]],
                    ["no clipping", f"clipped at {self.c:g}"],
                    key="explode",
                ),
            ],
        )

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        hist = ctx.history
        best = max(f.get("acc_lstm", math.nan), f.get("acc_gru", math.nan))
        rnn = f.get("acc_rnn", math.nan)
        chance = 1 / ctx.params["symbols"]
        start = hist[0] if hist else {}
        reach0 = {c: start.get(f"reach_{c}", math.nan) for c in CELLS}
        vanishing = reach0["rnn"] <= min(reach0["lstm"], reach0["gru"]) - self.orders
        peak = max((h.get("grad_noclip") or 0.0 for h in hist), default=0.0)
        step_cap = max((h.get("step_clip") or 0.0 for h in hist), default=0.0)
        bound = ctx.params["twin_lr"] * self.c
        noclip, clipped = f.get("loss_noclip"), f.get("loss_clip")
        noclip = math.inf if noclip is None else noclip  # NaN/inf losses are recorded as null
        clipped = math.inf if clipped is None else clipped
        ok = (
            best >= self.floor
            and best - rnn >= self.margin
            and vanishing
            and peak >= self.explosion * self.c
            and step_cap <= bound * (1 + 1e-3)
            and noclip - clipped >= self.loss_margin
        )
        reach = ", ".join(f"{c.upper()} {reach0[c]:.1f}" for c in CELLS)
        return Check(
            "learning",
            bool(ok),
            f"marked recall: best gated cell held-out accuracy {best:.3f} (floor {self.floor}, "
            f"chance {chance:.2f}), vanilla RNN {rnn:.3f} (must trail by >= {self.margin}); "
            f"at step 0 log10 ‖∂h_T/∂x_1‖/‖∂h_T/∂x_T‖ "
            f"is {reach} (the RNN's must be >= {self.orders:g} orders below both gated "
            f"cells'). Exploding pair on first-symbol recall (W_hh×"
            f"{ctx.params['explode_scale']:g}, SGD lr "
            f"{ctx.params['twin_lr']:g}): unclipped peak ‖g‖ {peak:.3g} (needs >= "
            f"{self.explosion:g}·c = {self.explosion * self.c:g}), clipped steps <= "
            f"{step_cap:.3g} (bound lr·c = {bound:.3g}); held-out loss unclipped "
            f"{noclip:.3f} vs clipped {clipped:.3f} (must be higher by >= {self.loss_margin})",
        )

    def _caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, from the run's first and last records."""
        f = ctx.final
        p = ctx.params
        start = ctx.history[0] if ctx.history else {}
        peak = max((h.get("grad_noclip") or 0.0 for h in ctx.history), default=0.0)
        r0 = {c: pow10(start.get(f"reach_{c}", math.nan)) for c in CELLS}
        acc = {c: f.get(f"acc_{c}", math.nan) for c in (*CELLS, *TWINS)}
        loss = {n: f.get(f"loss_{n}") for n in TWINS}
        shown = {n: "∞" if v is None else f"{v:.2f}" for n, v in loss.items()}
        shown_it = {n: "∞" if v is None else it_number(v) for n, v in loss.items()}
        scale = f"{p['explode_scale']:g}"
        c_it = f"{self.c:g}".replace(".", ",")
        chance = 1 / p["symbols"]
        return Bilingual(
            en=(
                f"At step 0 the gradient that reaches x_1 from h_T is {r0['rnn']} of the one "
                f"at x_T for the vanilla RNN, {r0['lstm']} for the LSTM and {r0['gru']} for "
                f"the GRU; on the marked recall the gated cells reach {acc['lstm']:.0%} and "
                f"{acc['gru']:.0%}, the RNN {acc['rnn']:.0%} (chance {chance:.0%}). Started "
                f"with W_hh×{scale} and trained by SGD on the first-symbol recall, a vanilla "
                f"RNN explodes: unclipped, its gradient norm peaks at {peak:.3g} and the steps "
                f"wreck it (held-out loss {shown['noclip']}, accuracy {acc['noclip']:.0%}); "
                f"clipped at c = {self.c:g} the same start learns (loss {shown['clip']}, "
                f"accuracy {acc['clip']:.0%})."
            ),
            it=(
                f"Al passo 0 il gradiente che arriva a x_1 da h_T è {r0['rnn']} di quello in "
                f"x_T per la RNN semplice, {r0['lstm']} per l'LSTM e {r0['gru']} per la GRU; "
                f"sul richiamo del simbolo contrassegnato le celle con porte arrivano al "
                f"{acc['lstm']:.0%} e al {acc['gru']:.0%}, la RNN al {acc['rnn']:.0%} (caso "
                f"{chance:.0%}). Partendo da W_hh×{scale} e addestrata con SGD sul richiamo "
                f"del primo simbolo, una RNN semplice esplode: senza clipping la norma del "
                f"gradiente arriva a {it_number(peak, 1)} e i passi la distruggono (loss di "
                f"test {shown_it['noclip']}, accuratezza {acc['noclip']:.0%}); con clipping a "
                f"c = {c_it} la stessa rete impara (loss {shown_it['clip']}, accuratezza "
                f"{acc['clip']:.0%})."
            ),
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        return [self._png(ctx, out_dir), self._gif(ctx, out_dir)]

    def _png(self, ctx: RunContext, out_dir: Path) -> Path:
        hist = ctx.history
        p = ctx.params
        fig, axes = subplots(2, 4, (20, 9.5))
        first, last = self.rows[0][1], self.last_table
        t = range(1, first.shape[1] + 1)
        ax = axes[0, 0]
        for k, c in enumerate(CELLS):
            ax.plot(t, first[k].numpy(), ":", color=f"C{k}", label=f"{c.upper()} at step 0")
            ax.plot(t, last[k].numpy(), "-", color=f"C{k}", label=f"{c.upper()} at the end")
        ax.set(title="log10 ‖∂h_T/∂x_t‖: how far back the gradient reaches", xlabel="t")
        integer_ticks(ax)
        ax.legend(fontsize=8)
        for k, c in enumerate(CELLS):
            plot_history(axes[0, 1], hist, [f"acc_{c}"], labels=[c.upper()], color=f"C{k}")
            plot_history(axes[0, 2], hist, [f"reach_{c}"], labels=[c.upper()], color=f"C{k}")
        axes[0, 1].axhline(1 / p["symbols"], color="grey", ls=":", label="chance")
        axes[0, 1].set(title="marked recall: held-out accuracy (Adam)", ylim=(0, 1.02))
        axes[0, 2].set(title="log10 ‖∂h_T/∂x_1‖ / ‖∂h_T/∂x_T‖", ylabel="orders of magnitude")
        for ax in axes[0, 1:3]:
            ax.legend(fontsize=8)
        ax = axes[0, 3]
        image_panel(
            fig,
            ax,
            last,
            cmap="magma",
            aspect="auto",
            extent=(0.5, last.shape[1] + 0.5, len(CELLS) - 0.5, -0.5),
        )
        ax.set(title="log10 ‖∂h_T/∂x_t‖ at the end", xlabel="t", yticks=range(len(CELLS)))
        ax.set_yticklabels([c.upper() for c in CELLS])
        integer_ticks(ax)
        # the exploding pair
        labels = ["no clipping", f"clipped at c = {self.c:g}"]
        ax = axes[1, 0]
        plot_history(ax, hist, ["grad_noclip", "grad_clip"], labels=labels, styles=["-", "--"])
        ax.axhline(self.c, color="grey", ls=":", label=f"c = {self.c:g}")
        ax.set(
            title=f"first-symbol recall, W_hh×{p['explode_scale']:g}, SGD: peak ‖g‖ before clip",
            yscale="log",
            ylabel="since the previous record",
        )
        ax.legend(fontsize=8)
        ax = axes[1, 1]
        plot_history(ax, hist, ["step_noclip", "step_clip"], labels=labels, styles=["-", "--"])
        ax.axhline(p["twin_lr"] * self.c, color="grey", ls=":", label="lr·c (the clip bound)")
        ax.set(title="peak parameter step ‖Δθ‖ = lr·‖g applied‖", yscale="log")
        ax.legend(fontsize=8)
        ax = axes[1, 2]
        plot_history(ax, hist, ["loss_noclip", "loss_clip"], labels=labels, styles=["-", "--"])
        ax.axhline(math.log(p["symbols"]), color="grey", ls=":", label="ln S (chance)")
        ax.set(title="held-out loss of the exploding pair (first-symbol recall)", ylabel="CE")
        ax.legend(fontsize=8)
        ax = axes[1, 3]
        steps = p["length"]
        for a in (0.8, 0.95, 1.0, 1.05, 1.2):
            ax.plot(
                range(1, steps + 1),
                [a ** (steps - s) for s in range(1, steps + 1)],
                label=f"a = {a}",
            )
        ax.set(
            title=f"linear RNN: ∂h_T/∂x_t = a^(T−t), T = {steps}",
            xlabel="t",
            yscale="log",
        )
        integer_ticks(ax)
        ax.legend(fontsize=8)
        title = (
            f"rnn-memory: top, vanishing (marked recall, length {p['length']}, clip="
            f"{p['clip']:g}); bottom, exploding (first-symbol recall, W_hh×"
            f"{p['explode_scale']:g}, SGD), {ctx.device}"
        )
        return save_figure(
            out_dir,
            "rnn-memory",
            fig,
            title=title,
            caption=f"{self.caption.en}\n{self.caption.it}",
        )

    def _gif(self, ctx: RunContext, out_dir: Path) -> Path:
        """Record by record: the cells' connectivity profiles and the exploding pair's loss."""
        fig, (ax, bx) = subplots(1, 2, (12, 4.4))
        rows = [self.rows[k] for k in gif_picks(len(self.rows), GIF_FRAMES)]
        t = range(1, rows[0][1].shape[1] + 1)
        lines = [
            ax.plot(t, rows[0][1][k].numpy(), "-o", ms=3, color=f"C{k}", label=c.upper())[0]
            for k, c in enumerate(CELLS)
        ]
        lo = min(float(r.min()) for _, r in self.rows)
        hi = max(float(r.max()) for _, r in self.rows)
        ax.set(ylim=(lo - 0.5, hi + 0.5), xlabel="t", ylabel="log10 ‖∂h_T/∂x_t‖")
        integer_ticks(ax)
        ax.legend(loc="lower right", fontsize=9)
        hist = ctx.history
        steps = [h["step"] for h in hist]
        curves = {
            n: [math.nan if h.get(f"loss_{n}") is None else h[f"loss_{n}"] for h in hist]
            for n in TWINS
        }
        twin_lines = {
            # dots on the records: at step 0 each run is one visible point, not an empty panel
            n: bx.plot([], [], style, marker="o", ms=3, label=label)[0]
            for n, style, label in (
                ("noclip", "-", "no clipping"),
                ("clip", "--", f"clipped at c = {self.c:g}"),
            )
        }
        top = max((v for c in curves.values() for v in c if math.isfinite(v)), default=2.0)
        bx.axhline(math.log(ctx.params["symbols"]), color="grey", ls=":", label="ln S (chance)")
        left = -0.03 * max(steps)  # room for the step-0 dots on the left edge
        bx.set(xlim=(left, max(steps)), ylim=(0, top * 1.1), xlabel="step", ylabel="held-out loss")
        bx.set_title(f"exploding pair: W_hh×{ctx.params['explode_scale']:g}, SGD")
        integer_ticks(bx)
        bx.legend(fontsize=9)
        accs = {h["step"]: h for h in hist}

        def update(n: int) -> None:
            step, table = rows[n]
            for k, line in enumerate(lines):
                line.set_ydata(table[k].numpy())
            upto = sum(1 for s in steps if s <= step)
            for name, line in twin_lines.items():
                line.set_data(steps[:upto], curves[name][:upto])
            rec = accs.get(step, {})
            ax.set_title(
                f"step {step}: accuracy RNN {rec.get('acc_rnn', 0):.2f}, LSTM "
                f"{rec.get('acc_lstm', 0):.2f}, GRU {rec.get('acc_gru', 0):.2f}"
            )

        update(0)
        fig.tight_layout()
        return animation(out_dir, "rnn-memory", fig, update, len(rows), fps=4)


def _finite(x: float) -> float:
    """A norm for the peak trackers: inf/NaN (a blown-up network) count as very large."""
    return x if math.isfinite(x) else 1e30


_SUPERSCRIPT = str.maketrans("0123456789-.", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻·")


def pow10(x: float, digits: int = 1) -> str:
    """10 to a decimal power, written 10⁻⁷·⁶ (readable in a terminal and under a figure)."""
    text = f"{x:.{digits}f}"
    text = text.removeprefix("-") if float(text) == 0 else text  # no "10⁻⁰·⁰"
    return "10" + text.translate(_SUPERSCRIPT)
