"""Shared machinery of the gate demos (``lstm-gates``, ``gru-gates``).

The gated network is trained as ``nn.LSTM``/``nn.GRU`` (cuDNN on a GPU, one fused kernel
per sequence), next to a vanilla ``nn.RNN`` on the same batches, on a memory task the
vanilla RNN cannot learn: :class:`MarkedRecall`, recall the one symbol that carried a
mark, after a run of other symbols of the same alphabet. Keeping it means carrying a
state past inputs that look just like the one to keep: the gated cells update their
memory by interpolation (LSTM: c' = f ⊙ c + i ⊙ g; GRU: h' = (1 − z) ⊙ n + z ⊙ h), with
gates computed from the input, while a tanh RNN recomputes h from every new symbol.
What the student sees — the gates over time — comes from a cell written by hand
(each demo file holds its own equations) run on the *same* weight tensors:
:func:`cell_weights` hands the layer's ``weight_ih_l0`` … ``bias_hh_l0`` to the hand cell
under PyTorch's names and layout (gates stacked along dim 0, two biases). The checks
prove that cell equal to ``nn.LSTM``/``nn.GRU`` in float64, and every recorded step
compares the traced outputs with the trained layer's.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from demos.platform import Bilingual, Check, Demo, Frame, RunContext, heatmap
from demos.platform.figures import (
    animation,
    image_panel,
    integer_ticks,
    plot_history,
    plt,
    save_figure,
)

WEIGHTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
BLOCKS = {"RNN": 1, "GRU": 3, "LSTM": 4}  # weight blocks per layer (gates + candidate)
GIF_FRAMES = 25  # training moments replayed in the GIF (every record in quick mode)


def cell_weights(layer: nn.RNNBase) -> dict[str, torch.Tensor]:
    """Layer 0's parameters by the hand cell's names: the very tensors, not copies."""
    return {name: getattr(layer, name + "_l0") for name in WEIGHTS}


@dataclass(frozen=True)
class MarkedRecall:
    """Recall the marked symbol: every step shows a symbol, one of them carries a mark.

    Features per step: a one-hot of the symbol (``symbols`` values), a mark flag and a
    query flag. The mark falls in the first half of the sequence, every later step shows
    another symbol of the same alphabet, and the last step is the query (no symbol). The
    answer is the marked symbol, so a model must write it once and then ignore at least
    ``length // 2 − 1`` look-alike inputs: overwriting is the vanilla RNN's failure.
    """

    length: int = 30
    symbols: int = 4

    @property
    def features(self) -> int:
        return self.symbols + 2

    def sample(
        self, n: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """x (n, T, F) float32, answers (n,), symbols (n, T) with −1 at the query, marks (n,)."""
        t = self.length
        symbols = rng.integers(0, self.symbols, size=(n, t))
        marks = rng.integers(0, max(1, (t - 1) // 2), size=n)
        symbols[:, -1] = -1
        x = np.zeros((n, t, self.features), dtype=np.float32)
        rows, steps = np.nonzero(symbols >= 0)
        x[rows, steps, symbols[rows, steps]] = 1.0
        x[np.arange(n), marks, self.symbols] = 1.0  # the mark
        x[:, -1, self.symbols + 1] = 1.0  # the query
        y = symbols[np.arange(n), marks]
        return x, y.astype(np.int64), symbols.astype(np.int64), marks.astype(np.int64)


def parameter_counts(inputs: int, hidden: int) -> dict[str, dict[str, int]]:
    """numel of nn.RNN / nn.GRU / nn.LSTM of one size, and the formula G·(H·I + H·H + 2H)."""
    out = {}
    for name, blocks in BLOCKS.items():
        layer = getattr(nn, name)(inputs, hidden)
        out[name] = {
            "numel": sum(w.numel() for w in layer.parameters()),
            "formula": blocks * (hidden * inputs + hidden * hidden + 2 * hidden),
        }
    return out


def check_parameters(
    reference: str, ours: int, inputs: int, hidden: int, counts: dict | None = None
) -> Check:
    """Our layer's count == nn's == the formula; GRU : LSTM : RNN = 3 : 4 : 1 exactly."""
    counts = counts or parameter_counts(inputs, hidden)
    exact = all(c["numel"] == c["formula"] for c in counts.values())
    lstm, gru, rnn = (counts[k]["numel"] for k in ("LSTM", "GRU", "RNN"))
    ratios = 4 * gru == 3 * lstm and 4 * rnn == lstm
    ok = exact and ratios and ours == counts[reference]["numel"]
    return Check(
        "parameter-count",
        bool(ok),
        f"our {reference} has {ours} parameters = {BLOCKS[reference]}·(H·I + H·H + 2H) with "
        f"H={hidden}, I={inputs}; nn.LSTM {lstm}, nn.GRU {gru} (= {gru / lstm:.2f} of the "
        f"LSTM: 3 weight blocks instead of 4), nn.RNN {rnn} ({rnn / lstm:.2f})",
    )


class GateDemo(Demo):
    """A gated layer (trained fused, traced by hand) vs a vanilla RNN on the recall task."""

    gates: ClassVar[int]  # 4 for LSTM (i, f, g, o), 3 for GRU (r, z, n)
    shown: ClassVar[tuple[str, ...]]  # what the heatmaps show, in order
    holder: ClassVar[str]  # the gate that holds memory ("f" for LSTM, "z" for GRU)
    writer: ClassVar[str]  # the gate recorded at the mark ("i" for LSTM, "z" for GRU)
    memory: ClassVar[str]  # the state that holds the symbol ("c" or "h")
    reference: ClassVar[str]  # "LSTM" or "GRU" (the torch.nn class)
    layout: ClassVar[tuple[tuple[str, ...], tuple[str, ...]]]  # two rows of heat panels
    equations: ClassVar[str]  # the cell, for the schematic panel
    accuracy_floor: ClassVar[float] = 0.9
    margin: ClassVar[float] = 0.4  # the gated cell must beat the vanilla RNN by this much
    trace_tolerance: ClassVar[float] = 1e-2  # float32 (TF32 in cuDNN) vs the hand cell

    # -- hooks each cell implements ----------------------------------------------

    def zero_state(self, batch: int, hidden: int, like: torch.Tensor) -> tuple:
        raise NotImplementedError

    def cell(self, x: torch.Tensor, state: tuple, p: Any) -> tuple[tuple, dict[str, Any]]:
        """One time step: (new state, {name: (B, H) tensor} for the heatmaps)."""
        raise NotImplementedError

    def caption_for(self, ctx: RunContext, f: dict[str, float]) -> Bilingual:
        """What to look for, from the run's last record ``f``."""
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
        self.task = MarkedRecall(p["length"], p["symbols"])
        v, h = self.task.features, p["hidden"]
        # built on the CPU so that a seed gives the same start on every device
        self.net = getattr(nn, self.reference)(v, h, batch_first=True)
        with torch.no_grad():  # gate blocks are stacked; the memory gate is block 1 in both
            self.net.bias_hh_l0[h : 2 * h] += p["gate_bias"]
        self.net.to(ctx.device)
        self.head = nn.Linear(h, p["symbols"]).to(ctx.device)
        self.rnn = nn.RNN(v, h, batch_first=True).to(ctx.device)
        self.rnn_head = nn.Linear(h, p["symbols"]).to(ctx.device)
        x, y, symbols, marks = self.task.sample(256, ctx.rng(offset=1))
        self.eval_x = torch.from_numpy(x).to(ctx.device)  # (B, T, F)
        self.eval_y = torch.from_numpy(y).to(ctx.device)
        self.eval_symbols, self.eval_marks = symbols, marks
        steps = np.arange(p["length"])[None, :]
        hold = (steps > marks[:, None]) & (steps < p["length"] - 1)  # after the mark
        self.hold_mask = torch.from_numpy(hold).to(ctx.device)  # (B, T)
        self.mark_index = torch.from_numpy(marks).to(ctx.device)
        self.counts = parameter_counts(v, h)

    # -- checks ------------------------------------------------------------------

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        p = ctx.params
        v, h = self.task.features, p["hidden"]
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
        yield check_parameters(self.reference, ours, v, h, self.counts)

    # -- training ----------------------------------------------------------------

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        gated = list(self.net.parameters()) + list(self.head.parameters())
        plain = list(self.rnn.parameters()) + list(self.rnn_head.parameters())
        opt = torch.optim.Adam(gated, lr=p["lr"])
        opt_rnn = torch.optim.Adam(plain, lr=p["lr"])
        rng = ctx.rng(offset=2)
        self.probe_trace: dict[str, torch.Tensor] = {}
        self.snapshots: list[dict[str, Any]] = []  # the GIF: the probe's gates over training
        for step in range(ctx.total_steps):
            x, y, _, _ = self.task.sample(p["batch"], rng)
            x = torch.from_numpy(x).to(ctx.device)  # (B, T, F)
            y = torch.from_numpy(y).to(ctx.device)

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
        self.caption = self.caption_for(ctx, ctx.final)
        return self.caption

    def _gate_means(self, trace: dict[str, torch.Tensor]) -> dict[str, float]:
        """Mean gates over all units and held-out sequences: at the mark, and after it."""
        rows = torch.arange(len(self.mark_index), device=self.mark_index.device)
        hold = self.hold_mask.float()[..., None]  # (B, T, 1)
        out = {}
        for name in {self.holder, self.writer}:
            g = trace[name]  # (B, T, H)
            out[f"{name}_hold"] = ((g * hold).sum() / (hold.sum() * g.shape[-1])).item()
            out[f"{name}_mark"] = g[rows, self.mark_index].mean().item()
        return out

    def _frame(self, ctx: RunContext, step: int, loss, rnn_loss) -> Frame:
        p = ctx.params
        with torch.no_grad():
            out, _, trace = self.unroll(cell_weights(self.net), self.eval_x, record=True)
            fused, _ = self.net(self.eval_x)
            gap = (out - fused).abs().max().item()  # the traced cell is the trained layer
            acc = (self.head(fused[:, -1]).argmax(1) == self.eval_y).float().mean().item()
            rnn_out, _ = self.rnn(self.eval_x)  # (B, T, H)
            rnn_acc = (self.rnn_head(rnn_out[:, -1]).argmax(1) == self.eval_y).float().mean()
            units = self._memory_units(trace)
            means = self._gate_means(trace)
        i = p["probe"] % len(self.eval_x)
        self.probe_trace = {k: trace[k][i].t().cpu() for k in self.shown}  # each (H, T)
        self.probe_trace["rnn"] = rnn_out[i].t().cpu()
        self.memory_units = units.cpu()
        metrics = {
            "loss": loss.item(),
            "accuracy": acc,
            "rnn_loss": rnn_loss.item(),
            "rnn_accuracy": rnn_acc.item(),
            f"{self.holder}_memory": means[f"{self.holder}_hold"],
            f"{self.writer}_mark": means[f"{self.writer}_mark"],
            "trace_gap": gap,
        }
        if self.writer != self.holder:
            metrics[f"{self.writer}_hold"] = means[f"{self.writer}_hold"]
        if ctx.should_record(step):  # the GIF picks among all records
            self.snapshots.append(
                {
                    "step": step,
                    "accuracy": acc,
                    "rnn_accuracy": rnn_acc.item(),
                    **{k: v.clone() for k, v in self.probe_trace.items()},
                }
            )
        mark = int(self.eval_marks[i])
        symbol = LETTERS[int(self.eval_y[i])]
        maps = [
            heatmap(
                f"{k} of sequence {i} (symbol {symbol} marked at t={mark})",
                self.probe_trace[k],
                "t",
                "unit",
                key=f"gate-{k}",
                **self._scale(k),
            )
            for k in self.shown
        ]
        maps.append(
            heatmap(
                f"vanilla RNN h of sequence {i} (same scale)",
                self.probe_trace["rnn"],
                "t",
                "unit",
                key="rnn-h",
                vmin=-1.0,
                vmax=1.0,
            )
        )
        tokens = np.stack(
            [self.eval_symbols[i], (np.arange(p["length"]) == mark).astype(float)]
        )  # (2, T)
        maps.insert(
            0,
            heatmap(
                f"input of sequence {i}: row 0 symbol (A=0 …, query −1), row 1 the mark",
                tokens,
                "t",
                "",
                key="tokens",
                vmin=-1.0,
                vmax=float(p["symbols"] - 1),
            ),
        )
        return Frame(step=step, metrics=metrics, heatmaps=maps)

    def _scale(self, name: str) -> dict[str, float]:
        """Gates live in [0, 1], candidates and h in [-1, 1]; c gets a symmetric scale."""
        if name in ("i", "f", "o", "r", "z"):
            return {"vmin": 0.0, "vmax": 1.0}
        if name == "c":
            top = float(self.probe_trace["c"].abs().max()) if self.probe_trace else 1.0
            top = max(1.0, math.ceil(top))
            return {"vmin": -top, "vmax": top}
        return {"vmin": -1.0, "vmax": 1.0}

    def _memory_units(self, trace: dict[str, torch.Tensor], top: int = 4) -> torch.Tensor:
        """Units whose final state differs most between answers: they hold the memory."""
        state = trace[self.memory]
        final = state[:, -2]  # (B, H), the step before the query
        means = torch.stack(
            [final[self.eval_y == s].mean(0) for s in range(self.task.symbols)]
        )  # (S, H)
        spread = torch.nan_to_num(means.var(0))
        return spread.topk(min(top, spread.numel())).indices

    # -- judgement and figures ---------------------------------------------------

    def learned(self, ctx: RunContext) -> Check:
        f = ctx.final
        acc = f.get("accuracy", math.nan)
        rnn = f.get("rnn_accuracy", math.nan)
        hold = f.get(f"{self.holder}_memory", math.nan)
        gap = max((h.get("trace_gap") or 0.0 for h in ctx.history), default=math.nan)
        chance = 1 / ctx.params["symbols"]
        ok = acc >= self.accuracy_floor and acc - rnn >= self.margin and gap <= self.trace_tolerance
        return Check(
            "learning",
            bool(ok),
            f"held-out accuracy {acc:.3f} (floor {self.accuracy_floor}, chance {chance:.2f}); "
            f"vanilla RNN {rnn:.3f}, so the {self.reference} leads by {acc - rnn:.3f} (needs "
            f">= {self.margin}); mean {self.holder} after the mark {hold:.2f}; the traced hand "
            f"cell matches the trained nn.{self.reference} to {gap:.1e} (needs <= "
            f"{self.trace_tolerance:g})",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        return [self._png(ctx, out_dir), self._gif(ctx, out_dir)]

    def _memory_keys(self) -> tuple[list[str], list[str]]:
        keys = [f"{self.holder}_memory", f"{self.writer}_mark"]
        labels = [f"{self.holder} after the mark", f"{self.writer} at the mark"]
        if self.writer != self.holder:
            keys.append(f"{self.writer}_hold")
            labels.append(f"{self.writer} after the mark")
        return keys, labels

    def _png(self, ctx: RunContext, out_dir: Path) -> Path:
        hist = ctx.history
        p = ctx.params
        fig = plt.figure(figsize=(19, 14.5))
        grid = fig.add_gridspec(3, 12, height_ratios=[3.2, 3.5, 3.5])
        ax = fig.add_subplot(grid[0, 0:3])
        plot_history(
            ax,
            hist,
            ["accuracy", "rnn_accuracy"],
            labels=[f"{self.reference} (hand-traced)", "vanilla RNN"],
            styles=["-", "--"],
            title="held-out accuracy: the contrast",
            ylim=(0, 1.02),
            legend=False,
        )
        ax.axhline(1 / p["symbols"], color="grey", ls=":", label=f"chance 1/{p['symbols']}")
        ax.legend(fontsize=9)
        ax = fig.add_subplot(grid[0, 3:6])
        plot_history(
            ax,
            hist,
            ["loss", "rnn_loss"],
            labels=[self.reference, "vanilla RNN"],
            styles=["-", "--"],
            title="training loss (cross-entropy)",
        )
        ax.axhline(math.log(p["symbols"]), color="grey", ls=":", label="ln S (chance)")
        ax.legend(fontsize=9)
        ax = fig.add_subplot(grid[0, 6:9])
        keys, labels = self._memory_keys()
        plot_history(
            ax,
            hist,
            keys,
            labels=labels,
            styles=["-", "-o", "--"],
            title="gates (mean over units and sequences)",
            ylim=(0, 1.02),
            ms=3,
        )
        self._draw_parameters(fig.add_subplot(grid[0, 9:12]), p)
        probe = p["probe"] % len(self.eval_x)
        for row, names in enumerate(self.layout):
            width = 12 // len(names)
            for col, name in enumerate(names):
                cols = slice(col * width, (col + 1) * width)
                ax = fig.add_subplot(grid[1 + row, cols])
                if name == "equations":
                    self._draw_equations(ax)
                    continue
                self._draw_heat(fig, ax, name, self.probe_trace[name], probe)
                self._draw_strip(ax, probe, letters=True)
        title = (
            f"{self.name}: recall the marked symbol, length {p['length']}, {p['symbols']} "
            f"symbols, {ctx.total_steps} steps, probe sequence {probe} (◂ = memory units), "
            f"{ctx.device}"
        )
        fig.suptitle(title, y=1.0, va="bottom")  # above the charts' own titles
        return save_figure(out_dir, self.name, fig, caption=f"{self.caption.en}\n{self.caption.it}")

    def _draw_parameters(self, ax: Any, p: Any) -> None:
        """Parameters of RNN, GRU and LSTM of one size: 1 : 3 : 4 weight blocks."""
        names = ("RNN", "GRU", "LSTM")
        values = [self.counts[n]["numel"] for n in names]
        colours = ["tab:grey", "tab:green" if self.reference == "GRU" else "tab:olive", "tab:blue"]
        bars = ax.bar(names, values, color=colours)
        for bar, name, v in zip(bars, names, values, strict=True):
            share = v / self.counts["LSTM"]["numel"]
            ax.text(
                bar.get_x() + bar.get_width() / 2,
                v,
                f"{v}\n({BLOCKS[name]} blocks, {share:.2f}×)",
                ha="center",
                va="bottom",
                fontsize=9,
            )
        ax.set_ylim(0, max(values) * 1.3)
        ax.set(
            title=f"parameters, H={p['hidden']}, I={self.task.features}: G·(H·I+H·H+2H)",
            ylabel="parameters",
        )

    def _draw_strip(self, ax: Any, probe: int, letters: bool = True) -> None:
        """The probe's input as a row of coloured cells above a heatmap, sharing its t axis.

        Drawn inside the heatmap's axes (rows −2.6…−0.6), so the cells line up with the
        heatmap's columns whatever the colour bar takes; the marked step is outlined, the
        query is '?'.
        """
        symbols = self.eval_symbols[probe]
        mark = int(self.eval_marks[probe])
        colours = plt.get_cmap("tab10")
        t = len(symbols)
        image = np.ones((1, t, 3))
        for k, s in enumerate(symbols):
            if s >= 0:
                image[0, k] = 0.45 + 0.55 * np.array(colours(int(s))[:3])
        bottom, top = -0.6, -2.6
        ax.imshow(
            image, aspect="auto", interpolation="nearest", extent=(-0.5, t - 0.5, bottom, top)
        )
        for k, s in enumerate(symbols if letters else ()):
            ax.text(
                k,
                (bottom + top) / 2,
                "?" if s < 0 else LETTERS[int(s)],
                ha="center",
                va="center",
                fontsize=8 if t <= 45 else 6,
                fontweight="bold" if k == mark else "normal",
            )
        ax.add_patch(plt.Rectangle((mark - 0.5, top), 1, bottom - top, fill=False, ec="red", lw=2))
        rows = ax.get_images()[0].get_array().shape[0]  # the heatmap drawn first
        ax.set_ylim(rows - 0.5, top)
        ticks = list(range(0, rows, max(1, rows // 6)))
        ax.set_yticks([(bottom + top) / 2, *ticks])
        ax.set_yticklabels(["input", *map(str, ticks)])

    def _draw_heat(self, fig: Any, ax: Any, name: str, data: torch.Tensor, probe: int) -> Any:
        """One state or gate of the probe over time, on its fixed scale, mark dashed."""
        scale = self._scale("h" if name == "rnn" else name)
        cmap = "viridis" if scale["vmin"] == 0.0 else "coolwarm"
        im = image_panel(fig, ax, data, cmap=cmap, aspect="auto", **scale)
        mark = int(self.eval_marks[probe])
        ax.axvline(mark, color="red", ls="--", lw=1)
        title = {**_TITLES, **self.titles}.get(name, name)
        ax.set(xlabel="t (time step)", ylabel="unit")
        ax.set_title(title, fontsize=11)
        if name != "rnn":
            for u in self.memory_units.tolist():
                ax.annotate(
                    "◂", (data.shape[1] - 0.5, u), fontsize=8, annotation_clip=False, va="center"
                )
        integer_ticks(ax, x=True)
        return im

    def _draw_equations(self, ax: Any) -> None:
        ax.axis("off")
        ax.set_title(f"the {self.reference} cell (hand-written, == nn.{self.reference})")
        ax.text(0.0, 0.95, self.equations, family="monospace", va="top", fontsize=10.5)

    def _gif(self, ctx: RunContext, out_dir: Path) -> Path:
        """The probe's key gates over training: the write at the mark and the hold after it."""
        names = self.gif_panels
        snaps = [self.snapshots[k] for k in gif_picks(len(self.snapshots))]
        probe = ctx.params["probe"] % len(self.eval_x)
        fig, axes = plt.subplots(1, len(names), figsize=(3.5 * len(names), 4.0))
        images = []
        for ax, name in zip(axes, names, strict=True):
            scale = self._scale("h" if name == "rnn" else name)
            if name == "c":  # one scale for the whole animation
                top = max(1.0, math.ceil(max(float(s["c"].abs().max()) for s in snaps)))
                scale = {"vmin": -top, "vmax": top}
            cmap = "viridis" if scale["vmin"] == 0.0 else "coolwarm"
            images.append(image_panel(fig, ax, snaps[0][name], cmap=cmap, aspect="auto", **scale))
            ax.axvline(int(self.eval_marks[probe]), color="red", ls="--", lw=1)
            ax.set_title({**_TITLES, **self.titles}.get(name, name), fontsize=9)
            self._draw_strip(ax, probe, letters=False)
            ax.set_xticks([])  # few labels: text is what costs most in every frame
            ax.set_yticks([])
            ax.set(xlabel="t →", ylabel="units (top row: the input)")
            lo, hi = scale["vmin"], scale["vmax"]
            images[-1].colorbar.set_ticks([lo, (lo + hi) / 2, hi])

        def update(n: int) -> None:
            snap = snaps[n]
            for image, name in zip(images, names, strict=True):
                image.set_data(snap[name].numpy())
            fig.suptitle(
                f"{self.name}, step {snap['step']}: accuracy {self.reference} "
                f"{snap['accuracy']:.2f}, vanilla RNN {snap['rnn_accuracy']:.2f}"
            )

        update(0)
        fig.tight_layout()
        # a gate of one colour at step 0 is the lesson (f ≈ 1 from its bias keeps c), not a
        # blank panel: no "untrained" mark
        return animation(out_dir, self.name, fig, update, len(snaps), fps=4, untrained=None)

    gif_panels: ClassVar[tuple[str, ...]] = ()  # what the GIF animates
    titles: ClassVar[dict[str, str]] = {}  # a cell's own panel titles


def gif_picks(available: int, frames: int = GIF_FRAMES) -> list[int]:
    """Indices of ``frames`` evenly spaced snapshots out of ``available`` (all if fewer)."""
    count = min(available, frames)
    return sorted({round(i * (available - 1) / max(1, count - 1)) for i in range(count)})


_TITLES = {
    "i": "input gate i (0 = shut, 1 = write)",
    "f": "forget gate f (1 = keep c)",
    "g": "candidate g = tanh(…)",
    "o": "output gate o",
    "c": "cell state c (the memory)",
    "h": "hidden state h",
    "r": "reset gate r",
    "z": "update gate z (1 = keep h, 0 = take n)",
    "n": "new gate n (candidate)",
    "rnn": "vanilla RNN: hidden state h (same batches)",
}


def it_number(x: float, digits: int = 2) -> str:
    """A number written the Italian way (decimal comma): 0.93 → '0,93'."""
    return f"{x:.{digits}f}".replace(".", ",")


_ELIDED = {"il": "l'", "nel": "nell'", "al": "all'", "del": "dell'"}


def it_percent(x: float, prep: str = "il") -> str:
    """A share as an Italian percentage with its article: 'il 90%', but 'l'88%', 'nell'80%'."""
    n = round(100 * x)
    spoken_with_vowel = n in (1, 8, 11) or 80 <= n <= 89
    return f"{_ELIDED[prep]}{n}%" if spoken_with_vowel else f"{prep} {n}%"
