"""Shared machinery of the gate demos (``lstm-gates``, ``gru-gates``).

The gated network is trained as ``nn.LSTM``/``nn.GRU`` (cuDNN on a GPU, one fused kernel
per sequence), next to a vanilla ``nn.RNN`` on the same batches, on a memory task: recall
the first symbol after a run of distractors. What the student sees — the gates over time
— comes from a cell written by hand (each demo file holds its own equations) run on the
*same* weight tensors: :func:`cell_weights` hands the layer's ``weight_ih_l0`` …
``bias_hh_l0`` to the hand cell under PyTorch's names and layout (gates stacked along
dim 0, two biases). The checks prove that cell equal to ``nn.LSTM``/``nn.GRU`` in
float64, and every recorded step compares the traced outputs with the trained layer's.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from demos.platform import Check, Demo, Frame, RunContext, heatmap
from demos.platform.data import RecallTask
from demos.platform.figures import image_panel, plot_history, plt, save_figure

WEIGHTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def cell_weights(layer: nn.RNNBase) -> dict[str, torch.Tensor]:
    """Layer 0's parameters by the hand cell's names: the very tensors, not copies."""
    return {name: getattr(layer, name + "_l0") for name in WEIGHTS}


class GateDemo(Demo):
    """A gated layer (trained fused, traced by hand) vs a vanilla RNN on the recall task."""

    gates: ClassVar[int]  # 4 for LSTM (i, f, g, o), 3 for GRU (r, z, n)
    shown: ClassVar[tuple[str, ...]]  # what the heatmaps show, in order
    holder: ClassVar[str]  # the gate that holds memory ("f" for LSTM, "z" for GRU)
    reference: ClassVar[str]  # "LSTM" or "GRU" (the torch.nn class)
    accuracy_floor: ClassVar[float] = 0.9
    trace_tolerance: ClassVar[float] = 1e-2  # float32 (TF32 in cuDNN) vs the hand cell

    # -- hooks each cell implements ----------------------------------------------

    def zero_state(self, batch: int, hidden: int, like: torch.Tensor) -> tuple:
        raise NotImplementedError

    def cell(self, x: torch.Tensor, state: tuple, p: Any) -> tuple[tuple, dict[str, Any]]:
        """One time step: (new state, {name: (B, H) tensor} for the heatmaps)."""
        raise NotImplementedError

    # -- model -------------------------------------------------------------------

    def unroll(self, p: Any, x: torch.Tensor, state: tuple | None = None, record: bool = False):
        """Run the hand cell over x (B, T, I); returns (outputs (B, T, H), final state, trace)."""
        b, t, _ = x.shape
        hidden = p["weight_hh"].shape[1]
        state = state if state is not None else self.zero_state(b, hidden, x)
        outs, trace = [], {}
        for step in range(t):
            state, parts = self.cell(x[:, step], state, p)
            outs.append(state[0])
            if record:
                for key, value in parts.items():
                    trace.setdefault(key, []).append(value)
        stacked = {k: torch.stack(v, dim=1) for k, v in trace.items()}  # each (B, T, H)
        return torch.stack(outs, dim=1), state, stacked

    def setup(self, ctx: RunContext) -> None:
        p = ctx.params
        self.task = RecallTask(p["length"], p["symbols"], p["distractors"])
        v, h = self.task.vocab, p["hidden"]
        # built on the CPU so that a seed gives the same start on every device
        self.net = getattr(nn, self.reference)(v, h, batch_first=True)
        with torch.no_grad():  # gate blocks are stacked; the memory gate is block 1 in both
            self.net.bias_hh_l0[h : 2 * h] += p["gate_bias"]
        self.net.to(ctx.device)
        self.head = nn.Linear(h, p["symbols"]).to(ctx.device)
        self.rnn = nn.RNN(v, h, batch_first=True).to(ctx.device)
        self.rnn_head = nn.Linear(h, p["symbols"]).to(ctx.device)
        x, y = self.task.sample(256, ctx.rng(offset=1))
        self.eval_tokens = torch.from_numpy(x).to(ctx.device)
        self.eval_x = self._onehot(self.eval_tokens)
        self.eval_y = torch.from_numpy(y).to(ctx.device)

    def _onehot(self, tokens: torch.Tensor) -> torch.Tensor:
        return F.one_hot(tokens, self.task.vocab).float()  # (B, T, V)

    # -- checks ------------------------------------------------------------------

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        p = ctx.params
        v, h = self.task.vocab, p["hidden"]
        # float64 so the comparison tests the equations, not float32/TF32 rounding
        # (MPS has no float64: compare on the CPU there).
        dev = torch.device("cpu") if ctx.device.type == "mps" else ctx.device
        ref = getattr(nn, self.reference)(v, h, batch_first=True).to(dev, torch.float64)
        hand = {k: w.detach().to(dev, torch.float64) for k, w in cell_weights(self.net).items()}
        with torch.no_grad():
            for name, w in hand.items():
                getattr(ref, name + "_l0").copy_(w)
            gen = torch.Generator(device="cpu").manual_seed(ctx.seed)
            x = torch.randn(8, 12, v, generator=gen, dtype=torch.float64).to(dev)
            state = tuple(
                torch.randn(8, h, generator=gen, dtype=torch.float64).to(dev)
                for _ in self.zero_state(8, h, x)
            )
            out, final, _ = self.unroll(hand, x, state)
            ref_state = tuple(s[None] for s in state)  # (layers=1, B, H)
            ref_out, ref_final = ref(x, ref_state if len(state) > 1 else ref_state[0])
            ref_final = ref_final if isinstance(ref_final, tuple) else (ref_final,)
        diffs = {"h": (out - ref_out).abs().max().item()}
        if len(final) > 1:
            diffs["c"] = (final[1] - ref_final[1][0]).abs().max().item()
        worst = max(diffs.values())
        detail = ", ".join(f"max |Δ{k}| = {d:.1e}" for k, d in diffs.items())
        yield Check(
            f"equals-nn.{self.reference}",
            worst <= 1e-6,
            f"hand-written cell vs nn.{self.reference} with copied weights: {detail}",
        )

        ours = sum(w.numel() for w in cell_weights(self.net).values())
        theirs = sum(w.numel() for w in ref.parameters())
        formula = self.gates * (h * v + h * h + 2 * h)
        lstm = 4 * (h * v + h * h + 2 * h)
        yield Check(
            "parameter-count",
            ours == theirs == formula,
            f"{ours} parameters = {self.gates}·(H·I + H·H + 2H) with H={h}, I={v} "
            f"(nn.{self.reference}: {theirs}); an LSTM of the same size has {lstm}, "
            f"ratio {ours / lstm:.2f}",
        )

    # -- training ----------------------------------------------------------------

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        gated = list(self.net.parameters()) + list(self.head.parameters())
        plain = list(self.rnn.parameters()) + list(self.rnn_head.parameters())
        opt = torch.optim.Adam(gated, lr=p["lr"])
        opt_rnn = torch.optim.Adam(plain, lr=p["lr"])
        rng = ctx.rng(offset=2)
        self.probe_trace: dict[str, torch.Tensor] = {}
        for step in range(ctx.total_steps):
            tokens, y = self.task.sample(p["batch"], rng)
            tokens = torch.from_numpy(tokens).to(ctx.device)
            y = torch.from_numpy(y).to(ctx.device)
            x = self._onehot(tokens)  # (B, T, V)

            out, _ = self.net(x)  # the fused layer (cuDNN on CUDA)
            loss = F.cross_entropy(self.head(out[:, -1]), y)
            rnn_out, _ = self.rnn(x)
            rnn_loss = F.cross_entropy(self.rnn_head(rnn_out[:, -1]), y)
            for o, params, value in ((opt, gated, loss), (opt_rnn, plain, rnn_loss)):
                o.zero_grad(set_to_none=True)
                value.backward()
                if p["clip"] > 0:
                    torch.nn.utils.clip_grad_norm_(params, p["clip"])
                o.step()

            if ctx.wants(step):
                yield self._frame(ctx, step, loss, rnn_loss)

    def _frame(self, ctx: RunContext, step: int, loss, rnn_loss) -> Frame:
        p = ctx.params
        with torch.no_grad():
            out, _, trace = self.unroll(cell_weights(self.net), self.eval_x, record=True)
            fused, _ = self.net(self.eval_x)
            gap = (out - fused).abs().max().item()  # the traced cell is the trained layer
            acc = (self.head(fused[:, -1]).argmax(1) == self.eval_y).float().mean().item()
            rnn_out, _ = self.rnn(self.eval_x)
            rnn_acc = (self.rnn_head(rnn_out[:, -1]).argmax(1) == self.eval_y).float().mean()
            units = self._memory_units(trace)
            hold = trace[self.holder][:, 1:-1, units].mean().item()  # over the distractors
        i = p["probe"] % len(self.eval_x)
        first = int(self.eval_tokens[i, 0])
        self.probe_trace = {k: trace[k][i].t().cpu() for k in self.shown}  # each (H, T)
        self.memory_units = units.cpu()
        metrics = {
            "loss": loss.item(),
            "accuracy": acc,
            "rnn_loss": rnn_loss.item(),
            "rnn_accuracy": rnn_acc.item(),
            f"{self.holder}_memory": hold,
            "trace_gap": gap,
        }
        maps = [
            heatmap(
                f"{k}  (sequence {i}, first symbol {first})",
                self.probe_trace[k],
                "t",
                "unit",
                key=f"gate-{k}",
                **self._scale(k),
            )
            for k in self.shown
        ]
        return Frame(step=step, metrics=metrics, heatmaps=maps)

    @staticmethod
    def _scale(name: str) -> dict[str, float]:
        """Gates live in [0, 1], candidates and states in [-1, 1]: fixed colour scales."""
        if name in ("i", "f", "o", "r", "z"):
            return {"vmin": 0.0, "vmax": 1.0}
        if name == "c":
            return {}
        return {"vmin": -1.0, "vmax": 1.0}

    def _memory_units(self, trace: dict[str, torch.Tensor], top: int = 4) -> torch.Tensor:
        """Units whose final state differs most between first symbols: they hold the memory."""
        state = trace["c"] if "c" in trace else trace["h"]
        final = state[:, -2]  # (B, H), the step before the query
        means = torch.stack(
            [final[self.eval_y == s].mean(0) for s in range(self.task.symbols)]
        )  # (S, H)
        spread = torch.nan_to_num(means.var(0))
        return spread.topk(min(top, spread.numel())).indices

    # -- judgement and figures ---------------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        acc = ctx.final.get("accuracy", math.nan)
        rnn = ctx.final.get("rnn_accuracy", math.nan)
        hold = ctx.final.get(f"{self.holder}_memory", math.nan)
        gap = max((h.get("trace_gap") or 0.0 for h in ctx.history), default=math.nan)
        chance = 1 / ctx.params["symbols"]
        return Check(
            "learning",
            bool(acc >= self.accuracy_floor and gap <= self.trace_tolerance),
            f"held-out accuracy {acc:.3f} (floor {self.accuracy_floor}, chance {chance:.2f}); "
            f"vanilla RNN {rnn:.3f}; mean {self.holder} on the memory units {hold:.2f}; "
            f"the traced hand cell matches the trained nn.{self.reference} to {gap:.1e} "
            f"(needs <= {self.trace_tolerance:g})",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        hist = ctx.history
        n = len(self.shown)
        fig = plt.figure(figsize=(4 * max(3, (n + 1) // 2), 9))
        grid = fig.add_gridspec(3, max(3, (n + 1) // 2))
        ax = fig.add_subplot(grid[0, 0])
        plot_history(
            ax,
            hist,
            ["accuracy", "rnn_accuracy"],
            labels=[f"{self.reference} (hand-traced)", "vanilla RNN"],
            title="held-out accuracy",
            ylim=(0, 1.02),
            legend=False,
        )
        ax.axhline(1 / ctx.params["symbols"], color="grey", ls=":", label="chance")
        ax.legend(fontsize=8)
        ax = fig.add_subplot(grid[0, 1])
        plot_history(
            ax,
            hist,
            ["loss", "rnn_loss"],
            labels=[self.reference, "vanilla RNN"],
            title="training loss",
        )
        ax = fig.add_subplot(grid[0, 2])
        plot_history(
            ax,
            hist,
            [f"{self.holder}_memory"],
            title=f"mean {self.holder} on memory units",
            ylim=(0, 1.02),
        )
        for k, name in enumerate(self.shown):
            ax = fig.add_subplot(grid[1 + k // grid.ncols, k % grid.ncols])
            data = self.probe_trace[name].numpy()
            cmap = "viridis" if name in ("i", "f", "o", "r", "z") else "coolwarm"
            image_panel(fig, ax, data, title=name, cmap=cmap, aspect="auto", **self._scale(name))
            ax.set(xlabel="t", ylabel="unit")
            for u in self.memory_units.tolist():
                ax.annotate("◂", (data.shape[1] - 0.5, u), fontsize=7, annotation_clip=False)
        probe = ctx.params["probe"] % len(self.eval_x)
        title = (
            f"{self.name}: recall task, length {ctx.params['length']}, "
            f"probe sequence {probe} (◂ = memory units), {ctx.device}"
        )
        return [save_figure(out_dir, self.name, fig, title=title)]
