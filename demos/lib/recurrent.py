"""Shared machinery of the gate demos (``lstm-gates``, ``gru-gates``).

A gated cell written by hand (each demo file holds its own equations) is unrolled over a
memory task — recall the first symbol after a run of distractors — next to a vanilla
``nn.RNN`` trained on the same batches. The cell's parameters use PyTorch's names and
layout (``weight_ih``: gates stacked along dim 0, two biases), so the weights can be
copied into ``nn.LSTM``/``nn.GRU`` and the outputs compared.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from demos.framework import Check, Demo, Frame, Param, RunContext, heatmap

if TYPE_CHECKING:
    import torch

COMMON_PARAMS = (
    Param("steps", "int", 1500, "training steps", 10, 100_000),
    Param("batch", "int", 64, "sequences per step", 4, 4096),
    Param("hidden", "int", 24, "hidden units", 2, 512),
    Param("length", "int", 40, "sequence length (first symbol + distractors + query)", 3, 500),
    Param("symbols", "int", 4, "symbols to remember (chance = 1/symbols)", 2, 32),
    Param("distractors", "int", 4, "distinct distractor tokens", 1, 32),
    Param("lr", "float", 1e-2, "Adam learning rate (both models)", 1e-5, 1.0),
    Param("clip", "float", 1.0, "gradient-norm clipping (0 = off)", 0.0, 100.0),
    Param(
        "gate_bias",
        "float",
        3.0,
        "added to the initial bias of the memory gate (f or z); 0 = PyTorch's init",
        -10.0,
        10.0,
    ),
    Param("probe", "int", 0, "held-out sequence shown in the heatmaps", 0, 255),
)


def init_cell(gates: int, inputs: int, hidden: int, device) -> Any:
    """Parameters laid out as nn.LSTM/nn.GRU's layer 0, with PyTorch's uniform init."""
    import torch
    from torch import nn

    bound = 1.0 / math.sqrt(hidden)
    shapes = {
        "weight_ih": (gates * hidden, inputs),
        "weight_hh": (gates * hidden, hidden),
        "bias_ih": (gates * hidden,),
        "bias_hh": (gates * hidden,),
    }
    return nn.ParameterDict(
        {
            # drawn on the CPU so that a seed gives the same start on every device
            name: nn.Parameter(torch.empty(shape).uniform_(-bound, bound).to(device))
            for name, shape in shapes.items()
        }
    )


class GateDemo(Demo):
    """A hand-written gated cell vs a vanilla RNN on the recall task."""

    gates: ClassVar[int]  # 4 for LSTM (i, f, g, o), 3 for GRU (r, z, n)
    shown: ClassVar[tuple[str, ...]]  # what the heatmaps show, in order
    holder: ClassVar[str]  # the gate that holds memory ("f" for LSTM, "z" for GRU)
    reference: ClassVar[str]  # "LSTM" or "GRU" (the torch.nn class)
    accuracy_floor: ClassVar[float] = 0.9

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls.plots = {
            "held-out accuracy": ("accuracy", "rnn_accuracy"),
            "training loss": ("loss", "rnn_loss"),
            f"mean {cls.holder} on the memory units": (f"{cls.holder}_memory",),
        }

    # -- hooks each cell implements ----------------------------------------------

    def zero_state(self, batch: int, hidden: int, like: torch.Tensor) -> tuple:
        raise NotImplementedError

    def cell(self, x: torch.Tensor, state: tuple, p: Any) -> tuple[tuple, dict[str, Any]]:
        """One time step: (new state, {name: (B, H) tensor} for the heatmaps)."""
        raise NotImplementedError

    # -- model -------------------------------------------------------------------

    def unroll(self, p: Any, x: torch.Tensor, state: tuple | None = None, record: bool = False):
        """Run the cell over x (B, T, I); returns (outputs (B, T, H), final state, trace)."""
        import torch

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
        import torch
        from torch import nn

        from demos.data import RecallTask

        p = ctx.params
        self.task = RecallTask(p["length"], p["symbols"], p["distractors"])
        v, h = self.task.vocab, p["hidden"]
        self.cellp = init_cell(self.gates, v, h, ctx.device)
        with torch.no_grad():  # gate blocks are stacked; the memory gate is block 1 in both
            self.cellp["bias_hh"][h : 2 * h] += p["gate_bias"]
        self.head = nn.Linear(h, p["symbols"]).to(ctx.device)
        self.rnn = nn.RNN(v, h, batch_first=True).to(ctx.device)
        self.rnn_head = nn.Linear(h, p["symbols"]).to(ctx.device)
        x, y = self.task.sample(256, ctx.rng(offset=1))
        self.eval_tokens = torch.from_numpy(x).to(ctx.device)
        self.eval_x = self._onehot(self.eval_tokens)
        self.eval_y = torch.from_numpy(y).to(ctx.device)

    def _onehot(self, tokens: torch.Tensor) -> torch.Tensor:
        import torch.nn.functional as F

        return F.one_hot(tokens, self.task.vocab).float()  # (B, T, V)

    def _reference(self, inputs: int, hidden: int, device, dtype) -> Any:
        from torch import nn

        cls = getattr(nn, self.reference)
        return cls(inputs, hidden, batch_first=True).to(device=device, dtype=dtype)

    # -- checks ------------------------------------------------------------------

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        import torch

        p = ctx.params
        v, h = self.task.vocab, p["hidden"]
        # float64 so the comparison tests the equations, not float32/TF32 rounding
        # (MPS has no float64: compare on the CPU there).
        dev = torch.device("cpu") if ctx.device.type == "mps" else ctx.device
        ref = self._reference(v, h, dev, torch.float64)
        hand = {k: w.detach().to(dev, torch.float64) for k, w in self.cellp.items()}
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

        ours = sum(w.numel() for w in self.cellp.values())
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
        import torch
        import torch.nn.functional as F

        p = ctx.params
        gated = list(self.cellp.parameters()) + list(self.head.parameters())
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

            out, _, _ = self.unroll(self.cellp, x)
            loss = F.cross_entropy(self.head(out[:, -1]), y)
            rnn_out, _ = self.rnn(x)
            rnn_loss = F.cross_entropy(self.rnn_head(rnn_out[:, -1]), y)
            for o, params, value in ((opt, gated, loss), (opt_rnn, plain, rnn_loss)):
                o.zero_grad(set_to_none=True)
                value.backward()
                if p["clip"] > 0:
                    torch.nn.utils.clip_grad_norm_(params, p["clip"])
                o.step()

            if ctx.due(step):
                yield self._frame(ctx, step, loss, rnn_loss)

    def _frame(self, ctx: RunContext, step: int, loss, rnn_loss) -> Frame:
        import torch

        p = ctx.params
        with torch.no_grad():
            out, _, trace = self.unroll(self.cellp, self.eval_x, record=True)
            acc = (self.head(out[:, -1]).argmax(1) == self.eval_y).float().mean().item()
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
        }
        maps = [
            heatmap(f"{k}  (sequence {i}, first symbol {first})", self.probe_trace[k], "t", "unit")
            for k in self.shown
        ]
        return Frame(step=step, metrics=metrics, heatmaps=maps)

    def _memory_units(self, trace: dict[str, torch.Tensor], top: int = 4) -> torch.Tensor:
        """Units whose final state differs most between first symbols: they hold the memory."""
        import torch

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
        chance = 1 / ctx.params["symbols"]
        return Check(
            "learning",
            bool(acc >= self.accuracy_floor),
            f"held-out accuracy {acc:.3f} (floor {self.accuracy_floor}, chance {chance:.2f}); "
            f"vanilla RNN {rnn:.3f}; mean {self.holder} on the memory units {hold:.2f}",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        hist = ctx.history
        steps = [h["step"] for h in hist]
        n = len(self.shown)
        fig = plt.figure(figsize=(4 * max(3, (n + 1) // 2), 9))
        grid = fig.add_gridspec(3, max(3, (n + 1) // 2))
        ax = fig.add_subplot(grid[0, 0])
        ax.plot(steps, [h["accuracy"] for h in hist], label=f"{self.reference} (hand cell)")
        ax.plot(steps, [h["rnn_accuracy"] for h in hist], label="vanilla RNN")
        ax.axhline(1 / ctx.params["symbols"], color="grey", ls=":", label="chance")
        ax.set(title="held-out accuracy", xlabel="step", ylim=(0, 1.02))
        ax.legend()
        ax = fig.add_subplot(grid[0, 1])
        ax.plot(steps, [h["loss"] for h in hist], label=self.reference)
        ax.plot(steps, [h["rnn_loss"] for h in hist], label="vanilla RNN")
        ax.set(title="training loss", xlabel="step")
        ax.legend()
        ax = fig.add_subplot(grid[0, 2])
        ax.plot(steps, [h[f"{self.holder}_memory"] for h in hist])
        ax.set(title=f"mean {self.holder} on memory units", xlabel="step", ylim=(0, 1.02))
        for k, name in enumerate(self.shown):
            ax = fig.add_subplot(grid[1 + k // grid.ncols, k % grid.ncols])
            data = self.probe_trace[name].numpy()
            cmap = "viridis" if name in ("i", "f", "o", "r", "z") else "coolwarm"
            im = ax.imshow(data, aspect="auto", cmap=cmap, interpolation="nearest")
            ax.set(title=name, xlabel="t", ylabel="unit")
            for u in self.memory_units.tolist():
                ax.annotate("◂", (data.shape[1] - 0.5, u), fontsize=7, annotation_clip=False)
            fig.colorbar(im, ax=ax, fraction=0.046)
        probe = ctx.params["probe"] % len(self.eval_x)
        fig.suptitle(
            f"{self.name}: recall task, length {ctx.params['length']}, "
            f"probe sequence {probe} (◂ = memory units), {ctx.device}"
        )
        fig.tight_layout()
        path = out_dir / f"{self.name}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return [path]
