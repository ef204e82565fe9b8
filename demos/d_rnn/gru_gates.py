"""GRU gates, live: a hand-written GRU cell on the same memory task (questions d.08, d.09).

PyTorch's equations (gates stacked r, z, n in ``weight_ih_l0``; note that the reset gate
multiplies the hidden term *after* its matrix product, bias included):

    r = σ(W_ir x + b_ir + W_hr h + b_hr)          reset gate: how much of h feeds n
    z = σ(W_iz x + b_iz + W_hz h + b_hz)          update gate: keep h (z≈1) or take n
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))   new gate: the candidate state
    h' = (1 − z) ⊙ n + z ⊙ h

Two gates and a candidate, no separate cell state: h itself is the memory, kept where
z is close to 1 and replaced by n where z drops. On the marked recall task the GRU
learns it; the vanilla RNN trained on the same batches recomputes h from every new
symbol and stays near chance (this run's z at the mark and after it is in the caption).
With three weight blocks instead of four it has 3/4 of an LSTM's parameters (drawn, and
checked against nn.LSTM). Live: heatmaps of r, z, n and h over time for one sequence
(under its input), the vanilla RNN's h on the same scale, z at the mark and afterwards,
both accuracies. The GIF shows z, n, h and the RNN's h of that sequence over training.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch

from demos.lib.recurrent import GateDemo, it_number, it_percent
from demos.platform import Bilingual, RunContext


def gru_cell(x: torch.Tensor, h: torch.Tensor, p: Any):
    """One GRU step; returns h' and the gates (each (B, H))."""
    x_r, x_z, x_n = (x @ p["weight_ih"].t() + p["bias_ih"]).chunk(3, dim=1)  # each (B, H)
    h_r, h_z, h_n = (h @ p["weight_hh"].t() + p["bias_hh"]).chunk(3, dim=1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    h = (1 - z) * n + z * h
    return h, (r, z, n)


class GRUGates(GateDemo):
    gates = 3
    shown = ("r", "z", "n", "h")
    holder = "z"
    writer = "z"
    memory = "h"
    reference = "GRU"
    layout = (("z", "n", "h"), ("r", "rnn", "equations"))
    gif_panels = ("z", "n", "h", "rnn")
    titles: ClassVar[dict[str, str]] = {"h": "hidden state h (the memory)"}
    equations: ClassVar[str] = (
        "r  = σ(W_ir x + b_ir + W_hr h + b_hr)\n"
        "z  = σ(W_iz x + b_iz + W_hz h + b_hz)\n"
        "n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))\n"
        "h' = (1 − z) ⊙ n + z ⊙ h\n\n"
        "z: keep h (z ≈ 1) or take n (z ≈ 0)\n"
        "r: how much of h feeds the candidate n\n"
        "no cell state: h is the memory;\n"
        "3 weight blocks (r, z, n) vs the LSTM's 4\n"
        "vanilla RNN: h' = tanh(W x + U h + b),\n"
        "  recomputed from every input"
    )

    def zero_state(self, batch: int, hidden: int, like: torch.Tensor) -> tuple:
        return (like.new_zeros(batch, hidden),)

    def cell(self, x: torch.Tensor, state: tuple, p: Any) -> tuple[tuple, dict[str, Any]]:
        h, (r, z, n) = gru_cell(x, state[0], p)
        return (h,), {"r": r, "z": z, "n": n, "h": h}

    def caption_for(self, ctx: RunContext, f: dict[str, float]) -> Bilingual:
        """Accuracy contrast, z at the mark / while holding, and the 3/4 parameter ratio."""
        p = ctx.params
        acc, rnn = f.get("accuracy", 0.0), f.get("rnn_accuracy", 0.0)
        z_mark, z_hold = f.get("z_mark", 0.0), f.get("z_memory", 0.0)
        gru, lstm = self.counts["GRU"]["numel"], self.counts["LSTM"]["numel"]
        chance = 1 / p["symbols"]
        return Bilingual(
            en=(
                f"After {ctx.total_steps} steps the GRU names the marked symbol in {acc:.0%} "
                f"of held-out sequences of length {p['length']}, the vanilla RNN trained on the "
                f"same batches in {rnn:.0%} (chance {chance:.0%}). Averaged over units, the "
                f"update gate z is {z_mark:.2f} at the mark and {z_hold:.2f} afterwards: each "
                f"step keeps that share of h (h' = (1 − z) ⊙ n + z ⊙ h) where the RNN "
                f"recomputes it. "
                f"With 3 weight blocks instead of 4 the GRU has {gru} parameters, "
                f"{gru / lstm:.2f} of an LSTM's {lstm}."
            ),
            it=(
                f"Dopo {ctx.total_steps} passi la GRU riconosce il simbolo contrassegnato "
                f"{it_percent(acc, 'nel')} delle sequenze di test di lunghezza {p['length']}, "
                f"la RNN semplice addestrata sugli stessi batch {it_percent(rnn, 'nel')} "
                f"(caso {chance:.0%}). In media sulle "
                f"unità la porta di aggiornamento z vale {it_number(z_mark)} nel passo "
                f"contrassegnato e {it_number(z_hold)} in quelli successivi: a ogni passo "
                f"conserva quella quota di h (h' = (1 − z) ⊙ n + z ⊙ h), mentre la RNN la "
                f"ricalcola. "
                f"Con 3 blocchi di pesi invece di 4 la "
                f"GRU ha {gru} parametri, {it_number(gru / lstm)} di quelli di un'LSTM "
                f"({lstm})."
            ),
        )
